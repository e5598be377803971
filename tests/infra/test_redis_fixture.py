"""The real-Redis fixture the Redis-backed features are tested on."""

from __future__ import annotations

import uuid

import redis


def test_redis_server_fixture_serves_a_private_instance(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    key = f"autoplay:probe:{uuid.uuid4().hex}"
    try:
        client.set(key, "1")
        assert client.get(key) == b"1"
        # The fixture's own throwaway server (other tests in the session share it): nothing persists.
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
    finally:
        client.delete(key)
        client.close()
