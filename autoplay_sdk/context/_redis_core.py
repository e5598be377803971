"""The pure core of the Redis-backed context layer: key layout, entry codec, Lua scripts, rendering.

Nothing here opens a socket.  The drivers (:mod:`autoplay_sdk.context.redis_store`,
:mod:`autoplay_sdk.context.redis_ingest`) build keys and arguments with these helpers, run the
scripts on a sync or asyncio Redis client, and render what they read with :func:`render`.

Key layout (``P`` is the key prefix, ``"autoplay:"`` by default)::

    P b:<bucket key>        LIST   one entry per ActionsPayload, arrival order
    P m:<bucket key>        HASH   last (forwarded_at of the newest entry), unordered flag, eid
    P x:<session id>        SET    the product-scoped bucket keys of a session (product fallback)
    P s:<session id>        STRING the session's latest summary
    P u:<user id>           LIST   the user's session refs, newest first
    P e:<user id>           STRING the user's latest email
    P ingest:last_event_id:<h>  STRING the resume checkpoint of the stream whose URL hashes to h
    P ingest:lease          STRING the ingester lease (one active ingester per prefix)

Every key is written with a TTL (``PX``/``PEXPIRE``), renewed on each write of that key.

Reading back never raises for what a key holds: a bucket entry or a user ref that does not
decode (invalid UTF-8, not JSON, nesting too deep, fields the models reject, a bad prefix) is
skipped and logged at WARNING with its size and the error type, never its content; a string
value that is not UTF-8 is read with replacement characters.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections.abc import Callable, Iterator
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.context._render import activity_block, compose_context, select_window
from autoplay_sdk.core.exceptions import SdkConfigError, SdkUpstreamError
from autoplay_sdk.core.models import ActionsPayload

logger = get_logger("autoplay_sdk.context.redis_store")

DEFAULT_PREFIX = "autoplay:"
DEFAULT_SESSION_TTL_S = 3600.0
_DECODED_CACHE_BYTES = 8 * 1024 * 1024
_BAD_ENTRIES_MAX = 1024

INSTALL_HINT = "Redis support needs the redis package. Install with: pip install 'autoplay-sdk[redis]'"


def import_redis() -> Any:
    """The ``redis`` module, or ``ModuleNotFoundError`` naming the ``redis`` extra."""
    try:
        import redis
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(INSTALL_HINT) from exc
    return redis


@contextlib.contextmanager
def upstream(what: str) -> Iterator[None]:
    """Turn a Redis error raised inside into :class:`SdkUpstreamError` (from it), naming ``what``."""
    try:
        yield
    except import_redis().exceptions.RedisError as exc:
        raise SdkUpstreamError(f"{what}: Redis unavailable: {type(exc).__name__}") from exc


def check_prefix(key_prefix: str) -> str:
    if not isinstance(key_prefix, str):
        raise SdkConfigError(f"key_prefix must be a str, got {type(key_prefix).__name__}")
    return key_prefix


def check_ttl(session_ttl_s: float, lookback_seconds: float | None) -> int:
    """``session_ttl_s`` in whole milliseconds; it must cover the lookback window."""
    if not isinstance(session_ttl_s, (int, float)) or not session_ttl_s > 0 or math.isinf(session_ttl_s):
        raise ValueError(f"session_ttl_s must be a finite number > 0, got {session_ttl_s!r}")
    if lookback_seconds is not None and session_ttl_s < lookback_seconds:
        raise ValueError(
            f"session_ttl_s must be >= lookback_seconds ({lookback_seconds!r}), got {session_ttl_s!r}: "
            "keys would expire while their payloads are still inside the window"
        )
    return max(1, math.ceil(session_ttl_s * 1000))


class Keys:
    """Builds the Redis keys of one prefix (see the module docstring for the layout)."""

    __slots__ = ("lease", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.lease = prefix + "ingest:lease"

    def checkpoint(self, stream_url: str) -> str:
        """Per stream, so a prefix reused for another connector never resumes at a foreign id."""
        digest = hashlib.sha256(stream_url.encode("utf-8")).hexdigest()[:16]
        return f"{self.prefix}ingest:last_event_id:{digest}"

    def bucket(self, bucket_key: str) -> str:
        return f"{self.prefix}b:{bucket_key}"

    def meta(self, bucket_key: str) -> str:
        return f"{self.prefix}m:{bucket_key}"

    def scoped(self, session_id: str) -> str:
        return f"{self.prefix}x:{session_id}"

    def summary(self, session_id: str) -> str:
        return f"{self.prefix}s:{session_id}"

    def user(self, user_id: str) -> str:
        return f"{self.prefix}u:{user_id}"

    def email(self, user_id: str) -> str:
        return f"{self.prefix}e:{user_id}"


def bucket_parts(payload: ActionsPayload) -> tuple[str, str, str]:
    """``(bucket key, stripped session id, stripped product id)`` of a payload."""
    sid = (payload.session_id or "unknown").strip()
    pid = (getattr(payload, "product_id", None) or "").strip()
    return (f"{pid}\x1f{sid}" if pid else sid), sid, pid


def _number_text(value: Any) -> str:
    """``repr(float(value))`` for real numbers (exact round trip), ``""`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    number = float(value)
    return repr(number) if math.isfinite(number) else ""


def encode_entry(payload: ActionsPayload) -> str:
    """``"<forwarded_at> <action count>\\n<payload JSON>"``: the prefix lets the scripts prune and bound."""
    head = f"{_number_text(payload.forwarded_at)} {len(payload.actions)}"
    return head + "\n" + json.dumps(payload.to_dict(), separators=(",", ":"))


class EntryDecoder:
    """Decodes bucket entries, caching the payloads of recently seen entries.

    An entry's text fully determines its payload, so a cache hit is exact.  The cache is bounded
    by the total size of the cached entries (``max_bytes``, 8 MiB by default; it is emptied when
    full) and the cached payloads are never mutated.  An entry that does not decode gives
    ``None``: it is logged once (size and error type) and counted in ``corrupt``.
    """

    def __init__(self, max_bytes: int = _DECODED_CACHE_BYTES) -> None:
        self._cache: dict[bytes | str, ActionsPayload] = {}
        self._bad: set[bytes | str] = set()
        self._max = max_bytes
        self._bytes = 0
        self.corrupt = 0

    def __call__(self, entry: bytes | str) -> ActionsPayload | None:
        payload = self._cache.get(entry)
        if payload is None:
            if entry in self._bad:
                return None
            try:
                text = entry.decode("utf-8") if isinstance(entry, bytes) else entry
                payload = ActionsPayload.from_dict(json.loads(text[text.index("\n") + 1 :]))
            except MemoryError:
                raise
            except Exception as exc:  # any decode failure (RecursionError included) is a corrupt entry
                self._skip(entry, exc)
                return None
            if self._bytes + len(entry) > self._max:
                self._cache.clear()
                self._bytes = 0
            self._cache[entry] = payload
            self._bytes += len(entry)
        return payload

    def _skip(self, entry: bytes | str, exc: Exception) -> None:
        self.corrupt += 1
        if len(self._bad) >= _BAD_ENTRIES_MAX:
            self._bad.clear()
        self._bad.add(entry)
        corrupt(entry, exc, "bucket entry")


def corrupt(value: Any, exc: BaseException, what: str) -> None:
    """Log a stored value that does not decode: its size and the error type, never its content."""
    size = len(value) if isinstance(value, (bytes, str)) else None
    logger.warning(
        "redis_store: skipping a corrupt %s (%s bytes, %s)",
        what,
        size,
        type(exc).__name__,
        extra={"value_bytes": size, "error_type": type(exc).__name__},
    )


def actions_within(entries: list[Any], cutoff: float | None) -> int:
    """How many actions the entries with ``forwarded_at >= cutoff`` hold (read from their prefixes).

    An entry whose prefix does not parse counts as holding none.
    """
    try:
        return _actions_within(entries, cutoff)
    except Exception:  # a corrupt prefix: count entry by entry
        return sum(_one_within(entry, cutoff) for entry in entries)


def _actions_within(entries: list[Any], cutoff: float | None) -> int:
    total = 0
    for entry in entries:
        head = entry[: entry.index(b"\n" if isinstance(entry, bytes) else "\n")]
        fwd, _, count = head.partition(b" " if isinstance(head, bytes) else " ")
        if cutoff is None or (fwd and float(fwd) >= cutoff):
            total += int(count)
    return total


def _one_within(entry: Any, cutoff: float | None) -> int:
    try:
        return _actions_within([entry], cutoff)
    except Exception:
        return 0


def render(
    summary: str | None,
    payloads: list[ActionsPayload],
    *,
    include_summary: bool,
    include_actions: bool,
    lookback: Any,
    cap: Any,
    now: float,
) -> str:
    """The ``get()`` text of a bucket's payloads (arrival order) and the session's summary.

    Uses the pure renderer of the in-memory store (:mod:`autoplay_sdk.context._render`), so the
    windows, the numbering and the layout are byte-identical to ``ContextStore.get()``.
    """
    activity = ""
    if include_actions and payloads:
        cutoff = None if lookback is None else now - lookback
        window, skip = select_window(payloads, cutoff, cap, ordered=False)
        activity = activity_block(window, skip)
    return compose_context((summary or "") if include_summary else "", activity)


def text(value: bytes | str | None) -> str | None:
    """A Redis reply as text; bytes that are not UTF-8 get replacement characters (never raises)."""
    if value is None or isinstance(value, str):
        return value
    return value.decode("utf-8", "replace")


def user_ref_entry(last_seen: float, session_id: str, product_id: str | None) -> str:
    return f"{last_seen!r}\x1f{session_id}\x1f{product_id or ''}"


def parse_user_ref(entry: bytes | str) -> tuple[float, str, str | None] | None:
    """``(last seen, session id, product id)`` of a user ref entry; ``None`` (logged) if it is corrupt."""
    try:
        raw = entry.decode("utf-8") if isinstance(entry, bytes) else entry
        last_seen, session_id, product_id = raw.split("\x1f", 2)
        seen = float(last_seen)
    except Exception as exc:
        corrupt(entry, exc, "user session ref")
        return None
    return seen, session_id, (product_id or None)


WallClock = Callable[[], float]

# KEYS: bucket list, bucket meta, session's scoped-bucket set.
# ARGV: entry, forwarded_at text, cutoff ("" = no lookback), ttl ms, event id ("" = none),
#       scoped bucket key ("" = legacy bucket), resume floor ("" = 0), the entry's action count,
#       max actions per bucket ("" = unbounded).
# Returns -1 when the payload is skipped as a replay: a numeric event id not above the bucket's
# last one but above the id the connection resumed after (an id at or below that floor means
# the connector restarted its numbering, and is stored).  Otherwise returns how many of the
# bucket's oldest payloads were dropped to respect the action bound (0 usually).
# The bucket then holds what the in-memory store holds after add(): with a cutoff, exactly its
# entries with forwarded_at >= cutoff (the new one only if it qualifies); then, past the action
# bound, its oldest entries dropped (the newest always kept).  The meta hash keeps the tail's
# forwarded_at, whether the list is sorted by it (a sorted bucket is pruned by popping its head,
# an unsorted one is filtered in full) and the number of actions the list holds.
ADD_SCRIPT = """
local function parse(e)
  local f, n = string.match(e, '^(%S*) (%d+)\\n')
  return tonumber(f), tonumber(n)
end
local eid = ARGV[5]
local eidn = tonumber(eid)
if eidn then
  local last = tonumber(redis.call('HGET', KEYS[2], 'eid') or '')
  local floor = tonumber(ARGV[7]) or 0
  if last and eidn <= last and eidn > floor then return -1 end
end
local ttl = tonumber(ARGV[4])
local fwd = tonumber(ARGV[2])
local cutoff = tonumber(ARGV[3])
local cap = tonumber(ARGV[9])
if ARGV[6] ~= '' then
  redis.call('SADD', KEYS[3], ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ttl)
end
if eid ~= '' then redis.call('HSET', KEYS[2], 'eid', eid) end
local unordered = redis.call('HGET', KEYS[2], 'unordered') == '1'
local count = tonumber(redis.call('HGET', KEYS[2], 'n') or '') or 0
if not (cutoff and fwd and fwd < cutoff) then
  local prev = tonumber(redis.call('HGET', KEYS[2], 'last') or '')
  if fwd == nil or (prev ~= nil and fwd < prev) then unordered = true end
  redis.call('RPUSH', KEYS[1], ARGV[1])
  count = count + tonumber(ARGV[8])
  redis.call('HSET', KEYS[2], 'last', ARGV[2])
end
if cutoff then
  if unordered then
    local all = redis.call('LRANGE', KEYS[1], 0, -1)
    local kept = {}
    local sorted = true
    local prevf = nil
    count = 0
    for _, e in ipairs(all) do
      local f, n = parse(e)
      if f == nil or f >= cutoff then
        if f == nil or (prevf ~= nil and f < prevf) then sorted = false end
        kept[#kept + 1] = e
        count = count + n
        prevf = f
      end
    end
    if #kept ~= #all then
      redis.call('DEL', KEYS[1])
      for i = 1, #kept, 1000 do redis.call('RPUSH', KEYS[1], unpack(kept, i, math.min(i + 999, #kept))) end
    end
    unordered = not sorted
  else
    while true do
      local head = redis.call('LINDEX', KEYS[1], 0)
      if not head then break end
      local f, n = parse(head)
      if f == nil or f >= cutoff then break end
      redis.call('LPOP', KEYS[1])
      count = count - n
    end
  end
end
local dropped = 0
if cap and count > cap then
  local length = redis.call('LLEN', KEYS[1])
  while count > cap and length - dropped > 1 do
    local _, n = parse(redis.call('LPOP', KEYS[1]))
    count = count - n
    dropped = dropped + 1
  end
end
redis.call('HSET', KEYS[2], 'n', count, 'unordered', unordered and '1' or '0')
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call('PEXPIRE', KEYS[2], ttl)
return dropped
"""

# KEYS: user refs list, email key.  ARGV: new ref entry, its last_seen, session id, lookback,
# max refs, ttl ms, email ("" = keep the cached one).
# Rebuilds the list exactly as the in-memory index does: drop the same session and refs older
# than the lookback (relative to the new ref), insert the new ref after every ref at least as
# recent (a stable sort), keep the newest ``max refs``.
USER_SCRIPT = """
local now = tonumber(ARGV[2])
local lookback = tonumber(ARGV[4])
local cap = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local kept = {}
local placed = false
for _, e in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local sep = string.find(e, '\\31', 1, true)
  local seen = tonumber(string.sub(e, 1, sep - 1))
  local rest = string.sub(e, sep + 1)
  local sep2 = string.find(rest, '\\31', 1, true)
  local sid = string.sub(rest, 1, sep2 - 1)
  if sid ~= ARGV[3] and now - seen <= lookback then
    if not placed and seen < now then
      kept[#kept + 1] = ARGV[1]
      placed = true
    end
    kept[#kept + 1] = e
  end
end
if not placed then kept[#kept + 1] = ARGV[1] end
redis.call('DEL', KEYS[1])
for i = 1, math.min(#kept, cap) do redis.call('RPUSH', KEYS[1], kept[i]) end
redis.call('PEXPIRE', KEYS[1], ttl)
if ARGV[7] ~= '' then
  redis.call('SET', KEYS[2], ARGV[7], 'PX', ttl)
elseif redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return #kept
"""
