"""The client examples run as a user would run them, and end by themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["stream_client.py"])
def test_example_runs_against_the_local_connector(name: str) -> None:
    pytest.importorskip("uvicorn")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=100, cwd=EXAMPLES.parent
    )
    assert result.returncode == 0, result.stderr
    assert "wrong token: SdkAuthError, HTTP 403" in result.stdout
    assert ", 0 dropped" in result.stdout


def test_the_resume_example_reads_every_payload_once() -> None:
    pytest.importorskip("uvicorn")
    result = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / "resume_checkpoint.py")],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=EXAMPLES.parent,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("first run: ") and lines[1].startswith("resumed after ")
    first = int(lines[0].split()[2])
    assert lines[0].endswith(f"checkpoint {first}") and lines[1].startswith(f"resumed after {first}: ")
    assert lines[-1] == "every payload once"


def test_doc_excerpts_are_taken_from_the_examples() -> None:
    import re
    import textwrap

    doc = (EXAMPLES.parent / "docs" / "clients.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# excerpt from (examples/\S+)\n(.*?)```", doc, re.DOTALL)
    assert blocks, "docs/clients.md shows no excerpt"
    for path, body in blocks:
        source = {line.strip() for line in (EXAMPLES.parent / path).read_text(encoding="utf-8").splitlines()}
        missing = [line for line in textwrap.dedent(body).splitlines() if line.strip() not in source]
        assert not missing, (path, missing)
