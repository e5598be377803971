"""docs/rag-query.md: the complete example runs as documented and prints the documented output."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "rag-query.md"


def runnable_example() -> tuple[str, str]:
    text = DOC.read_text(encoding="utf-8")
    _, marker, rest = text.partition("<!-- runnable")
    assert marker, "the runnable marker is missing from docs/rag-query.md"
    found = re.search(r"```python\n(.*?)```\s*\nOutput:\s*\n\s*```text\n(.*?)```", rest, re.DOTALL)
    assert found is not None, "the runnable example or its output block is missing"
    return found.group(1), found.group(2)


def test_complete_example_prints_the_documented_output(tmp_path: Path) -> None:
    code, expected = runnable_example()
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip("\n") == expected.rstrip("\n")
