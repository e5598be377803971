"""The onboarding example runs by itself, offline, and ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_onboard_and_stream_example_runs_offline() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "onboard_and_stream.py"), "--seconds", "60"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=100,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Product registered — example-product" in done.stdout
    assert "Streamed 24 payloads from http://127.0.0.1:" in done.stdout
    assert done.stderr == ""
