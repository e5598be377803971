"""Every Python block in README.md and docs/ is a complete program that runs, or a marked excerpt.

A block whose first line is ``# excerpt from examples/<file>.py`` must name an existing example,
and each of its code lines must appear in that file (so the excerpt cannot drift from the
program the test suite runs).  Any other ``python`` block must be free of undefined names and
syntax errors, and is run as a program, from an empty directory: it must exit 0.  Signatures
and output are shown in ``text`` blocks, which are not checked.
"""

from __future__ import annotations

import builtins
import re
import symtable
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import _programs

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TIMEOUT_S = 100.0  # for all the blocks together

_FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_EXCERPT = re.compile(r"^#\s*excerpt from (examples/[\w./-]+\.py)\b")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    code: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def excerpt_of(self) -> str | None:
        match = _EXCERPT.match(self.code)
        return match.group(1) if match else None


def _blocks() -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            if match.group(1) in ("python", "py"):
                line = text.count("\n", 0, match.start()) + 1
                found.append(Block(str(page.relative_to(ROOT)), line, match.group(2)))
    return found


def _static_problem(block: Block) -> str | None:
    """Why ``block`` cannot be a complete program, found without running it (or ``None``).

    A syntax error (``await`` outside a function, a bare ``...`` signature) or a global name that
    is never assigned, imported or built in (``url``, ``my_llm``, ...) is enough to know.
    """
    try:
        compile(block.code, block.id, "exec")
        table = symtable.symtable(block.code, block.id, "exec")
    except SyntaxError as exc:
        return f"{block.id}: SyntaxError: {exc.msg}"
    defined = {sym.get_name() for sym in table.get_symbols() if sym.is_assigned() or sym.is_imported()}
    known = defined | set(dir(builtins)) | {"__file__", "__name__"}
    undefined: set[str] = set()
    pending = [table]
    while pending:
        scope = pending.pop()
        pending.extend(scope.get_children())
        for sym in scope.get_symbols():
            if sym.is_referenced() and (sym.is_global() or scope is table) and sym.get_name() not in known:
                undefined.add(sym.get_name())
    return f"{block.id}: NameError: undefined {sorted(undefined)}" if undefined else None


BLOCKS = _blocks()
PROGRAMS = [b for b in BLOCKS if b.excerpt_of is None]
RUNNABLE = [b for b in PROGRAMS if _static_problem(b) is None]


def _normalised(line: str) -> str:
    """A code line without indentation or a trailing ``  # comment`` (excerpts may trim those)."""
    return line.split("  # ", 1)[0].strip()


def _code_lines(code: str) -> list[str]:
    lines = []
    for raw in code.splitlines()[1:]:
        line = _normalised(raw)
        if line and line != "..." and not line.startswith("#"):
            lines.append(line)
    return lines


def _excerpt_problem(block: Block) -> str | None:
    target = ROOT / str(block.excerpt_of)
    if not target.is_file():
        return f"{block.id}: names {block.excerpt_of}, which does not exist"
    source = {_normalised(line) for line in target.read_text(encoding="utf-8").splitlines()}
    missing = [line for line in _code_lines(block.code) if line not in source]
    if missing:
        return f"{block.id}: lines not in {block.excerpt_of}: {missing}"
    return None


@pytest.fixture(scope="module")
def program_runs() -> Iterator[dict[str, _programs.Result]]:
    # Each block runs as __main__ from its own file in an empty directory, all in one helper
    # interpreter (tests/_program_runner.py), so the SDK's imports are paid for once.
    with tempfile.TemporaryDirectory() as workdir:
        files = {}
        for number, block in enumerate(RUNNABLE):
            folder = Path(workdir) / f"block_{number}"
            folder.mkdir()
            files[block.id] = folder / "program.py"
            files[block.id].write_text(block.code, encoding="utf-8")
        yield _programs.results(_programs.start(files), TIMEOUT_S)


def test_blocks_were_found() -> None:
    assert len(BLOCKS) > 20
    assert any(b.excerpt_of for b in BLOCKS) and PROGRAMS


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.excerpt_of], ids=lambda b: b.id)
def test_excerpt_matches_its_example(block: Block) -> None:
    problem = _excerpt_problem(block)
    if problem:
        pytest.fail(problem)


@pytest.mark.parametrize("block", PROGRAMS, ids=lambda b: b.id)
def test_complete_program_runs(block: Block, program_runs: dict[str, _programs.Result]) -> None:
    problem = _static_problem(block)
    if problem:
        pytest.fail(problem)
    result = program_runs[block.id]
    if result.rc != 0:
        last = (result.err.strip().splitlines() or ["(no output)"])[-1]
        pytest.fail(f"{block.id}: exit {result.rc}: {last}")


def test_static_check_spots_fragments_but_not_programs() -> None:
    def problem(code: str) -> str | None:
        return _static_problem(Block("README.md", 1, code))

    assert "['key', 'url']" in str(problem("from x import C\nclient = C(url, token=key)\n"))
    assert "SyntaxError" in str(problem("import asyncio\nawait asyncio.sleep(0)\n"))
    assert "['handle']" in str(problem("def f():\n    return handle(1)\n"))
    program = "import asyncio\n\nasync def main():\n    n = len([1])\n    print(n)\n\nasyncio.run(main())\n"
    assert problem(program) is None


def test_excerpt_checker_catches_drift() -> None:
    drifted = Block("README.md", 1, "# excerpt from examples/sync_client.py\nclient.run_forever()\n")
    missing = Block("README.md", 1, "# excerpt from examples/nope.py\nx = 1\n")
    assert "run_forever" in str(_excerpt_problem(drifted))
    assert "does not exist" in str(_excerpt_problem(missing))
    trimmed = Block("README.md", 1, "# excerpt from examples/sync_client.py\n...\nclient.run()\n")
    assert _excerpt_problem(trimmed) is None  # "...", indentation and trailing comments may differ
