"""RedisEventBuffer.drain on a real redis-server holding hostile members: skipped one by one, never raised."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from autoplay_sdk import RedisEventBuffer
from autoplay_sdk.buffer import _payload_from_json
from tests._hostile import HOSTILE, MARKER
from tests.buffer._helpers import summary

WRONG_TYPES: dict[str, bytes] = {
    "actions is a string": json.dumps({"type": "actions", "actions": MARKER}).encode(),
    "actions hold numbers": json.dumps({"type": "actions", "actions": [1, 2]}).encode(),
    "summary is a list": json.dumps({"type": "summary", "summary": [MARKER]}).encode(),
    "forwarded_at is text": json.dumps({"type": "summary", "summary": "x", "forwarded_at": MARKER}).encode(),
    "type is a list": json.dumps({"type": ["summary"], "summary": "x"}).encode(),
}
TABLE = {**HOSTILE, **WRONG_TYPES}


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)  # bytes in, bytes out: writes what the table holds
    yield client
    await client.aclose()


@pytest.mark.parametrize("member", list(TABLE.values()), ids=list(TABLE))
@pytest.mark.parametrize("random_prefix", [False, True], ids=["bare", "prefixed"])
async def test_a_hostile_member_is_skipped_and_the_rest_drains(
    redis_url: str, raw: aioredis.Redis, member: bytes, random_prefix: bool
) -> None:
    prefix = f"h{uuid.uuid4().hex[:10]}"
    good = json.dumps(summary("kept", "s1", ts=2.0).to_dict()).encode()
    await raw.sadd(f"autoplay:sdk:sessions:{prefix}", "s1")
    await raw.zadd(
        f"autoplay:sdk:buffer:{prefix}:s1", {(b"0123abcd:" if random_prefix else b"") + member: 1.0, good: 2.0}
    )
    async with RedisEventBuffer(redis_url, key_prefix=prefix) as buf:
        drained = await buf.drain()
        assert [p.summary for p in drained] == ["kept"]  # type: ignore[union-attr]
        assert await raw.keys(f"autoplay:sdk:*:{prefix}*") == []  # the hostile member is gone too
        assert await buf.drain() == []


async def test_a_session_id_that_is_not_utf8_still_drains(redis_url: str, raw: aioredis.Redis) -> None:
    prefix = f"h{uuid.uuid4().hex[:10]}"
    sid = b"s\xff\xfe"
    await raw.sadd(f"autoplay:sdk:sessions:{prefix}", sid, b"ok")
    good = json.dumps(summary("from ok", "ok", ts=1.0).to_dict()).encode()
    odd = json.dumps(summary("from odd", None, ts=2.0).to_dict()).encode()
    await raw.zadd(f"autoplay:sdk:buffer:{prefix}:ok".encode(), {good: 1.0})
    await raw.zadd(f"autoplay:sdk:buffer:{prefix}:".encode() + sid, {odd: 2.0})
    async with RedisEventBuffer(redis_url, key_prefix=prefix) as buf:
        assert await buf.size() == 2
        assert [p.summary for p in await buf.drain()] == ["from ok", "from odd"]  # type: ignore[union-attr]
        assert await buf.size() == 0
    assert await raw.keys(f"autoplay:sdk:*:{prefix}*") == []


@pytest.mark.parametrize("member", list(TABLE.values()), ids=list(TABLE))
def test_decoding_a_member_never_raises_for_str_or_bytes(member: bytes) -> None:
    assert _payload_from_json(member) is None
    assert _payload_from_json(member.decode("utf-8", "surrogateescape")) is None
