"""RedisInboundWatermarkStore reading hostile values from a real redis-server: no watermark, never raised."""

from __future__ import annotations

import logging
import uuid

import pytest
import redis.asyncio as aioredis

from autoplay_sdk.rag.query import ChatWatermarkScope
from autoplay_sdk.rag.query.redis_watermark import RedisInboundWatermarkStore
from tests._hostile import HOSTILE, MARKER

TABLE = {k: v for k, v in HOSTILE.items() if k != "huge integer"}  # 9…9 is a number (inf): not corrupt
TABLE["text"] = MARKER.encode()


@pytest.mark.parametrize("value", list(TABLE.values()), ids=list(TABLE))
async def test_a_corrupt_watermark_reads_as_none_then_is_replaced(
    redis_url: str, value: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    prefix = f"h{uuid.uuid4().hex[:10]}:"
    store = RedisInboundWatermarkStore(redis_url, key_prefix=prefix)
    raw = aioredis.Redis.from_url(redis_url)
    scope = ChatWatermarkScope("c")
    try:
        await raw.set(f"{prefix}wm:\x00\x1f\x00\x1fc", value)
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
            assert await store.get_previous_inbound_at(scope) is None
        [record] = caplog.records
        assert record.value_bytes == len(value) and MARKER not in caplog.text
        await store.set_last_inbound_at(scope, 12.5)
        assert await store.get_previous_inbound_at(scope) == 12.5
    finally:
        await raw.delete(f"{prefix}wm:\x00\x1f\x00\x1fc")
        await raw.aclose()
        await store.aclose()
