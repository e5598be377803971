"""One contract for both resilience stores (in memory and real Redis), plus a differential test."""

from __future__ import annotations

import asyncio
import sys
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk.proactive.resilience import ProactiveResilienceStore
from autoplay_sdk.proactive.resilience.stores import InMemoryProactiveResilienceStore, RedisProactiveResilienceStore
from tests.proactive.resilience.conftest import Backend

SHORT = 0.05  # seconds; long enough for Redis's millisecond TTLs, short enough to wait for


async def test_is_a_store(backend: Backend) -> None:
    assert isinstance(backend.store, ProactiveResilienceStore)


async def test_setex_get_exists_and_expiry(backend: Backend) -> None:
    store, k = backend.store, backend.key
    assert await store.get(k("a")) is None and await store.exists(k("a")) is False
    await store.setex(k("a"), 30, "välue")
    await store.setex(k("b"), SHORT, b"\xff\x00")
    assert await store.get(k("a")) == "välue".encode()
    assert await store.get(k("b")) == b"\xff\x00" and await store.exists(k("b"))
    await backend.elapse(SHORT)
    assert await store.get(k("b")) is None and await store.exists(k("b")) is False
    assert await store.get(k("a")) == "välue".encode()


async def test_setex_overwrites_value_and_ttl(backend: Backend) -> None:
    store, k = backend.store, backend.key
    await store.setex(k("a"), SHORT, "1")
    await store.setex(k("a"), 30, "2")
    await backend.elapse(SHORT)
    assert await store.get(k("a")) == b"2"


@pytest.mark.parametrize("seconds", [0, -1, float("nan")])
async def test_setex_rejects_a_non_positive_ttl(backend: Backend, seconds: float) -> None:
    with pytest.raises(ValueError, match="seconds must be > 0"):
        await backend.store.setex(backend.key("a"), seconds, "x")
    assert await backend.store.exists(backend.key("a")) is False


async def test_incr_counts_from_zero_and_keeps_the_ttl(backend: Backend) -> None:
    store, k = backend.store, backend.key
    assert [await store.incr(k("n")) for _ in range(3)] == [1, 2, 3]
    assert await store.get(k("n")) == b"3"
    await store.setex(k("t"), SHORT, "41")
    assert await store.incr(k("t")) == 42
    await backend.elapse(SHORT)
    assert await store.exists(k("t")) is False
    assert await store.incr(k("t")) == 1


async def test_incr_on_a_non_integer_raises_value_error(backend: Backend) -> None:
    await backend.store.setex(backend.key("s"), 30, "abc")
    with pytest.raises(ValueError, match="not an integer"):
        await backend.store.incr(backend.key("s"))
    assert await backend.store.get(backend.key("s")) == b"abc"


async def test_incr_with_expiry_sets_the_ttl_only_when_new(backend: Backend) -> None:
    store, k = backend.store, backend.key
    assert await store.incr_with_expiry(k("w"), SHORT) == 1
    assert await store.incr_with_expiry(k("w"), 30) == 2
    await backend.elapse(SHORT)
    assert await store.exists(k("w")) is False
    assert await store.incr_with_expiry(k("w"), 30) == 1


async def test_delete(backend: Backend) -> None:
    store, k = backend.store, backend.key
    assert await store.delete(k("missing")) == 0
    await store.setex(k("a"), 30, "x")
    assert await store.delete(k("a")) == 1
    assert await store.exists(k("a")) is False


async def test_expire(backend: Backend) -> None:
    store, k = backend.store, backend.key
    assert await store.expire(k("missing"), 10) is False
    await store.incr(k("a"))
    assert await store.expire(k("a"), SHORT) is True
    assert await store.exists(k("a"))
    await backend.elapse(SHORT)
    assert await store.exists(k("a")) is False
    await store.incr(k("b"))
    assert await store.expire(k("b"), 0) is True
    assert await store.exists(k("b")) is False


async def test_fractional_ttls_are_honoured(backend: Backend) -> None:
    store, k = backend.store, backend.key
    await store.setex(k("a"), 0.0001, "x")  # rounds up to one millisecond
    await backend.elapse(0.001)
    assert await store.exists(k("a")) is False


# -- differential: the in-memory store answers exactly like Redis -------------------------------

ops = st.lists(
    st.tuples(
        st.sampled_from(["exists", "get", "setex", "incr", "incr_with_expiry", "delete", "expire"]),
        st.sampled_from(["k1", "k2", "k3"]),
        st.sampled_from(["0", "7", "x", "-3"]),
    ),
    max_size=25,
)


async def _apply(store: object, op: str, key: str, value: str) -> object:
    try:
        if op in ("setex",):
            return await store.setex(key, 60, value)  # type: ignore[attr-defined]
        if op in ("incr_with_expiry", "expire"):
            return await getattr(store, op)(key, 60)
        return await getattr(store, op)(key)
    except ValueError as exc:
        return f"ValueError: {exc}"


async def _run_both(redis_url: str, sequence: list[tuple[str, str, str]]) -> None:
    memory = InMemoryProactiveResilienceStore()
    prefix = f"diff:{uuid.uuid4().hex}:"
    async with RedisProactiveResilienceStore.from_url(redis_url) as redis_store:
        for op, key, value in sequence:
            got_redis = await _apply(redis_store, op, prefix + key, value)
            got_memory = await _apply(memory, op, prefix + key, value)
            assert got_memory == got_redis, (op, key, value)


def test_in_memory_store_matches_redis(redis_url: str) -> None:
    @settings(max_examples=60, deadline=None)
    @given(sequence=ops)
    def run(sequence: list[tuple[str, str, str]]) -> None:
        asyncio.run(_run_both(redis_url, sequence))

    run()


# -- configuration ----------------------------------------------------------------------------


def test_from_url_without_the_redis_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'autoplay-sdk\[redis\]'"):
        RedisProactiveResilienceStore.from_url("redis://127.0.0.1:1/0")


async def test_redis_going_away_raises_the_connection_error() -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    async with RedisProactiveResilienceStore.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1) as store:
        with pytest.raises(RedisConnectionError):
            await store.exists("k")


async def test_a_client_passed_in_is_not_closed(redis_url: str) -> None:
    import redis.asyncio as redis_asyncio

    client = redis_asyncio.Redis.from_url(redis_url, decode_responses=True)
    try:
        async with RedisProactiveResilienceStore(client) as store:
            await store.setex("owned:" + uuid.uuid4().hex, 5, "v")
        assert await client.ping() is True
        key = "owned:" + uuid.uuid4().hex
        await client.set(key, "text")
        assert await RedisProactiveResilienceStore(client).get(key) == b"text"  # bytes even when decoding
    finally:
        await client.aclose()
