"""The SDK's imports run one way: no cycles, and no reaching for another package's private names.

The walk reads every module of ``autoplay_sdk`` with :mod:`ast` (nothing is imported) and
collects every import, at module level and inside functions alike (a lazy import is still a
dependency); ``from pkg import sub`` counts as an import of the submodule ``pkg.sub``.  Imports
under ``if TYPE_CHECKING:`` are left out: they never run, they only name types for checkers.

Rules:

1. **No module cycles.**  No module may reach itself through imports.  Importing ``a.b.c`` runs
   ``a/b/__init__`` first, so it counts as importing ``a.b`` too — except the packages the
   importing module itself sits in, which are already running by then.
2. **No cycles between the SDK's parts.**  A *part* is a top-level subpackage with everything
   below it (``autoplay_sdk.context``) or a top-level module (``autoplay_sdk.buffer``,
   ``autoplay_sdk._stream``).  If part A imports from part B, B must not import from A, however
   indirectly; inside a part, rule 1 keeps the modules in order.  The one exception is a public
   import path that a lower part serves for a class an upper part defines, listed in
   ``PUBLIC_PATHS_FROM_ABOVE``: it must be a pure re-export (docstring, imports and ``__all__``),
   and its imports are left out of this rule (they still count for rule 1).
3. **Private names stay home.**  ``from M import _name`` (an underscore function, class or
   variable; not a module) is allowed only inside M's package or its subpackages.  Private
   *modules* (``_stream.py``) are how a package shares code with the rest of the SDK: their
   public names may be imported from anywhere in it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "autoplay_sdk"

# Public module paths kept where users import them, re-exporting a class that lives higher up.
PUBLIC_PATHS_FROM_ABOVE = {
    # RedisIngester sits in the fleet package, above the clients and the context stores it uses.
    "autoplay_sdk.context.redis_ingest": "autoplay_sdk._fleet",
}


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def part(self) -> str:
        return ".".join(self.name.split(".")[:2])


def _modules() -> dict[str, Module]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = Module(".".join(parts), path, is_package)
    return found


MODULES = _modules()


@dataclass(frozen=True)
class Import:
    source: str
    target: str  # a module of the SDK
    name: str | None  # the non-module name imported from ``target`` (``from target import name``)
    line: int


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
        ):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imports(module: Module) -> Iterator[Import]:
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield Import(module.name, alias.name, None, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base not in MODULES:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    yield Import(module.name, sub, None, node.lineno)
                else:
                    yield Import(module.name, base, alias.name, node.lineno)


IMPORTS = [imp for module in MODULES.values() for imp in _imports(module)]


def _ancestors(name: str) -> set[str]:
    """The packages whose ``__init__`` runs before ``name`` does."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def _is_facade(module: Module) -> bool:
    body = ast.parse(module.path.read_text(encoding="utf-8")).body
    for index, node in enumerate(body):
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            continue
        return False
    return True


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _explain(cycle: list[str], edges: dict[str, set[tuple[str, str]]]) -> str:
    members = set(cycle)
    lines = [" <-> ".join(cycle)]
    for node in cycle:
        for target, why in sorted(edges[node]):
            if target in members:
                lines.append(f"    {why}")
    return "\n".join(lines)


def test_the_walk_sees_the_whole_package() -> None:
    assert {"autoplay_sdk.client", "autoplay_sdk._stream", "autoplay_sdk.context.redis_ingest"} <= set(MODULES)
    assert any(i.source == "autoplay_sdk.client" and i.target == "autoplay_sdk._stream" for i in IMPORTS)
    lazy = [i for i in IMPORTS if i.source == "autoplay_sdk.api.fastapi" and i.target == "autoplay_sdk._fleet.roles"]
    assert lazy, "function-level imports are part of the walk"


def test_no_module_imports_itself_through_others() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    edges: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for imp in IMPORTS:
        running = _ancestors(imp.source) | {imp.source}
        for target in ({imp.target} | _ancestors(imp.target)) - running:
            graph[imp.source].add(target)
            edges[imp.source].add((target, f"{imp.source}:{imp.line} imports {imp.target}"))
    cycles = _cycles(graph)
    assert not cycles, "module import cycles:\n" + "\n".join(_explain(c, edges) for c in cycles)


def test_the_sdks_parts_import_one_way() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    edges: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for name in PUBLIC_PATHS_FROM_ABOVE:
        assert _is_facade(MODULES[name]), f"{name} must only re-export"
    for imp in IMPORTS:
        if PUBLIC_PATHS_FROM_ABOVE.get(imp.source) == MODULES[imp.target].part:
            continue
        a, b = MODULES[imp.source].part, MODULES[imp.target].part
        if a != b:
            graph[a].add(b)
            edges[a].add((b, f"{imp.source}:{imp.line} imports {imp.target}"))
    cycles = _cycles(graph)
    assert not cycles, "package import cycles:\n" + "\n".join(_explain(c, edges) for c in cycles)


def test_no_package_imports_another_packages_private_names() -> None:
    offenders = []
    for imp in IMPORTS:
        name = imp.name
        if name is None or not name.startswith("_") or name.startswith("__"):
            continue
        home = MODULES[imp.target].package
        where = MODULES[imp.source].package
        if where != home and not where.startswith(home + "."):
            offenders.append(f"{imp.source}:{imp.line} imports {name} from {imp.target}")
    assert not offenders, "private names imported across packages:\n" + "\n".join(offenders)


def test_the_rules_catch_what_they_describe() -> None:
    # A two-node cycle and a lone node: the walker's cycle finder is the one the rules rely on.
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert _is_facade(MODULES["autoplay_sdk.context.redis_ingest"])
    assert not _is_facade(MODULES["autoplay_sdk._fleet.ingest"])
