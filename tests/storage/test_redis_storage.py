"""The Redis adapter against a real redis-server: differential with the in-memory one, faults, restarts."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoplay_sdk.observability import set_error_reporter
from autoplay_sdk.storage import (
    InMemoryStorageAdapter,
    RedisStorageAdapter,
    StorageManager,
    on_session_end,
    on_session_start,
    session_key,
    user_state_key,
)
from autoplay_sdk.user_adoption_state import SessionSnapshot, WorkflowStatus
from tests.buffer._helpers import RedisProcess
from tests.storage._ops import apply_op

_USERS = st.sampled_from(["ana", "bo"])
_SESSIONS = st.sampled_from(["s1", "s2", "s3"])
_DOCS = st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=6), st.booleans()), max_size=3)
_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("save_state"), _USERS, _DOCS),
        st.tuples(st.just("save_snap"), _USERS, _SESSIONS, _DOCS),
        st.tuples(st.just("get_state"), _USERS),
        st.tuples(st.just("get_snap"), _USERS, _SESSIONS),
        st.tuples(st.just("start"), _USERS, _SESSIONS),
        st.tuples(st.just("end"), _USERS, _SESSIONS, st.lists(st.sampled_from(["a", "b", "c"]), max_size=3)),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
def test_redis_behaves_like_in_memory(redis_url: str, ops: list[tuple[Any, ...]]) -> None:
    async def run() -> None:
        product = f"diff{uuid.uuid4().hex[:8]}"
        memory = InMemoryStorageAdapter()
        redis_adapter = RedisStorageAdapter(redis_url)
        try:
            with mock.patch("time.time", return_value=1000.0):  # the two runs must stamp the same times
                for op in ops:
                    assert await apply_op(redis_adapter, product, op) == await apply_op(memory, product, op), op
        finally:
            await redis_adapter.aclose()

    asyncio.run(run())


async def test_layout_ttl_and_write_once(redis_url: str) -> None:
    product = f"lay{uuid.uuid4().hex[:8]}"
    adapter = RedisStorageAdapter(redis_url, ttl_s=120)
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await adapter.save_user_state(product, "u", {"a": 1})
        await adapter.save_session_snapshot(product, "u", "s", {"n": 1})
        await adapter.save_session_snapshot(product, "u", "s", {"n": 2})
        assert json.loads(await raw.get(user_state_key(product, "u"))) == {"a": 1}
        assert json.loads(await raw.get(session_key(product, "u", "s"))) == {"n": 1}
        assert 0 < await raw.ttl(user_state_key(product, "u")) <= 120
        await raw.set(user_state_key(product, "bad"), "{not json")
        await raw.set(user_state_key(product, "list"), "[1]")
        assert await adapter.get_user_state(product, "bad") is None
        assert await adapter.get_user_state(product, "list") is None
    finally:
        await adapter.aclose()
        await raw.aclose()
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="ttl_s"):
            RedisStorageAdapter(redis_url, ttl_s=bad)  # type: ignore[arg-type]


async def test_unreachable_redis_never_raises_and_reports(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    server = RedisProcess(tmp_path)  # a port with nothing listening
    adapter = RedisStorageAdapter(f"redis://:hunter2@127.0.0.1:{server.port}/0")
    reported: list[tuple[str, dict[str, Any]]] = []
    set_error_reporter(lambda event, exc=None, **ctx: reported.append((event, ctx)))
    try:
        with caplog.at_level(logging.WARNING):
            await adapter.save_user_state("p", "u", {"a": 1})
            await adapter.save_session_snapshot("p", "u", "s", {"a": 1})
            assert await adapter.get_user_state("p", "u") is None
            assert await adapter.get_session_snapshot("p", "u", "s") is None
    finally:
        set_error_reporter(None)
        await adapter.aclose()
    assert [e for e, _ in reported] == ["User state write failed", "Session snapshot write failed"]
    assert reported[1][1] == {"product_id": "p", "user_id": "u", "session_id": "s"}
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "save_user_state failed product=p user=u: ConnectionError" in text
    assert "hunter2" not in text and str(server.port) not in text


async def test_redis_restarted_mid_run(tmp_path: Path) -> None:
    server = RedisProcess(tmp_path).start()
    adapter = RedisStorageAdapter(server.url)
    store = StorageManager([adapter])
    try:
        state, _ = await on_session_start("p", "u", "s1", store)
        state.onboarding.upsert_workflow_progress("a", status=WorkflowStatus.COMPLETED, confidence=1.0)
        snap = SessionSnapshot.from_adoption_state(
            state, session_id="s1", session_number=1, started_at=1.0, catalog_workflow_ids=["a"]
        )
        await on_session_end("p", "u", snap, store)
        server.kill()  # no persistence: everything is lost
        server.start()
        # the first command after the restart may fail on the dead connection: it is logged, never raised
        await store.save_user_state("p", "probe", {"x": 1})
        state, first = await on_session_start("p", "u", "s2", store)
        assert state.sessions_count == 0 and first is None  # re-initialised, not stuck
        assert (await adapter.get_user_state("p", "u"))["sessions"]["current_session_id"] == "s2"  # type: ignore[index]
    finally:
        await adapter.aclose()
        server.stop()
