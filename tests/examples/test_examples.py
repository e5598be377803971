"""Every program in ``examples/`` runs as a newcomer would run it, and ends by itself.

A user copies one file: so each example is copied *alone* into an empty directory of its own and
run from there (nothing from the repository's ``examples/`` is importable).  The examples start
a local connector themselves.  They run as ``__main__`` one after another in one helper
interpreter (``tests/_program_runner.py``), so the SDK's imports are paid for once; the pytest
example runs in its own ``pytest`` process at the same time.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import _programs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TIMEOUT_S = 100.0  # for the whole set

# example file -> what its output must show (a regex), proving it did its job
EXPECTED = {
    "sync_client.py": r"done: [1-9]\d* payloads",
    "background_client.py": r"[1-9]\d* payloads from 2 sessions",
    "drop_handling.py": r"handled [1-9]\d*, dropped [1-9]\d*",
    "fastapi_lifespan.py": r"actions per session so far: \{'[^']+': [1-9]",
    "context_enrichment.py": r"(?s)\[Session context\]\nSummary: .+Recent activity:\n1\. .+\[Query\]\nHow do I invite",
    "rag_ingestion.py": r"(?s)[1-9]\d* vectors indexed\nbest match: \S+:actions:",
    "prompt_assembly.py": r"(?s)turn 2: .+\[ACTIVITY SINCE YOUR LAST CHAT MESSAGE\]\n.+\nAnd assign it\?",
    "copilot_bridge.py": r"(?s)users: u_\w+.+Recent activity:\n1\. .+reply: The user performed",
    "chatbot_writer.py": r"note in conv-42:\nsession_id: \S+\ntimestamp: .+ UTC\n\n\[1\] User ",
    "chatbot_conversations.py": (
        r"(?s)before the chat: 0 notes posted\nlinked \S+ to conv-7 \(NEW\)\nproactive target: conv-7 \(ok\)"
        r".+note in conv-7:\nsession_id: \S+\ntimestamp: .+ UTC\n\n\[1\] User .+note in conv-7:\n"
    ),
    "test_my_integration.py": r"2 passed",
}
_PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
NOISY = {"drop_handling.py"}  # logs its drops to stderr on purpose


def _alone(name: str, workdir: Path) -> Path:
    """A copy of ``examples/<name>`` in a directory of its own, as a user would have it."""
    folder = workdir / name.removesuffix(".py")
    folder.mkdir()
    return Path(shutil.copy(EXAMPLES / name, folder))


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, _programs.Result]]:
    with tempfile.TemporaryDirectory() as tmp:
        yield _run_all(Path(tmp))


def _run_all(workdir: Path) -> dict[str, _programs.Result]:
    tests = [name for name in EXPECTED if name.startswith("test_")]
    pytest_runs = {
        name: subprocess.Popen(
            # -o: what the user's own project configures; pytest-asyncio warns about it otherwise
            [*_PYTEST, "-o", "asyncio_default_fixture_loop_scope=function", str(_alone(name, workdir))],
            cwd=workdir / name.removesuffix(".py"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in tests
    }
    runner = _programs.start({name: _alone(name, workdir) for name in EXPECTED if name not in tests})
    found = _programs.results(runner, TIMEOUT_S)
    for name, proc in pytest_runs.items():
        try:
            out, err = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        found[name] = _programs.Result(proc.returncode, out, err)
    return found


def test_every_example_is_covered() -> None:
    """Each example runs here, or in the tests of the feature it shows (which name its file)."""
    programs = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert set(EXPECTED) <= programs
    here = Path(__file__).resolve()
    elsewhere = "\n".join(
        t.read_text(encoding="utf-8") for t in (ROOT / "tests").rglob("test_*.py") if t.resolve() != here
    )
    unrun = sorted(name for name in programs - set(EXPECTED) if f"{name}" not in elsewhere)
    assert unrun == [], f"examples no test runs: {unrun}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_and_ends_by_itself(runs: dict[str, _programs.Result], name: str) -> None:
    out, err = runs[name].out, runs[name].err
    assert runs[name].rc == 0, f"{name} failed:\n{out}\n{err}"
    assert re.search(EXPECTED[name], out), f"{name} printed:\n{out}"
    if name not in NOISY:
        assert err == "", f"{name} wrote to stderr:\n{err}"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        alias.name.partition(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    names |= {
        (node.module or "").partition(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    if any(isinstance(node, ast.ImportFrom) and node.level > 0 for node in ast.walk(tree)):
        names.add(".")
    return names


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_example_stands_alone(path: Path) -> None:
    """It imports only the standard library, the SDK and its dependencies: never a file next to it."""
    siblings = {p.stem for p in EXAMPLES.iterdir() if p.suffix == ".py" or p.is_dir()} | {"."}
    assert _imported_modules(path) & siblings == set()
