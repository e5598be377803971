"""The buffering examples run to completion as programs."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from autoplay_sdk.testing import sample_events

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(*args: str) -> str:
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_buffer_memory_example_processes_every_sample_event() -> None:
    out = run(str(EXAMPLES / "buffer_memory.py"), "--batch-every", "0.2")
    assert f"processed {len(sample_events())} payloads, 0 evicted" in out


def test_buffer_redis_example_drains_every_sample_event(redis_url: str) -> None:
    out = run(str(EXAMPLES / "buffer_redis.py"), "--redis-url", redis_url, "--prefix", "example-test")
    assert f"drained {len(sample_events())} payloads, 0 reported dropped" in out


def _closed_port() -> int:
    with socket.socket() as sock:  # a free port, released at once: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_buffer_redis_example_without_redis_says_why_and_falls_back_to_memory() -> None:
    port = _closed_port()
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "buffer_redis.py"), "--redis-url", f"redis://:hunter2@127.0.0.1:{port}/0"],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    note = result.stderr.strip()
    assert note.startswith(f"note: Redis at 127.0.0.1:{port} is not reachable (ConnectionError: ")
    assert "falling back to an in-memory EventBuffer" in note
    assert "hunter2" not in note and "Traceback" not in note
    assert f"drained {len(sample_events())} payloads, 0 reported dropped; buffer: EventBuffer(" in result.stdout
