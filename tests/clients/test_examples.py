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
