"""The bridge's Redis user list reading hostile values from a real redis-server: absent, never raised."""

from __future__ import annotations

import logging
import uuid

import pytest
import redis

from autoplay_sdk.api._redis_roles import RedisUsers
from tests._hostile import HOSTILE, MARKER

TABLE = {**HOSTILE, "a number": b"42", "a list": b'["' + MARKER.encode() + b'"]'}


@pytest.mark.parametrize("value", list(TABLE.values()), ids=list(TABLE))
def test_a_corrupt_user_reads_as_absent(redis_url: str, value: bytes, caplog: pytest.LogCaptureFixture) -> None:
    client = redis.Redis.from_url(redis_url)
    prefix = f"h{uuid.uuid4().hex[:10]}:"
    users = RedisUsers(client, ttl_s=60, key_prefix=prefix)
    try:
        users["good"] = {"email": "x@example.com", "last_seen_at": 1.0}
        client.hset(f"{prefix}users", "bad", value)
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
            with pytest.raises(KeyError):
                users["bad"]
            assert users.get("bad") is None
            assert users.items() == [("good", {"email": "x@example.com", "last_seen_at": 1.0})]
        assert MARKER not in caplog.text and len(caplog.records) == 3
        users["bad"] = {"email": None, "last_seen_at": 2.0}  # replaced by the next write
        assert users["bad"] == {"email": None, "last_seen_at": 2.0}
    finally:
        client.delete(f"{prefix}users")
        client.close()
