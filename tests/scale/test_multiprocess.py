"""Several OS processes over one real redis-server: an ingester, reader replicas and an in-memory oracle.

The oracle is the in-memory pipeline of the bridge (``compose_chat_pipeline`` + a
``UserSessionIndex``, same LLM and options) fed the same payloads in order: every replica's
``/context`` (and a separate reader process's ``enrich()``) must equal it, through ingester
death and resume, a replica restart and a Redis restart.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from autoplay_sdk.agent_state.v2 import AgentStateV2
from autoplay_sdk.agent_state.v2.state_store import RedisSessionStateStore
from autoplay_sdk.chat import compose_chat_pipeline
from autoplay_sdk.context import UserSessionIndex
from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.testing import LocalConnector, local_summarizer_llm, sample_events
from tests.buffer._helpers import RedisProcess

from .conftest import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LOOKBACK = "3600"
_CLI = "import sys; from autoplay_sdk._cli import main; sys.exit(main())"


class Proc:
    def __init__(self, args: list[str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-c", _CLI, "serve", "-v", "--no-auth", "--port", str(self.port), *args],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "COLUMNS": "200"},
            )

    def wait_ready(self) -> None:
        until(lambda: _ok(self.url + "/healthz"), f"{self.url} ready", proc=self)

    def kill(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def until(check: Callable[[], Any], what: str, *, timeout: float = 30.0, proc: Proc | None = None) -> Any:
    """Poll another process's observable state (there is no cross-process event to wait on)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if proc is not None and proc.popen.poll() is not None:
            raise AssertionError(f"process exited while waiting for {what}: {proc.log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class Oracle:
    """The in-memory answer for everything published so far (one process, payloads in order)."""

    def __init__(self) -> None:
        self.pipeline = compose_chat_pipeline(llm=local_summarizer_llm, lookback_seconds=float(LOOKBACK))
        self.index = UserSessionIndex(self.pipeline.context_store, lookback_seconds=float(LOOKBACK))

    def feed(self, events: list[dict[str, Any]]) -> None:
        async def run() -> None:
            for event in events:
                payload = ActionsPayload.from_dict(event)
                await self.pipeline.on_actions(payload)
                self.index.add(payload)
            await self.pipeline.summarizer.flush()

        asyncio.run(run())

    def context(self, user: str) -> tuple[int, str]:
        text = self.index.get_user_activity(user)
        return (200 if text else 404), text


def context(proc: Proc | Oracle, user: str) -> tuple[int, str]:
    if isinstance(proc, Oracle):
        return proc.context(user)
    r = httpx.get(f"{proc.url}/context/{user}", params={"query": "q"}, timeout=10)
    return r.status_code, r.json().get("context", "")


def batch(seed: int, tag: str) -> list[dict[str, Any]]:
    events = [e for e in sample_events(sessions=3, seed=seed) if e["type"] == "actions"]
    for e in events:
        e["user_id"] = f"{tag}-{e['user_id']}"
        e["session_id"] = f"{tag}-{e['session_id']}"
    return events


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for p in started:
        p.stop()


def test_replicas_answer_like_one_store_through_faults(
    own_redis: RedisProcess, procs: list[Proc], tmp_path: Path
) -> None:
    connector = LocalConnector(retry_ms=200).start()
    try:
        stream = ["--stream-url", connector.stream_url, "--token", connector.token, "--lookback", LOOKBACK]
        shared = ["--redis", own_redis.url]

        def start(args: list[str], name: str) -> Proc:
            proc = Proc(args, tmp_path / f"{name}.log")
            procs.append(proc)
            return proc

        oracle = Oracle()
        ingester = start([*stream, *shared, "--role", "ingest"], "ingest1")
        replica = start([*shared, "--role", "serve", "--lookback", LOOKBACK], "replica1")
        for p in (ingester, replica):
            p.wait_ready()

        published: list[dict[str, Any]] = []

        def publish(events: list[dict[str, Any]]) -> None:
            published.extend(events)
            oracle.feed(events)
            connector.publish_many(events)

        def users() -> list[str]:
            return sorted({e["user_id"] for e in published})

        def converged(*replicas: Proc) -> bool:
            want = {u: context(oracle, u) for u in users()}
            return all(w[0] == 200 for w in want.values()) and all(
                context(r, u) == w for r in replicas for u, w in want.items()
            )

        # 1. one ingester, two readers (the ingest process also answers), same text as in memory
        publish(batch(1, "a"))
        until(lambda: converged(ingester, replica), "replicas equal to the in-memory oracle")
        sessions = sorted({f"{e['session_id']}:{e['product_id']}" for e in published})
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.scale._reader",
                own_redis.url,
                LOOKBACK,
                ",".join(users()),
                ",".join(sessions),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        answers = json.loads(out.stdout)
        for user in users():
            assert answers["activity"][user] == context(oracle, user)[1]
        for key, enriched in answers["enrich"].items():
            sid = key.split(":")[0]
            block = next(b for u in users() for b in context(oracle, u)[1].split("\n\nSession ") if sid + " (" in b)
            assert enriched == f"[Session context]\n{block.split(':', 1)[1].lstrip(chr(10))}\n\n[Query]\nq?"

        # session states created by the ingest process, read here in another process
        states = RedisSessionStateStore(own_redis.url)
        state = states[users()[0]]
        assert state.current_state == AgentStateV2.THINKING
        assert abs(state.last_interaction_at - time.monotonic()) < 120  # back on this process's clock

        # 2. the ingester dies: readers keep serving; a new ingester resumes with Last-Event-ID
        before = {u: context(replica, u) for u in users()}
        ingester.kill()
        assert {u: context(replica, u) for u in users()} == before
        # The dead holder's lease would lapse after lease_s (10 s); expire it now to keep the test short.
        redis.Redis.from_url(own_redis.url).delete("autoplay:ingest:lease")
        publish(batch(2, "b"))
        ingester2 = start([*stream, *shared, "--role", "ingest"], "ingest2")
        replica2 = start([*shared, "--role", "serve", "--lookback", LOOKBACK], "replica2")  # for step 3
        ingester2.wait_ready()
        until(lambda: converged(replica), "the new ingester caught up")
        resumed = [c for c in connector.connections if c.status == 200][-1]
        assert resumed.last_event_id not in (None, "")

        # 3. a replica dies and its replacement serves everything at once (no warm-up)
        replica.kill()
        replica2.wait_ready()
        assert converged(replica2)
        listed = httpx.get(f"{replica2.url}/users", timeout=10).json()["users"]
        assert sorted(u["user_id"] for u in listed) == users()  # written by the ingest process

        # 4. Redis restarts mid-stream: no process dies, the ingester recovers within its backoff
        own_redis.stop()
        assert context(replica2, users()[0])[0] == 503  # unavailable, not "no activity"
        publish(c := batch(3, "c"))
        time.sleep(0.5)  # let the ingester hit the outage (its writes are retrying now)
        own_redis.start()
        new_users = sorted({e["user_id"] for e in c})
        until(
            lambda: all(context(replica2, u) == context(oracle, u) for u in new_users),
            "writes after the Redis restart",
        )
        for p in (ingester2, replica2):
            assert p.popen.poll() is None, p.log.read_text()[-2000:]
        log = (tmp_path / "ingest2.log").read_text()
        assert "Traceback" not in log
        assert "Clicked" not in log and connector.token not in log  # ids and counts only
    finally:
        connector.stop()
