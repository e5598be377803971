"""The CLI stays a thin shell: each command is one parser and one function, helpers live once.

A helper defined in two ``autoplay_sdk/_cli`` modules drifts (two hint texts, two key formats);
these checks read the modules' top-level definitions and the parser the CLI builds.
"""

from __future__ import annotations

import argparse
import ast
import inspect
from collections import defaultdict
from pathlib import Path

import autoplay_sdk._cli as cli

CLI_DIR = Path(cli.__file__).parent
COMMAND_INTERFACE = {"__all__", "add_parser"}  # what every command module may define for itself


def _top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def test_no_helper_or_constant_is_defined_in_two_cli_modules() -> None:
    homes: dict[str, list[str]] = defaultdict(list)
    for path in sorted(CLI_DIR.glob("*.py")):
        for name in _top_level_names(path) - COMMAND_INTERFACE:
            homes[name].append(path.name)
    assert {name: files for name, files in homes.items() if len(files) > 1} == {}


def test_each_command_is_one_parser_whose_defaults_name_one_function() -> None:
    parser = cli.build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    runs = {name: sub.get_default("run") for name, sub in commands.choices.items()}
    assert set(runs) == {"connector", "tail", "demo", "serve", "onboard"}
    for name, run in runs.items():
        assert inspect.isfunction(run) and run.__name__ == f"cmd_{name}", name
        assert list(inspect.signature(run).parameters) == ["args", "rt"], name
