"""Every program in ``examples/`` runs as a newcomer would run it, and ends by itself.

The examples start a local connector themselves; they are launched together (one subprocess
each, at the first test) so the whole set costs about as long as the slowest one.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TIMEOUT_S = 90.0

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
    "test_my_integration.py": r"2 passed",
}
NOISY = {"drop_handling.py"}  # logs its drops to stderr on purpose


def _command(name: str) -> list[str]:
    if name.startswith("test_"):
        return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLES / name)]
    return [sys.executable, str(EXAMPLES / name)]


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, subprocess.Popen[str]]]:
    procs = {
        name: subprocess.Popen(
            _command(name), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=None
        )
        for name in EXPECTED
    }
    yield procs
    for proc in procs.values():
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_every_example_is_covered() -> None:
    programs = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert programs == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_and_ends_by_itself(runs: dict[str, subprocess.Popen[str]], name: str) -> None:
    out, err = runs[name].communicate(timeout=TIMEOUT_S)
    assert runs[name].returncode == 0, f"{name} failed:\n{out}\n{err}"
    assert re.search(EXPECTED[name], out), f"{name} printed:\n{out}"
    if name not in NOISY:
        assert err == "", f"{name} wrote to stderr:\n{err}"
