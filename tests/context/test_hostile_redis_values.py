"""The Redis context stores reading back hostile values from a real redis-server: skipped, never raised."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from autoplay_sdk.context.redis_store import RedisContextStore, RedisUserSessionIndex
from autoplay_sdk.core.models import ActionsPayload, SlimAction
from tests._hostile import HOSTILE, MARKER

TABLE = {
    **HOSTILE,
    "wrong types (actions is a string)": b'{"type": "actions", "actions": "' + MARKER.encode() + b'"}',
    "wrong types (forwarded_at is text)": b'{"type": "actions", "forwarded_at": "' + MARKER.encode() + b'"}',
    "wrong types (an action title is an object)": b'{"actions": [{"title": {"e": "' + MARKER.encode() + b'"}}]}',
}


def _payload(sid: str, title: str) -> ActionsPayload:
    return ActionsPayload("p", sid, "u1", None, [SlimAction(title, f"Clicked {title}", "/x")], 1, time.time())


@pytest.fixture
def prefix() -> str:
    return f"h{uuid.uuid4().hex[:10]}:"


@pytest.fixture
def raw(redis_url: str, prefix: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    keys = client.keys(prefix + "*")
    if keys:
        client.delete(*keys)
    client.close()


@pytest.mark.parametrize("value", list(TABLE.values()), ids=list(TABLE))
@pytest.mark.parametrize("head", [b"", b"1.0 1\n", b"nan x\n"], ids=["no-prefix", "good-prefix", "bad-prefix"])
def test_a_corrupt_bucket_entry_is_skipped_by_every_read(
    redis_url: str, raw: redis.Redis, prefix: str, value: bytes, head: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisContextStore(redis_url, key_prefix=prefix, max_actions=5, lookback_seconds=600)
    store.add(_payload("s1", "Export"))
    clean = store.get("s1", product_id="p")
    assert "Clicked Export" in clean
    bucket = f"{prefix}b:p\x1fs1"
    raw.lpush(bucket, head + value)  # oldest
    raw.rpush(bucket, head + value)  # newest
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
        assert store.get("s1", product_id="p") == clean
        assert store.get("s1") == clean  # through the product fallback
        assert store.get("s1", product_id="p", max_actions=None, lookback_seconds=None) == clean
        assert store.enrich("s1", "q?", product_id="p").endswith("q?")
    store.add(_payload("s1", "Import"))  # the bucket stays writable
    assert "Clicked Import" in store.get("s1", product_id="p")
    assert MARKER not in caplog.text
    assert any(getattr(r, "value_bytes", None) == len(head + value) for r in caplog.records)


@pytest.mark.parametrize("value", list(TABLE.values()), ids=list(TABLE))
def test_corrupt_user_refs_summaries_and_emails_read_without_raising(
    redis_url: str, raw: redis.Redis, prefix: str, value: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisContextStore(redis_url, key_prefix=prefix)
    index = RedisUserSessionIndex(store, redis_url, key_prefix=prefix)
    index.add(_payload("s1", "Export"))
    assert [r.session_id for r in index.get_recent_sessions("u1")] == ["s1"]
    raw.lpush(f"{prefix}u:u1", value, b"1.0\x1f" + value, value + b"\x1fs9\x1fp")
    raw.set(f"{prefix}s:s1", value)
    raw.set(f"{prefix}e:u1", value)
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
        refs = index.get_recent_sessions("u1")
        assert "s1" in [r.session_id for r in refs]
        assert isinstance(index.get_email("u1"), str)
        assert isinstance(store.get("s1", product_id="p"), str)
        assert isinstance(index.get_user_activity("u1"), str)
    assert MARKER not in caplog.text
