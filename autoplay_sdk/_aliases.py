"""The import hook that serves every deprecated ``autoplay_sdk`` module path from one table.

0.7.4 moved 49 modules (``autoplay_sdk.models`` -> ``autoplay_sdk.core.models`` ...), and the v1
state machine adds four more old paths.  None of them has a file.  Instead:

* **One table.**  The rows are ``autoplay_sdk.compat.shims.SHIM_MAP`` (the published 49, in order)
  followed by ``_V1_ROWS`` below (the restored v1 state-machine paths, kept out of ``SHIM_MAP``
  so that it equals the published value).  Each row is ``{"old_module": ..., "new_module": ...}``.
* **One finder.**  ``install()`` appends a single ``importlib.abc.MetaPathFinder`` to the *end* of
  ``sys.meta_path``.  It is therefore asked only about names that no real finder located, so it
  costs nothing for ordinary imports.  ``autoplay_sdk.compat`` is imported lazily, the first time an
  ``autoplay_sdk.*`` import misses: ``import autoplay_sdk`` neither imports it nor warns.
* **Served only when the canonical module exists** (``importlib.util.find_spec`` on the new name; it
  may import the canonical *parent* packages).  Otherwise the finder declines and the old path
  raises the ordinary ``ModuleNotFoundError``.  A canonical module that lands later is served with
  no change to the table.
* **Kind follows from the table.**  A row is a *package* alias when another row lives beneath it
  (``autoplay_sdk.serve`` has ``autoplay_sdk.serve.fastapi``); every other row is a *leaf* alias.
  This yields the six package rows of 0.7.5 (``serve``, ``proactive_triggers``, ...) plus
  ``autoplay_sdk.agent_states``.

Leaf alias: the loader warns, imports the canonical module and puts that very object in
``sys.modules[old]``; importlib then returns it and binds it on the parent package.  So the old path
*is* the canonical module: identity, ``__name__`` and monkeypatching are shared.

Package alias: a distinct module named by the old path, with an empty ``__path__`` (its old
sub-paths are found by this same finder), a PEP 562 ``__getattr__`` that fetches every other name
from the target on demand (``__all__`` included, so ``from old import *`` yields the target's public
names), and ``__dir__`` returning ``dir(target)``.  Because importlib binds a freshly imported
module on its parent, ``import autoplay_sdk.agent_state_v2`` rebinds the root attribute
``agent_state_v2`` from the canonical package to the alias package (as 0.7.5 does); names fetched
through either are the same objects.

Warning: one ``DeprecationWarning`` per execution of an old path, i.e. at first import and
again after its ``sys.modules`` entry is deleted; attribute access never warns.  It is attributed to
the importer: the first frame outside importlib's bootstrap and this module (the user's ``import``
line; ``importlib/__init__.py`` for ``importlib.import_module``).  We locate that frame ourselves and
use ``warnings.warn_explicit`` instead of counting a ``stacklevel``, so the result does not depend on
how a given Python version skips bootstrap frames.  Under ``-W error::DeprecationWarning`` the
import raises the warning.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType, ModuleType
from typing import Any

from autoplay_sdk._deprecation import deprecation_message

_PREFIX = "autoplay_sdk."
_COMPAT = "autoplay_sdk.compat"

# The restored v1 state-machine paths.  Same shape as SHIM_MAP rows, served by the
# same finder, but not part of the published SHIM_MAP value.
_V1_ROWS: list[dict[str, str]] = [
    {"old_module": "autoplay_sdk.agent_states", "new_module": "autoplay_sdk.agent_state.v1.states"},
    {
        "old_module": "autoplay_sdk.agent_states.state_machine",
        "new_module": "autoplay_sdk.agent_state.v1.state_machine",
    },
    {"old_module": "autoplay_sdk.agent_states.types", "new_module": "autoplay_sdk.agent_state.v1.types"},
    {
        "old_module": "autoplay_sdk.agent_states.proactive_idle_expiry",
        "new_module": "autoplay_sdk.proactive.state.idle_expiry",
    },
]

# Rows added by `_temporary_rows` (tests only); consulted after the real rows.
_extra_rows: list[dict[str, str]] = []


def _rows() -> list[dict[str, str]]:
    """Every served row, read live: SHIM_MAP, then the v1 rows, then temporary test rows."""
    from autoplay_sdk.compat.shims import SHIM_MAP

    return [*SHIM_MAP, *_V1_ROWS, *_extra_rows]


def _lookup(old: str) -> tuple[str, bool] | None:
    """``(canonical name, is package alias)`` for a served old path, else None.

    A row is a package alias exactly when another row lives beneath its old path.
    """
    rows = _rows()
    new = next((row["new_module"] for row in rows if row["old_module"] == old), None)
    if new is None:
        return None
    children = old + "."
    return new, any(row["old_module"].startswith(children) for row in rows)


@contextmanager
def _temporary_rows(rows: Sequence[tuple[str, str]]) -> Iterator[None]:
    """Private test hook: serve extra ``(old, new)`` rows inside the ``with`` block.

    Lets the tests exercise the package-alias machinery against canonical packages that exist today.
    The caller is responsible for removing the old paths it imported from ``sys.modules``.
    """
    added = [{"old_module": old, "new_module": new} for old, new in rows]
    _extra_rows.extend(added)
    try:
        yield
    finally:
        for row in added:
            _extra_rows.remove(row)


def _canonical_exists(name: str) -> bool:
    """True when ``name`` can be imported; a missing module or missing parent gives False."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError as exc:
        # Only "this name or one of its parents does not exist" means the row is not servable yet;
        # a canonical package that fails on some *other* missing import is a real error.
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            return False
        raise
    except ValueError:  # already in sys.modules with __spec__ = None: it exists
        return True


def _is_internal(filename: str) -> bool:
    # The same test CPython's warnings module uses for bootstrap frames, plus this file.
    return ("importlib" in filename and "_bootstrap" in filename) or filename == __file__


def _importer_frame() -> FrameType | None:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def _warn_moved(old: str, new: str) -> None:
    """Emit the deprecation warning for ``old``, attributed to the frame that imported it."""

    message = deprecation_message(old, new)
    frame = _importer_frame()
    if frame is None:  # imported from C with no Python frame above: let warnings decide
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return
    # What warnings.warn itself would derive from that frame.  No module_globals: warn does not pass
    # them either, and on 3.12+ they make a __main__ script raise a spurious ImportWarning.
    frame_globals = frame.f_globals
    module = frame_globals.get("__name__")
    registry = frame_globals.setdefault("__warningregistry__", {})
    warnings.warn_explicit(
        message,
        DeprecationWarning,
        frame.f_code.co_filename,
        frame.f_lineno,
        module=module if isinstance(module, str) else "<string>",
        registry=registry,
    )


class _LeafAliasLoader(importlib.abc.Loader):
    """Loads an old module path as the canonical module object itself."""

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # a placeholder; exec_module replaces it in sys.modules

    def exec_module(self, module: ModuleType) -> None:
        _warn_moved(self.old, self.new)
        # importlib re-reads sys.modules after exec_module, so the import returns this object.
        sys.modules[self.old] = importlib.import_module(self.new)


class _PackageAliasLoader(importlib.abc.Loader):
    """Loads an old package path as a forwarding package (own name and ``__path__``)."""

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        _warn_moved(self.old, self.new)
        old, new = self.old, self.new

        def __getattr__(name: str) -> Any:
            target = importlib.import_module(new)
            try:
                return getattr(target, name)
            except AttributeError as exc:
                raise AttributeError(f"module {old!r} has no attribute {name!r}") from exc

        def __dir__() -> list[str]:
            return dir(importlib.import_module(new))

        namespace = module.__dict__
        namespace["__doc__"] = f"Deprecated alias of `{new}`; import from `{new}` instead."
        namespace["__getattr__"] = __getattr__
        namespace["__dir__"] = __dir__


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds the deprecated ``autoplay_sdk`` paths listed in the alias table."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(_PREFIX) or fullname == _COMPAT or fullname.startswith(_COMPAT + "."):
            return None
        found = _lookup(fullname)
        if found is None or not _canonical_exists(found[0]):
            return None
        new, is_package = found
        loader = _PackageAliasLoader(fullname, new) if is_package else _LeafAliasLoader(fullname, new)
        return importlib.machinery.ModuleSpec(fullname, loader, is_package=is_package)


_FINDER = _AliasFinder()


def install() -> None:
    """Append the deprecated-path finder to ``sys.meta_path`` (idempotent; never warns or imports)."""
    if not any(finder is _FINDER for finder in sys.meta_path):
        sys.meta_path.append(_FINDER)
