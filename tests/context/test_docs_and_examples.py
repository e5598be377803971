"""docs/context.md: every Python block runs or is a true excerpt; examples/context_pipeline.py runs to the end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "context.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", *args], capture_output=True, text=True, encoding="utf-8", timeout=timeout
    )


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_every_python_block_is_a_program_or_a_true_excerpt(index: int, tmp_path: Path) -> None:
    block = python_blocks()[index]
    first, _, body = block.partition("\n")
    excerpt = re.fullmatch(r"# excerpt from (examples/\S+\.py)", first)
    if excerpt:
        source = " ".join((ROOT / excerpt.group(1)).read_text(encoding="utf-8").split())
        assert " ".join(body.split()) in source
        return
    script = tmp_path / "program.py"
    script.write_text(block, encoding="utf-8")
    done = run([str(script)])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()  # each program shows its result


def test_the_get_example_prints_the_documented_text(tmp_path: Path) -> None:
    (block,) = [b for b in python_blocks() if 'store.on_summary("sess-1"' in b]
    script = tmp_path / "program.py"
    script.write_text(block, encoding="utf-8")
    assert run([str(script)]).stdout == (
        "Summary: User exported a CSV.\n\nRecent activity:\n"
        "1. [3] click: Opened billing \u2014 /settings/billing\n"
        "2. [4] click: Clicked Upgrade \u2014 /settings/billing\n"
    )


def test_context_pipeline_example_runs_against_a_local_connector() -> None:
    done = run([str(ROOT / "examples" / "context_pipeline.py")], timeout=90)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("[Session context]\nSummary: The user performed")
    assert "\n\n[Query]\nHow do I invite a teammate to my project?\n" in out
    assert "--- everything user u_" in out and "Recent activity:\n1. [" in out
