"""Payload factories and a restartable ``redis-server`` for the buffer tests."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from autoplay_sdk import ActionsPayload, SlimAction, SummaryPayload
from tests._redis import redis_server_binary
from tests.conftest import _free_port


def actions(session_id: str | None = "s1", *, ts: float = 1000.0, n: int = 1, **extra: Any) -> ActionsPayload:
    acts = [
        SlimAction(
            title=f"t{i}",
            description=f"clicked {i}",
            canonical_url="https://app.example.com/x/:id",
            index=i,
            type="click",
            timestamp_start=ts,
            timestamp_end=ts,
            raw_url="https://app.example.com/x/42",
            session_id=session_id,
            user_id="u1",
            email="u1@example.com",
            conversation_id=extra.get("conversation_id"),
        )
        for i in range(n)
    ]
    return ActionsPayload(
        product_id="p1",
        session_id=session_id,
        user_id="u1",
        email="u1@example.com",
        actions=acts,
        count=n,
        forwarded_at=ts,
        conversation_id=extra.get("conversation_id"),
    )


def summary(tag: str, session_id: str | None = "s1", *, ts: float = 1000.0) -> SummaryPayload:
    return SummaryPayload(product_id="p1", session_id=session_id, summary=tag, replaces=2, forwarded_at=ts)


class Recorder:
    """A metrics hook that records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("record_"):
            raise AttributeError(name)
        return lambda **kw: self.calls.append((name, kw))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [kw for n, kw in self.calls if n == name]


class RedisProcess:
    """A ``redis-server`` on a fixed free port that a test can kill and start again.

    With ``durable=True`` every acknowledged write is fsync'd to an append-only file in
    ``workdir`` before the reply, so a SIGKILL loses nothing that was acknowledged.
    """

    def __init__(self, workdir: Path, *, durable: bool = False, port: int | None = None) -> None:
        self.binary = redis_server_binary()
        self.workdir = workdir
        self.port = port or _free_port()
        self.durable = durable
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.durable else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *persistence],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:  # a process start has no event to wait on
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
