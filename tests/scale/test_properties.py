"""Hypothesis: any sequence of writes leaves the Redis store reading exactly like the in-memory one."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoplay_sdk.context import ContextStore
from autoplay_sdk.context.redis_store import RedisContextStore
from autoplay_sdk.core.models import ActionsPayload, SlimAction

SESSIONS = st.sampled_from(["s1", "s2", " s1"])
PRODUCTS = st.sampled_from(["", "p1", "p2"])
ADD = st.tuples(st.just("add"), SESSIONS, PRODUCTS, st.integers(0, 4), st.floats(0, 120))
SUMMARY = st.tuples(st.just("summary"), SESSIONS, st.sampled_from(["", "short", "longer summary"]))
RESET = st.tuples(st.just("reset"), SESSIONS, PRODUCTS)
OPTIONS = st.fixed_dictionaries(
    {
        "lookback_seconds": st.sampled_from([None, 60.0]),
        "max_actions": st.sampled_from([None, 1, 3, 8]),
        "max_actions_per_session": st.sampled_from([None, 5, 12]),
    }
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(options=OPTIONS, ops=st.lists(st.one_of(ADD, ADD, ADD, SUMMARY, RESET), max_size=30))
def test_any_write_sequence_reads_like_the_in_memory_store(
    redis_url: str, options: dict[str, Any], ops: list[tuple[Any, ...]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    memory = ContextStore(**options)
    shared = RedisContextStore(redis_url, key_prefix=f"h{uuid.uuid4().hex[:10]}:", **options)
    now = time.time()
    for k, op in enumerate(ops):
        if op[0] == "add":
            _, sid, pid, n, age = op
            actions = [SlimAction(f"t{k}", f"Did {k}.{j}", "/x", index=j, type="click") for j in range(n)]
            payload = ActionsPayload(pid, sid, None, None, actions, n, now - age)
            memory.add(payload)
            shared.add(payload)
        elif op[0] == "summary":
            memory.on_summary(op[1], op[2])
            shared.on_summary(op[1], op[2])
        else:
            memory.reset(op[1], product_id=op[2] or None)
            shared.reset(op[1], product_id=op[2] or None)
    for sid in ("s1", "s2", " s1"):
        for pid in (None, "p1", "p2"):
            for cap in ("default", 2, None):
                extra: dict[str, Any] = {} if cap == "default" else {"max_actions": cap}
                assert shared.get(sid, product_id=pid, **extra) == memory.get(sid, product_id=pid, **extra)


USER_ADD = st.tuples(
    st.sampled_from(["u1", "u2", " u1", ""]),
    st.sampled_from(["s1", "s2", "s3", "s4", ""]),
    st.sampled_from(["", "p1"]),
    st.sampled_from([1.0, 30.0, 100.0, 400.0]),  # (0 means "now", which differs between two calls)
    st.sampled_from([None, "a@x.example", "b@x.example"]),
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(adds=st.lists(USER_ADD, max_size=25), cap=st.sampled_from([1, 2, 20]))
def test_any_user_index_sequence_answers_like_the_in_memory_index(
    redis_url: str, adds: list[tuple[Any, ...]], cap: int
) -> None:
    from autoplay_sdk.context import UserSessionIndex
    from autoplay_sdk.context.redis_store import RedisUserSessionIndex

    prefix = f"h{uuid.uuid4().hex[:10]}:"
    memory_store, shared_store = ContextStore(), RedisContextStore(redis_url, key_prefix=prefix)
    memory = UserSessionIndex(memory_store, lookback_seconds=300.0, max_sessions_per_user=cap)
    shared = RedisUserSessionIndex(
        shared_store, redis_url, key_prefix=prefix, lookback_seconds=300.0, max_sessions_per_user=cap
    )
    now = time.time()
    for k, (uid, sid, pid, age, email) in enumerate(adds):
        action = [SlimAction(f"t{k}", f"Did {k}", "/x", type="click")]
        payload = ActionsPayload(pid, sid, uid, email, action, 1, now - age)
        for store, index in ((memory_store, memory), (shared_store, shared)):
            store.add(payload)
            index.add(payload)
    for uid in ("u1", "u2", " u1", ""):
        assert shared.get_recent_sessions(uid) == memory.get_recent_sessions(uid)
        assert shared.get_email(uid) == memory.get_email(uid)
        assert shared.get_user_activity(uid) == memory.get_user_activity(uid)
