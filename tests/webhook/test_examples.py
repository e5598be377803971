"""The push-mode example runs to completion as a program."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from autoplay_sdk.testing import sample_events

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "push_receiver.py"


def test_push_receiver_example_receives_every_sample_event() -> None:
    result = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr
    n = len(sample_events())
    assert f"received {n} payloads" in result.stdout
    assert f"delivered={n}, rejected=0, dropped=0" in result.stdout
