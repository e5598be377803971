"""The code blocks of the state-machine and resilience docs: complete programs run, excerpts match
their example file line by line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docs" / "state-machines.md", ROOT / "docs" / "proactive-resilience.md"]
EXCERPT = re.compile(r"^# excerpt from (examples/\S+\.py)\n")


def python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for doc in DOCS:
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", doc.read_text(), flags=re.S)):
            blocks.append((f"{doc.name}#{i}", block))
    return blocks


def test_every_block_is_a_program_or_a_named_excerpt() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 6
    for name, block in blocks:
        first = block.splitlines()[0]
        assert first.startswith("# A complete program") or EXCERPT.match(block), name


def test_excerpts_match_their_example() -> None:
    for name, block in python_blocks():
        match = EXCERPT.match(block)
        if not match:
            continue
        source = [line.strip() for line in (ROOT / match.group(1)).read_text().splitlines()]
        position = 0
        for line in block.splitlines()[1:]:
            if not line.strip():
                continue
            assert line.strip() in source[position:], (name, line)
            position = source.index(line.strip(), position) + 1


def test_complete_programs_run() -> None:
    programs = {name: block for name, block in python_blocks() if not EXCERPT.match(block)}
    runner = (
        "import contextlib, io, json, sys\n"
        "out = {}\n"
        "for name, code in json.loads(sys.argv[1]).items():\n"
        "    buffer = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buffer):\n"
        "        exec(compile(code, name, 'exec'), {'__name__': '__main__'})\n"
        "    out[name] = buffer.getvalue()\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", runner, json.dumps(programs)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["state-machines.md#0"] == "reactive_assistance False\n"
    assert out["state-machines.md#1"].splitlines() == [
        "(False, 'conservative_cooldown')",
        "0.65",
        "`autoplay_sdk.agent_states` has moved to `autoplay_sdk.agent_state.v1.states`. "
        "Update your imports before 1.0.0, when the old path will be removed.",
    ]
    assert out["proactive-resilience.md#2"] == "False\nTrue\nTrue False\n"
