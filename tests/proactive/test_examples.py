"""The proactive example runs to completion: as a program (as a user starts it), and in-process
against a real Redis."""

from __future__ import annotations

import asyncio
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "proactive_loop.py"


def check(out: str) -> None:
    lines = out.splitlines()
    assert lines[0] == "listening to demo-product ..."
    assert sum(line.startswith("  -> ") for line in lines) == 3  # the product allows 3 attempts a minute
    assert sum(line.startswith("  <> ") for line in lines) == 2
    assert sum("idle, thread deleted, back to thinking" in line for line in lines) == 1
    assert lines[-1].startswith("summary: answered=2, expired=1, offered=3, refused: product_per_minute=")


def test_proactive_loop_as_a_program() -> None:
    result = subprocess.run([sys.executable, "-W", "error", str(EXAMPLE)], capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    check(result.stdout)


def test_proactive_loop_with_redis(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), "--redis-url", redis_url])
    main = runpy.run_path(str(EXAMPLE))["main"]
    asyncio.run(main())
    check(capsys.readouterr().out)
