"""Fixtures for the multi-replica tests: a restartable redis-server and unique key prefixes."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.buffer._helpers import RedisProcess


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: multi-process tests against a real redis-server (bounded, < 60 s)")


@pytest.fixture
def prefix() -> str:
    """A key prefix of its own, so tests share the session redis-server without clashing."""
    return f"t{uuid.uuid4().hex[:10]}:"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_redis(redis_url: str, tmp_path: Path) -> Iterator[RedisProcess]:
    """A private redis-server that the test can stop and start again on the same port (an outage).

    Requests ``redis_url`` first, so a missing binary is an error under ``REQUIRE_REDIS=1``.
    """
    server = RedisProcess(tmp_path).start()
    try:
        yield server
    finally:
        server.kill()
