"""docs/buffering.md and docs/push-mode.md: every Python block runs, or is a true excerpt of an example."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = [
    pytest.param(doc, i, block, id=f"{doc}-{i}")
    for doc in ("buffering.md", "push-mode.md")
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", (ROOT / "docs" / doc).read_text("utf-8"), re.DOTALL))
]


def expected_output(code: str) -> list[str]:
    """The ``print(...)  # text`` comments: what each print shows (text before any ``(...)`` note)."""
    lines = []
    for line in code.splitlines():
        if "print(" in line and "  # " in line:
            lines.append(line.split("  # ", 1)[1].split("   (", 1)[0].split(" -> ", 1)[0])
    return lines


@pytest.mark.parametrize(("doc", "index", "code"), BLOCKS)
def test_block(doc: str, index: int, code: str, tmp_path: Path) -> None:
    first = code.splitlines()[0]
    if first.startswith("# excerpt from "):
        source = (ROOT / first.removeprefix("# excerpt from ").strip()).read_text("utf-8")
        # A line holding only "..." separates pieces taken from different places of the file.
        pieces: list[list[str]] = [[]]
        for line in code.splitlines()[1:]:
            if line.strip() == "...":
                pieces.append([])
            else:
                pieces[-1].append(line)
        for piece in filter(None, pieces):
            excerpt = "\n".join(piece)
            assert textwrap.dedent(excerpt) in textwrap.dedent(source) or excerpt in source, f"{doc} block {index}"
        return
    script = tmp_path / "block.py"
    script.write_text(code, "utf-8")
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if line]
    for want in expected_output(code):
        assert any(line.strip() == want.strip() for line in printed), (want, printed)
