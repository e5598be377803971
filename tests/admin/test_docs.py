"""docs/onboarding.md: its complete program runs; its excerpt matches the example file it names."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "onboarding.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_every_python_block_is_a_program_or_a_true_excerpt(tmp_path: Path) -> None:
    blocks = python_blocks()
    assert blocks
    for block in blocks:
        first, _, body = block.partition("\n")
        excerpt = re.fullmatch(r"# excerpt from (examples/\S+\.py)", first)
        if excerpt:
            source = " ".join((ROOT / excerpt.group(1)).read_text(encoding="utf-8").split())
            assert " ".join(body.split()) in source
            continue
        script = tmp_path / "program.py"
        script.write_text(block, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-W", "error", str(script)], capture_output=True, text=True, encoding="utf-8", timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/stream/acme\nkey_[0-9a-f]{16}\n", done.stdout)
