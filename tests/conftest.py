"""Shared fixtures: a real ``redis-server`` on a free loopback port.

Without ``redis-server`` on ``PATH`` every test that needs it skips, and the run ends with one
line saying how many did and how to enable them.  ``REQUIRE_REDIS=1`` (set by ``.ci/run``) turns
a missing binary into a test failure instead, so CI can never pass by silently skipping them.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

from tests._redis import ENABLE_HINT, NO_REDIS, redis_server_binary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The ``redis-server`` executable, for a test that starts its own (or runs a program that does)."""
    return redis_server_binary()


@pytest.fixture(scope="session")
def redis_url(redis_server: str) -> Iterator[str]:
    """A fresh ``redis-server`` (no persistence) for the session; yields its URL."""
    binary = redis_server
    port = _free_port()
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:  # wait until it accepts connections (a process start has no event to wait on)
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                        conn.sendall(b"PING\r\n")
                        if conn.recv(64).startswith(b"+PONG"):
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line naming the Redis tests that skipped for want of ``redis-server``, and the remedy."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and NO_REDIS in str(report.longrepr[2])
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} Redis test{'s' if len(skipped) != 1 else ''} skipped: {NO_REDIS}; "
            f"{ENABLE_HINT} (REQUIRE_REDIS=1 makes its absence a failure).",
            yellow=True,
        )


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of its own, so tests share the session ``redis-server`` without clashing."""
    import uuid

    return f"t{uuid.uuid4().hex[:10]}:"
