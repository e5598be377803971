"""The real-Redis fixture the Redis-backed features are tested on."""

from __future__ import annotations

import redis


def test_redis_server_fixture_serves_a_private_instance(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        client.set("autoplay:probe", "1")
        assert client.get("autoplay:probe") == b"1"
        assert client.dbsize() == 1  # nobody else's keys: the server is ours alone
    finally:
        client.flushdb()
        client.close()
