"""The one writer of a Redis-backed fleet: :class:`RedisIngester`.

It holds the connector stream, writes every ``actions`` payload to Redis (context buckets and
the user index), runs the LLM summarizer, and stores each summary in Redis, where every replica
reads it.  Readers are :class:`~autoplay_sdk.context.redis_store.RedisContextStore` and
:class:`~autoplay_sdk.context.redis_store.RedisUserSessionIndex` built with the same options and
key prefix.

Decisions:

- **One active ingester per key prefix**, enforced by a lease in Redis (``SET NX PX``, renewed
  every ``lease_s / 3``).  A second ingester waits as a hot standby and takes over when the
  lease lapses, so the summarizer runs once for the whole fleet.  A holder that finds the lease
  taken by another process stops reading (ERROR logged).  If Redis restarts empty, the holder
  re-creates its lease.
- **Resume.**  The client's ``last_handled_event_id`` — the SSE id up to which every payload is
  written, skipped or reported — is checkpointed in Redis at most every 0.2 s; a (re)started
  ingester passes it to its client as ``last_event_id``, which sends it as ``Last-Event-ID``.
  Each write carries the payload's ``client.current_event`` (its SSE id and what its connection
  resumed after), so payloads replayed after a crash are skipped by their numeric event id (see
  ``RedisContextStore.add``): a resume neither loses nor duplicates.
- **Order.**  The stream client runs with ``session_concurrency=1``: a session's payloads are
  written in arrival order, so buckets keep the order the in-memory store would see.
- **Faults.**  Redis errors never stop the stream: payloads that cannot be written are
  reported (``on_drop``, metrics, WARNING) by the store; payloads the client itself had to drop
  (backlog full while Redis was slow) are reported by the client's own ``on_drop`` and metrics.
- The summarizer's pending, below-threshold history lives in this process: a restart starts
  those counts again (the summaries already stored stay).
- The ingester uses the stream client as any host could, through its public seams only
  (``last_event_id``, ``current_event``, ``last_handled_event_id``, ``on_drop``).  A payload the
  client drops while running is reported by the client and the checkpoint moves past it; one left
  undelivered at shutdown keeps the checkpoint before it, so the next ingester reads it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.async_client import AsyncConnectorClient
from autoplay_sdk.context import _redis_core as core
from autoplay_sdk.context.redis_store import AsyncRedisContextStore, RedisUserSessionIndex, async_client
from autoplay_sdk.context.summarizer import AsyncSessionSummarizer
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.core.models import ActionsPayload

__all__ = ["RedisIngester"]

# The published logger name of the ingester's records.
logger = get_logger("autoplay_sdk.context.redis_ingest")

_CHECKPOINT_EVERY_S = 0.2

_RENEW_SCRIPT = """
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisIngester:
    """Read the connector stream once and write it to Redis for every replica.

    ``stream_url`` is the connector stream :meth:`run` reads (``""`` in push mode, where payloads
    arrive through :meth:`ingest`).  ``redis`` is a URL (or a ``redis.asyncio.Redis`` client).
    ``llm`` (``async (prompt) -> str``) enables the summaries (every ``summary_threshold``
    actions per session); without it none are written.  ``lookback_seconds``, ``max_actions``
    and ``session_ttl_s`` must match the readers'.  ``on_payload`` (sync or async, optional) runs
    after each new payload is written.  ``client_options`` are passed to
    :class:`~autoplay_sdk.AsyncConnectorClient` (except ``session_concurrency``, which is 1).

    Attributes: ``store`` (:class:`AsyncRedisContextStore`), ``user_index``
    (:class:`RedisUserSessionIndex`), ``summarizer`` (or ``None``), ``client`` and
    ``skipped_replays`` (payloads already in Redis that a resumed stream sent again).

    Raises:
        ValueError, SdkConfigError: invalid options (as the components raise them).
        ModuleNotFoundError: the ``redis`` extra is not installed.
    """

    def __init__(
        self,
        *,
        stream_url: str,
        redis: Any,
        token: str = "",
        llm: Callable[[str], Any] | None = None,
        summary_threshold: int = 10,
        lookback_seconds: float = 300.0,
        max_actions: int | None = 20,
        session_ttl_s: float = core.DEFAULT_SESSION_TTL_S,
        key_prefix: str = core.DEFAULT_PREFIX,
        lease_s: float = 10.0,
        on_payload: Callable[[ActionsPayload], Any] | None = None,
        on_drop: Callable[[dict[str, Any], int], Any] | None = None,
        metrics: Any = None,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        if not lease_s > 0:
            raise ValueError(f"lease_s must be > 0, got {lease_s!r}")
        self.store = AsyncRedisContextStore(
            redis,
            lookback_seconds=lookback_seconds,
            max_actions=max_actions,
            session_ttl_s=session_ttl_s,
            key_prefix=key_prefix,
            on_drop=on_drop,
            metrics=metrics,
        )
        self.user_index = RedisUserSessionIndex(
            self.store, redis, lookback_seconds=lookback_seconds, session_ttl_s=session_ttl_s, key_prefix=key_prefix
        )
        self.summarizer: AsyncSessionSummarizer | None = None
        if llm is not None:
            self.summarizer = AsyncSessionSummarizer(llm=llm, threshold=summary_threshold, metrics=metrics)
            self.summarizer.on_summary = self.store.on_summary
        options = dict(client_options or {})
        options["session_concurrency"] = 1
        self.client = AsyncConnectorClient(stream_url, token, metrics=metrics, **options)
        if on_drop is not None:
            self.client.on_drop(on_drop)
        self._on_payload = on_payload
        self._stream_url = stream_url
        self._keys = core.Keys(core.check_prefix(key_prefix))
        self._checkpoint_key = self._keys.checkpoint(stream_url)
        self._redis = async_client(redis)
        self._lease_ms = max(1, int(lease_s * 1000))
        self._lease_s = lease_s
        self._ttl_ms = core.check_ttl(session_ttl_s, lookback_seconds)
        self._token = secrets.token_hex(8)
        self._checkpointed = ""  # what Redis holds (as far as this process knows)
        self.skipped_replays = 0
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested = False

    # -- public --------------------------------------------------------------------------------

    @property
    def last_event_id(self) -> str:
        """The SSE id up to which every payload has been handled (``""`` before the first).

        After a resume this starts at the checkpoint read from Redis.
        """
        return self.client.last_handled_event_id

    async def run(self) -> None:
        """Acquire the lease (waiting as a standby), resume from the checkpoint, ingest until ``stop()``.

        Raises what the stream client raises (e.g. ``httpx.HTTPStatusError`` on 401/403/404), and
        ``SdkConfigError`` without a ``stream_url``.
        """
        if not self._stream_url:
            raise SdkConfigError("stream_url is empty: run() reads a stream; in push mode call ingest() instead")
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        if self._stop_requested:
            return
        if not await self._acquire():
            return
        resume = await self._read_checkpoint()
        if self._stop_requested:  # stopped while the checkpoint was read: the client never started
            await self._release()
            return
        if resume:
            self.client.last_event_id = resume
            logger.info("ingest: resuming after event id %s", resume)
        self._checkpointed = self.client.last_handled_event_id
        self.client.on_actions(self._handle)
        reader = self.client.run_in_background()
        keeper = asyncio.create_task(self._keep(reader))
        try:
            await asyncio.wait({reader})
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            if self.summarizer is not None:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.summarizer.flush(), 5.0)
            await self._write_checkpoint()
            await self._release()
        reader.result()

    def stop(self) -> None:
        """Ask ``run()`` to return (after draining accepted payloads); idempotent, safe from any thread."""
        self._stop_requested = True
        self.client.stop()
        loop, stopping = self._loop, self._stopping
        if loop is None or stopping is None or loop.is_closed():
            return
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop:
            stopping.set()
        else:
            loop.call_soon_threadsafe(stopping.set)

    async def aclose(self) -> None:
        """Close the Redis connections."""
        await self.store.aclose()
        await self.user_index.aclose()
        await self._redis.aclose()

    # -- stream handling -------------------------------------------------------------------------

    async def ingest(self, payload: ActionsPayload) -> bool:
        """Write one payload received some other way (push mode); ``True`` if it was stored.

        For a :class:`~autoplay_sdk.webhook_receiver.WebhookReceiver`:
        ``receiver.on_actions(ingester.ingest)``, with no ``run()``.  The payload goes to the
        context store and the user index, feeds the summarizer and ``on_payload``, exactly as a
        streamed one.  Send the pushes to one process: each receiving process runs its own
        summarizer.  Redis faults are reported as for streamed payloads, never raised.
        """
        return await self._ingest(payload, "", "")

    async def _ingest(self, payload: ActionsPayload, event_id: str, resumed_after: str) -> bool:
        outcome = await self.store.write(payload, event_id=event_id, resumed_after=resumed_after)
        if outcome is False:  # a replay of a payload written before a crash or reconnect
            self.skipped_replays += 1
            logger.debug("ingest: skipped a replayed payload for session=%s", payload.session_id)
            return False
        await self.user_index.add_async(payload)
        if self.summarizer is not None:
            await self.summarizer.add(payload)
        if self._on_payload is not None:
            result = self._on_payload(payload)
            if asyncio.iscoroutine(result):
                await result
        return outcome is True

    async def _handle(self, payload: ActionsPayload) -> None:
        # The client counts this payload handled once this returns or raises (a failure in a
        # later step is logged by the client); a write cancelled at the shutdown timeout is not,
        # so the checkpoint stays before it and a resumed stream sends it again.
        event = self.client.current_event
        await self._ingest(payload, *(event if event is not None else ("", "")))

    # -- lease and checkpoint ----------------------------------------------------------------------

    async def _acquire(self) -> bool:
        assert self._stopping is not None
        waited = False
        while not self._stopping.is_set():
            try:
                if await self._redis.set(self._keys.lease, self._token, nx=True, px=self._lease_ms):
                    logger.info("ingest: lease acquired%s", " (took over)" if waited else "")
                    return True
            except core.import_redis().exceptions.RedisError as exc:
                logger.warning("ingest: cannot reach Redis for the lease (%s); retrying", type(exc).__name__)
            if not waited:
                logger.info("ingest: another ingester holds the lease; waiting as a standby")
                waited = True
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._lease_s / 3)
        return False

    async def _keep(self, reader: asyncio.Task[None]) -> None:
        """Renew the lease and write the checkpoint until the reader ends."""
        errors = core.import_redis().exceptions.RedisError
        renew = self._redis.register_script(_RENEW_SCRIPT)
        next_renew = 0.0
        loop = asyncio.get_running_loop()
        while not reader.done():
            now = loop.time()
            if now >= next_renew:
                next_renew = now + self._lease_s / 3
                try:
                    if not await renew(keys=[self._keys.lease], args=[self._token, self._lease_ms]):
                        logger.error("ingest: the lease was taken by another ingester; stopping this one")
                        self.client.stop()
                        return
                except errors as exc:
                    logger.warning("ingest: could not renew the lease (%s)", type(exc).__name__)
            await self._write_checkpoint()
            await asyncio.sleep(_CHECKPOINT_EVERY_S)

    async def _read_checkpoint(self) -> str:
        try:
            return core.text(await self._redis.get(self._checkpoint_key)) or ""
        except core.import_redis().exceptions.RedisError as exc:
            logger.warning("ingest: could not read the checkpoint (%s); reading from the start", type(exc).__name__)
            return ""

    async def _write_checkpoint(self) -> None:
        handled = self.client.last_handled_event_id
        if handled == self._checkpointed:
            return
        try:
            await self._redis.set(self._checkpoint_key, handled, px=self._ttl_ms)
        except core.import_redis().exceptions.RedisError as exc:
            logger.warning("ingest: could not write the checkpoint (%s)", type(exc).__name__)
            return
        self._checkpointed = handled

    async def _release(self) -> None:
        with contextlib.suppress(core.import_redis().exceptions.RedisError):
            await self._redis.eval(_RELEASE_SCRIPT, 1, self._keys.lease, self._token)
