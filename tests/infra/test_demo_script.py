"""``./scripts/demo`` ends by saying how to run the CLI from the project's venv.

The script is run for real with a stand-in ``uv`` first on ``PATH`` (a shell script that records
its arguments and exits with a chosen code), so the test neither syncs the shared venv nor
depends on the network.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a bash script")


def _run_demo(tmp_path: Path, code: int) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "uv"
    fake.write_text(f'#!/bin/sh\necho "uv $*" >> "{tmp_path}/calls"\n[ "$1" = run ] && exit {code}\nexit 0\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo"), "--sessions", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_a_finished_demo_ends_with_how_to_run_the_cli_from_the_venv(tmp_path: Path) -> None:
    result = _run_demo(tmp_path, 0)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[-1] == "uv run --locked --extra serve autoplay-sdk demo --sessions 2"
    last = result.stdout.strip().splitlines()[-1]
    assert "uv run autoplay-sdk --help" in last and ".venv" in last


def test_a_failed_demo_keeps_its_exit_code_and_adds_nothing(tmp_path: Path) -> None:
    result = _run_demo(tmp_path, 2)
    assert result.returncode == 2
    assert "uv run autoplay-sdk" not in result.stdout
