"""docs/scaling.md: every Python block is an excerpt of a named example and matches it line by line."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "scaling.md"
EXCERPT = re.compile(r"^# excerpt from (examples/\S+\.py)\n")


def test_python_blocks_are_excerpts_that_match_their_example() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert blocks
    for block in blocks:
        match = EXCERPT.match(block)
        assert match, block.splitlines()[0]
        source = [line.strip() for line in (ROOT / match.group(1)).read_text(encoding="utf-8").splitlines()]
        position = 0
        for line in block.splitlines()[1:]:
            if line.strip():
                assert line.strip() in source[position:], line
                position = source.index(line.strip(), position) + 1


def test_the_documented_modules_and_names_exist() -> None:
    import importlib

    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| ((?:`\w+`(?:, )?)+) \| `([\w.]+)` \|", text, flags=re.M)
    assert len(rows) >= 5  # one row per Redis-backed part, each checked below
    for names, module in rows:
        loaded = importlib.import_module(module)
        for name in re.findall(r"`(\w+)`", names):
            assert hasattr(loaded, name), (module, name)
