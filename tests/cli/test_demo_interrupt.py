"""Ctrl-C during ``autoplay-sdk demo``: one ``error:`` line, exit 2 (the demo did not complete).

The demo normally ends within a second, so to press Ctrl-C *during* it deterministically, the
demo runs in a real process with one extra stage (the documented ``DemoStage`` extension point)
whose ``annotate`` announces itself on stderr and then waits forever: the events have been
streamed, the sessions are being annotated, when SIGINT arrives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

_DRIVER = """
import asyncio, sys
from autoplay_sdk._cli import _demo_stages, main

class Blocking:
    title = "blocking"
    async def observe(self, payload):
        pass
    async def annotate(self, session):
        print("annotating", file=sys.stderr, flush=True)
        await asyncio.Event().wait()

default = _demo_stages.default_stages
_demo_stages.default_stages = lambda question: [*default(question), Blocking()]
sys.exit(main(["demo"]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_the_demo_says_it_did_not_complete_and_exits_2() -> None:
    env = {**os.environ, "COLUMNS": "80", "PYTHONFAULTHANDLER": "1"}
    with subprocess.Popen(
        [sys.executable, "-c", _DRIVER], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    ) as proc:
        assert proc.stderr is not None
        assert proc.stderr.readline() == "annotating\n"  # the demo is under way
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("the demo was still running 30 s after Ctrl-C")
    assert proc.returncode == 2, (out, err)
    assert err == "error: interrupted: the demo did not complete\n", err
    assert "Traceback" not in out
