"""RedisContextStore / RedisUserSessionIndex against the in-memory ContextStore / UserSessionIndex.

The in-memory store is the oracle: for the same payloads, every read must give the same text.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import pytest

from autoplay_sdk.context import ContextStore, UserSessionIndex
from autoplay_sdk.context.redis_store import RedisContextStore, RedisUserSessionIndex
from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.testing import sample_events

OPTIONS: list[dict[str, Any]] = [
    {},
    {"lookback_seconds": 300.0, "max_actions": 20},
    {"lookback_seconds": 60.0, "max_actions": 3, "include_summary": False},
    {"max_actions": 7},
    {"lookback_seconds": 300.0, "max_actions_per_session": 6},
]


def _random_stream(seed: int, n: int) -> list[ActionsPayload]:
    """Payloads over a few products and sessions, partly out of forwarded_at order, some stale."""
    rng = random.Random(seed)
    now = time.time()
    out = []
    for k in range(n):
        sid = rng.choice(["s1", "s2", " s3 ", "", None, "s4"])
        pid = rng.choice(["", "p1", "p2", "  "])
        age = rng.choice([1.0, 5.0, 30.0, 90.0, 400.0]) + rng.random()
        actions = [
            SlimAction(
                title=f"t{k}.{j}",
                description=f"Did {k}.{j}",
                canonical_url=f"/u/{k % 5}",
                index=rng.randint(0, 9),
                type=rng.choice(["click", "pageview"]),
            )
            for j in range(rng.randint(0, 4))
        ]
        user = rng.choice(["u1", "u2", None, " u3"])
        out.append(
            ActionsPayload(pid, sid, user, f"{user}@x.example" if user else None, actions, len(actions), now - age)
        )
    return out


class _Drops:
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    def record_event_dropped(self, *, reason: str, event_type: str, session_id: Any, product_id: Any) -> None:
        self.seen.append(f"{reason}:{session_id}:{product_id}")


def _reads(store: Any, sid: str, pid: str | None) -> list[str]:
    calls: list[dict[str, Any]] = [
        {},
        {"product_id": pid},
        {"product_id": pid, "max_actions": None},
        {"product_id": pid, "lookback_seconds": None},
        {"product_id": pid, "lookback_seconds": 45.0, "max_actions": 2},
        {"product_id": pid, "include_actions": False},
        {"product_id": pid, "max_actions": 0},
    ]
    return [store.get(sid, **c) for c in calls] + [store.enrich(sid, "where is export?", product_id=pid)]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("seed", [1, 2])
def test_random_stream_reads_equal_the_in_memory_store(
    redis_url: str, prefix: str, options: dict[str, Any], seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)  # the product-fallback warnings are exercised elsewhere
    drops: list[list[str]] = [[], []]
    memory = ContextStore(**options, metrics=_Drops(drops[0]))
    shared = RedisContextStore(redis_url, key_prefix=prefix, **options, metrics=_Drops(drops[1]))
    replica = RedisContextStore(redis_url, key_prefix=prefix, **options)  # another reader
    for i, payload in enumerate(_random_stream(seed, 150)):
        memory.add(payload)
        shared.add(payload)
        if i % 37 == 0:
            memory.on_summary(payload.session_id or "unknown", f"summary {i}")
            shared.on_summary(payload.session_id or "unknown", f"summary {i}")

    def compare() -> None:
        for sid in ["s1", "s2", " s3 ", "s3", "", "unknown", "s4", "nope"]:
            for pid in [None, "p1", "p2", "", "  "]:
                assert _reads(replica, sid, pid) == _reads(memory, sid, pid), (sid, pid)

    compare()
    assert drops[0] == drops[1]  # the same payloads dropped by the per-session bound
    assert bool(drops[0]) == ("max_actions_per_session" in options)
    for store in (memory, shared):
        store.on_summary("s2", "")  # an empty summary reads as none
        store.reset("s1", product_id="p1")
        store.reset("s4")
    compare()


def test_sample_sessions_and_user_index_equal_the_in_memory_ones(redis_url: str, prefix: str) -> None:
    memory = ContextStore(lookback_seconds=300.0, max_actions=20)
    index = UserSessionIndex(memory, lookback_seconds=300.0, max_sessions_per_user=3)
    shared = RedisContextStore(redis_url, key_prefix=prefix, lookback_seconds=300.0, max_actions=20)
    shared_index = RedisUserSessionIndex(
        shared, redis_url, key_prefix=prefix, lookback_seconds=300.0, max_sessions_per_user=3
    )
    events = [e for e in sample_events(sessions=6) if e["type"] == "actions"]
    extra = _random_stream(3, 60)
    for payload in [ActionsPayload.from_dict(e) for e in events] + extra:
        memory.add(payload)
        index.add(payload)
        shared.add(payload)
        shared_index.add(payload)
    users = {e.get("user_id") for e in events} | {"u1", "u2", " u3", "u3", "nobody"}
    for user in users:
        assert shared_index.get_recent_sessions(user) == index.get_recent_sessions(user)
        assert shared_index.get_user_activity(user) == index.get_user_activity(user)
        assert shared_index.get_email(user) == index.get_email(user)
    some_user = next(iter(u for u in users if index.get_user_activity(u)))
    assert "Recent activity:" in shared_index.get_user_activity(some_user)
    shared_index.reset_user(some_user)
    index.reset_user(some_user)
    assert shared_index.get_user_activity(some_user) == "" == index.get_user_activity(some_user)


def test_product_fallback_warns_once_like_the_in_memory_store(
    redis_url: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisContextStore(redis_url, key_prefix=prefix)
    now = time.time()
    store.add(ActionsPayload("p1", "s1", None, None, [SlimAction("a", "Opened", "/x")], 1, now))
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.context.redis_store"):
        assert "Opened" in store.get("s1")
        assert "Opened" in store.get("s1")
    assert len([r for r in caplog.records if "fell back" in r.getMessage()]) == 1
    store.add(ActionsPayload("p2", "s1", None, None, [SlimAction("b", "Other", "/y")], 1, now))
    assert store.get("s1") == ""  # two products: ambiguous, as in memory


def test_replayed_event_ids_are_written_once(redis_url: str, prefix: str) -> None:
    store = RedisContextStore(redis_url, key_prefix=prefix)
    payload = ActionsPayload("p", "s", None, None, [SlimAction("a", "Clicked", "/x")], 1, time.time())
    assert store.add(payload, event_id="5") is True
    assert store.add(payload, event_id="5") is False  # a resumed ingester replays it
    assert store.add(payload, event_id="4") is False
    assert store.get("s", product_id="p").count("Clicked") == 1
    assert store.add(payload, event_id="6") is True
    assert store.get("s", product_id="p").count("Clicked") == 2
    # an id at or below the one the connection resumed after: the connector renumbered, keep it
    assert store.add(payload, event_id="2", resumed_after="6") is True
    assert store.get("s", product_id="p").count("Clicked") == 3


def test_every_key_has_a_ttl(redis_url: str, prefix: str) -> None:
    import redis

    store = RedisContextStore(redis_url, key_prefix=prefix, lookback_seconds=60.0, session_ttl_s=120.0)
    index = RedisUserSessionIndex(store, redis_url, key_prefix=prefix, lookback_seconds=60.0, session_ttl_s=120.0)
    payload = ActionsPayload("p", "s", "u", "u@x.example", [SlimAction("a", "Clicked", "/x")], 1, time.time())
    store.add(payload, event_id="1")
    store.on_summary("s", "sum")
    index.add(payload)
    client = redis.Redis.from_url(redis_url)
    names = list(client.scan_iter(match=prefix + "*"))
    assert len(names) == 6  # bucket, meta, product set, summary, user refs, email
    assert all(0 < client.pttl(n) <= 120_000 for n in names)


def test_bad_configuration_names_the_parameter(redis_url: str) -> None:
    with pytest.raises(ValueError, match="session_ttl_s"):
        RedisContextStore(redis_url, lookback_seconds=600.0, session_ttl_s=60.0)
    with pytest.raises(ValueError, match="lookback_seconds"):
        RedisContextStore(redis_url, lookback_seconds=0)
    with pytest.raises(ValueError, match="max_actions"):
        RedisContextStore(redis_url, max_actions=0)
    with pytest.raises(ValueError, match="max_sessions_per_user"):
        RedisUserSessionIndex(None, redis_url, max_sessions_per_user=0)


def test_bad_payloads_are_refused_like_in_memory(redis_url: str, prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    store = RedisContextStore(redis_url, key_prefix=prefix)
    bad = ActionsPayload("p", "s", None, None, [SlimAction("a", "Clicked", "/x")], 1, time.time())
    bad.forwarded_at = float("nan")
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.context.redis_store"):
        assert store.add(bad) is False
    assert "refused a payload for session=s (forwarded_at is not a finite number)" in caplog.text
    assert store.get("s", product_id="p") == "" and store.dropped_count == 0
    index = RedisUserSessionIndex(store, redis_url, key_prefix=prefix)
    bad.forwarded_at = time.time()
    bad.user_id = 7  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.context.redis_store"):
        index.add(bad)
    assert "redis_index: refused a payload for session=s (user_id is int, not a string)" in caplog.text


def test_a_window_behind_empty_and_stale_payloads_is_read_back_far_enough(redis_url: str, prefix: str) -> None:
    memory = ContextStore()
    shared = RedisContextStore(redis_url, key_prefix=prefix)
    now = time.time()
    batches = [(now - 10, 2)] * 30 + [(now - 500, 3)] * 40 + [(now - 5, 0)] * 50  # newest last
    for k, (at, n) in enumerate(batches):
        actions = [SlimAction(f"t{k}", f"Did {k}.{j}", "/x", index=j, type="click") for j in range(n)]
        payload = ActionsPayload("p", "s", None, None, actions, n, at)
        memory.add(payload)
        shared.add(payload)
    for cap in (1, 3, 25, 100, None):
        for lookback in (None, 60.0):
            want = memory.get("s", product_id="p", max_actions=cap, lookback_seconds=lookback)
            assert shared.get("s", product_id="p", max_actions=cap, lookback_seconds=lookback) == want
            assert shared.get("s", max_actions=cap, lookback_seconds=lookback) == want  # via the fallback
