"""The Redis roles of the copilot bridge: ``build_copilot_app(redis_url=..., role=...)``.

- ``role="serve"``: a reader replica.  No stream; ``/context`` and ``/reply`` read the shared
  context, summaries and user index from Redis, and session states live in Redis.
- ``role="ingest"``: a reader replica that is also a candidate ingester.  Its lifespan runs a
  :class:`~autoplay_sdk.context.redis_ingest.RedisIngester`: the process holding the Redis lease
  reads the stream and writes for the whole fleet (summaries included), the others wait as hot
  standbys and take over when it dies.

``app.state.user_index`` is then a ``RedisUserSessionIndex`` and ``app.state.session_states`` a
``RedisSessionStateStore``; ``app.state.pipeline`` (in memory) is not used.  Every replica must
be built with the same ``lookback_seconds`` (and key prefix).  A Redis
outage makes the routes answer 503 ``{"detail": "Context store unavailable"}`` (after about a
second of retries) until it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import AsyncIterator, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

from autoplay_sdk.context import _redis_core as core
from autoplay_sdk.context._redis_core import DEFAULT_SESSION_TTL_S
from autoplay_sdk.context.redis_store import RedisContextStore, RedisUserSessionIndex
from autoplay_sdk.core.exceptions import SdkConfigError

ROLES = ("ingest", "serve")
_MAX_ACTIONS = 20  # compose_chat_pipeline's default, which the in-memory bridge uses
_READ_RETRY_S = 1.0


def _user_info(raw: bytes | str | None) -> dict[str, Any] | None:
    """A stored user's info; ``None`` when absent or corrupt (a corrupt one is logged, then reads as absent)."""
    if raw is None:
        return None
    try:
        info = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)  # strict: no lone surrogates
        if type(info) is not dict:
            raise ValueError(f"expected a JSON object, got {type(info).__name__}")
    except MemoryError:
        raise
    except Exception as exc:  # any decode failure (RecursionError included)
        core.corrupt(raw, exc, "user entry")
        return None
    return info


class RedisUsers(MutableMapping[str, dict[str, Any]]):
    """What ``GET /users`` lists, shared by every replica: user id -> ``{"email", "last_seen_at"}``.

    One hash (``<prefix>users``, a JSON value per user), expiring ``ttl_s`` after its last write.
    Redis faults raise :class:`~autoplay_sdk.core.exceptions.SdkUpstreamError` (503 on the routes),
    except in ``len()``, which reads ``0`` then.  A value that is not a JSON object reads as
    absent (logged with its size, never its content) until the next write replaces it.
    """

    def __init__(self, redis: Any, *, ttl_s: float, key_prefix: str = core.DEFAULT_PREFIX) -> None:
        self._redis = redis
        self._key = key_prefix + "users"
        self._ttl_ms = max(1, math.ceil(ttl_s * 1000))

    def __getitem__(self, user_id: str) -> dict[str, Any]:
        with core.upstream("users"):
            raw = self._redis.hget(self._key, user_id)
        info = _user_info(raw)
        if info is None:
            raise KeyError(user_id)
        return info

    def __setitem__(self, user_id: str, info: dict[str, Any]) -> None:
        with core.upstream("users"):
            pipe = self._redis.pipeline(transaction=False)
            pipe.hset(self._key, user_id, json.dumps(info))
            pipe.pexpire(self._key, self._ttl_ms)
            pipe.execute()

    def __delitem__(self, user_id: str) -> None:
        with core.upstream("users"):
            removed = self._redis.hdel(self._key, user_id)
        if not removed:
            raise KeyError(user_id)

    def __iter__(self) -> Iterator[str]:
        with core.upstream("users"):
            return iter([core.text(k) or "" for k in self._redis.hkeys(self._key)])

    def __len__(self) -> int:
        """The number of users; ``0`` while Redis cannot be reached (``autoplay-sdk serve`` polls it)."""
        try:
            return int(self._redis.hlen(self._key))
        except core.import_redis().exceptions.RedisError:
            return 0

    def items(self) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[override]
        """Every ``(user_id, info)`` pair, in one round trip."""
        with core.upstream("users"):
            raw = self._redis.hgetall(self._key)
        pairs = [(core.text(k) or "", _user_info(v)) for k, v in raw.items()]
        return [(user_id, info) for user_id, info in pairs if info is not None]


@dataclass
class RedisParts:
    """What ``build_copilot_app`` wires in place of its in-memory pipeline."""

    user_index: RedisUserSessionIndex
    session_states: Any
    users: RedisUsers
    ingester: Any  # RedisIngester | None
    lifespan: Callable[[Any], contextlib.AbstractAsyncContextManager[None]]


def redis_parts(
    *,
    redis_url: str,
    role: str,
    stream_url: str,
    token: str,
    llm: Callable[[str], Any],
    summary_threshold: int,
    lookback_seconds: float,
    session_state_class: type[Any] | None,
    max_retries: int | None = None,
) -> RedisParts:
    if role not in ROLES:
        raise SdkConfigError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if not isinstance(redis_url, str) or not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise SdkConfigError("redis_url must be a redis://, rediss:// or unix:// URL")
    if summary_threshold < 1:
        raise SdkConfigError(f"threshold must be >= 1, got {summary_threshold!r}")
    ttl = max(DEFAULT_SESSION_TTL_S, lookback_seconds)  # keys outlive the window, however long it is
    # The routes only read (and reset): a request fails over to 503 after about a second of
    # retries rather than hanging for the writers' longer budget.
    reads: dict[str, Any] = {"session_ttl_s": ttl, "write_retry_s": _READ_RETRY_S}
    store = RedisContextStore(redis_url, lookback_seconds=lookback_seconds, max_actions=_MAX_ACTIONS, **reads)
    user_index = RedisUserSessionIndex(store, redis_url, lookback_seconds=lookback_seconds, **reads)
    users = RedisUsers(store._redis, ttl_s=ttl)
    session_states: Any = None
    if session_state_class is not None:
        from autoplay_sdk.agent_state.v2.state_store import RedisSessionStateStore

        session_states = RedisSessionStateStore(redis_url)
    ingester = None
    if role == "ingest":
        from autoplay_sdk.context.redis_ingest import RedisIngester

        def new_state(payload: Any) -> None:
            user_id = payload.user_id
            if not user_id:
                return
            users[user_id] = {"email": payload.email or None, "last_seen_at": payload.forwarded_at}
            if session_states is not None and session_state_class is not None:
                session_states.add_if_absent(user_id, session_state_class())

        ingester = RedisIngester(
            stream_url=stream_url,
            redis=redis_url,
            token=token,
            llm=llm,
            summary_threshold=summary_threshold,
            lookback_seconds=lookback_seconds,
            max_actions=_MAX_ACTIONS,
            session_ttl_s=ttl,
            on_payload=new_state,
            client_options={"max_retries": max_retries},
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        if ingester is None:
            yield
            return
        from autoplay_sdk.api.fastapi import _reader_ended_callback

        task = asyncio.create_task(ingester.run())
        task.add_done_callback(_reader_ended_callback(stream_url))  # a dead stream is logged when it dies
        app.state.connector_client = ingester.client
        app.state.connector_task = task
        await asyncio.sleep(0)
        try:
            yield
        finally:
            ingester.stop()
            done, _ = await asyncio.wait({task}, timeout=10.0)
            if not done:
                task.cancel()
                await asyncio.wait({task})
            await ingester.aclose()
            if done and not task.cancelled():
                task.result()

    return RedisParts(
        user_index=user_index, session_states=session_states, users=users, ingester=ingester, lifespan=lifespan
    )


def add_unavailable_handler(app: Any) -> None:
    """Answer 503 when Redis cannot be reached (instead of a 500 or a false 404)."""
    from fastapi.responses import JSONResponse

    from autoplay_sdk.core.exceptions import SdkUpstreamError

    async def unavailable(request: Any, exc: Exception) -> Any:
        return JSONResponse({"detail": "Context store unavailable"}, status_code=503)

    app.add_exception_handler(SdkUpstreamError, unavailable)
