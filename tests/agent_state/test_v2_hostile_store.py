"""RedisSessionStateStore reading hostile values from a real redis-server: absent, logged, overwritable."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import pytest
import redis

from autoplay_sdk.agent_state.v2 import SessionState
from autoplay_sdk.agent_state.v2.state_store import RedisSessionStateStore, to_portable
from tests._hostile import HOSTILE, MARKER


def _portable(**changes: object) -> bytes:
    snapshot = to_portable(SessionState())
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = snapshot
        for name in parents:
            target = target[name]
        target[leaf] = value
    return json.dumps(snapshot).encode()


WRONG: dict[str, bytes] = {
    "no clock (a raw monotonic snapshot)": json.dumps(SessionState().to_dict()).encode(),
    "unknown version": _portable(_v=99),
    "unknown state": _portable(current_state=MARKER),
    "last_interaction_at is text": _portable(last_interaction_at=MARKER),
    "last_interaction_at is missing": json.dumps({"_v": 1, "clock": "wall", "current_state": "thinking"}).encode(),
    "thinking is a list": _portable(thinking=[MARKER]),
    "cooldown_active is text": _portable(thinking__cooldown_active=MARKER),
    "cooldown_started_at is text (cooldown on)": _portable(
        thinking__cooldown_active=True, thinking__cooldown_started_at=MARKER
    ),
    "last_message_at is an object": _portable(proactive__last_message_at={"e": MARKER}),
    "interaction_timeout_s is a list": _portable(interaction_timeout_s=[1]),
    "active_tour_id is an object": _portable(active_tour_id={"e": MARKER}),
    "huge integer timestamp": b'{"_v": 1, "clock": "wall", "current_state": "thinking", "last_interaction_at": '
    + b"9" * 5_000
    + b"}",
}
TABLE = {**HOSTILE, **WRONG}


@pytest.fixture
def store(redis_url: str) -> Iterator[RedisSessionStateStore]:
    yield RedisSessionStateStore(redis_url, key_prefix=f"h{uuid.uuid4().hex[:10]}:")


@pytest.mark.parametrize("value", list(TABLE.values()), ids=list(TABLE))
def test_a_corrupt_state_reads_as_absent_and_is_replaced(
    redis_url: str, store: RedisSessionStateStore, value: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    raw = redis.Redis.from_url(redis_url)
    name = store._prefix + "k"
    raw.set(name, value)
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
        with pytest.raises(KeyError):
            store["k"]
        assert store.get("k") is None
        state = store.update_state("k", lambda s: None, default=lambda: SessionState(interaction_timeout_s=33.0))
    assert state.interaction_timeout_s == 33.0
    assert store["k"].interaction_timeout_s == 33.0  # overwritten with a good snapshot
    records = [r for r in caplog.records if r.name == "autoplay_sdk.agent_state.v2.state_store"]
    assert len(records) == 3 and all(r.value_bytes == len(value) and r.key == "k" for r in records)
    assert MARKER not in caplog.text
    raw.delete(name)
    raw.close()


def test_a_good_snapshot_still_round_trips(store: RedisSessionStateStore) -> None:
    state = SessionState(interaction_timeout_s=33.0, cooldown_period_s=7.5)
    store["k"] = state
    assert store["k"].to_dict().keys() == state.to_dict().keys()
    assert (store["k"].interaction_timeout_s, store["k"].cooldown_period_s) == (33.0, 7.5)
