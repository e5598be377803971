"""Run several Python programs one after another in this one process; print their results as JSON.

Used by the docs-blocks and examples tests: each program runs as ``__main__`` from its own file,
with its own ``sys.argv``, ``sys.path[0]`` and working directory, and its stdout/stderr captured,
so a program behaves as under ``python file.py`` while the interpreter and the SDK's imports are
paid for once.  Input (stdin): a JSON list of ``{"id", "path"}``.  Output (stdout): one JSON
object ``{id: {"rc", "out", "err"}}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import runpy
import sys
import traceback


def _run(path: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved_argv, saved_path, saved_cwd = sys.argv, list(sys.path), os.getcwd()
    saved_modules = set(sys.modules)
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    rc = 0
    try:
        sys.argv = [path]
        sys.path.insert(0, os.path.dirname(path))
        os.chdir(os.path.dirname(path))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                runpy.run_path(path, run_name="__main__")
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                traceback.print_exc()
                rc = 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
        os.chdir(saved_cwd)
        root.handlers[:], root.level = saved_handlers, saved_level
        folder = os.path.dirname(path) + os.sep
        for name in set(sys.modules) - saved_modules:  # modules the program imported from its own folder
            if (getattr(sys.modules[name], "__file__", None) or "").startswith(folder):
                del sys.modules[name]
    return rc, out.getvalue(), err.getvalue()


def main() -> None:
    results = {}
    for item in json.load(sys.stdin):
        rc, out, err = _run(item["path"])
        results[item["id"]] = {"rc": rc, "out": out, "err": err}
    json.dump(results, sys.__stdout__)


if __name__ == "__main__":
    main()
