"""Push mode: :class:`WebhookReceiver` checks and parses the connector's signed POSTs.

The connector POSTs each payload (the same JSON object the stream sends) with
``Content-Type: application/json`` and ``X-Connector-Signature: sha256=<hex>``, the lower-case
hex HMAC-SHA256 of the raw body keyed with the shared secret.  The receiver produces no HTTP
responses itself: :meth:`WebhookReceiver.handle` raises ``ValueError`` for a bad signature (map
it to 401) and returns normally otherwise (answer ``{"status": "ok"}``).  A ready FastAPI
endpoint is in :mod:`autoplay_sdk.api.webhook`.

Decisions where the published contract is silent:

* Signatures are compared as bytes with :func:`hmac.compare_digest`, so a header with
  non-ASCII characters is simply invalid (``False``), never an exception.
* A body that cannot be decoded is a malformed payload, whatever the reason: invalid UTF-8
  (lone surrogates included), text that is not JSON, JSON that is not an object (``[1]``,
  ``null``), nesting too deep for the decoder (``RecursionError``), numbers too long to convert,
  fields the models reject.  It is logged at WARNING with its size and the error type (never its
  content), counted in :attr:`WebhookReceiver.malformed_count`, and gives ``None``; ``handle``
  and ``handle_sync`` then return ``None`` and the host answers 200, because sending the same
  bytes again can never succeed.  Only ``MemoryError`` propagates: running out of memory is the
  process's problem, not the body's.
* Typed payloads are built by the same ``type`` → model table the stream clients use.
* ``dedupe_window`` (keyword-only, default ``0`` = off): the connector retries deliveries that
  failed or timed out, so the same body can arrive twice.  With ``dedupe_window=N`` the
  receiver remembers the SHA-256 digests of the last ``N`` accepted bodies; a repeat is logged
  at DEBUG, runs no callback and ``handle`` returns ``None``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from autoplay_sdk._json import confirm_utf8, loads_utf8_first
from autoplay_sdk._logging import get_logger
from autoplay_sdk._stream import NO_SESSION, parse_payload
from autoplay_sdk.core._wire import connector_payload
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SummaryPayload

logger = get_logger(__name__)

ActionCallback = Callable[[ActionsPayload], Any]
SummaryCallback = Callable[[SummaryPayload], Any]

SIGNATURE_HEADER = "X-Connector-Signature"
_PREFIX = "sha256="
_PREFIX_LEN = len(_PREFIX)


def _raw(body: bytes | bytearray | memoryview | str) -> bytes:
    """The bytes a signature covers: ``body`` itself, or a ``str`` body encoded as UTF-8."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    return bytes(body)


def _size(body: object) -> int | None:
    try:
        return len(body)  # type: ignore[arg-type]
    except TypeError:
        return None


def _signature_hex(secret: str, body: bytes) -> str:
    """Lower-case hex HMAC-SHA256 of ``body`` keyed with ``secret`` (UTF-8)."""
    return hmac.digest(secret.encode(), body, "sha256").hex()


_BLOCK = 64  # SHA-256's block size, in bytes
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


class _KeyedHmac:
    """HMAC-SHA256 under one secret, the key's two blocks hashed once (RFC 2104).

    Each signature then copies the two keyed hash states instead of keying a new HMAC, which
    measured about twice as fast for a body of a couple of KiB; the result is
    :func:`_signature_hex`'s.
    """

    __slots__ = ("_inner", "_outer", "secret")

    def __init__(self, secret: str) -> None:
        key = secret.encode()
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        self.secret = secret
        self._inner = hashlib.sha256(key.translate(_IPAD))
        self._outer = hashlib.sha256(key.translate(_OPAD))

    def hexdigest(self, body: bytes) -> str:
        inner = self._inner.copy()
        inner.update(body)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


class WebhookReceiver:
    """Verify, parse and dispatch the connector's push-mode POST bodies.

    ``secret`` empty means every request is accepted (no signature check).  Callbacks may be
    plain functions or ``async`` functions (the latter only with :meth:`handle`); their
    exceptions are logged at ERROR and never propagate.  Thread-safe.
    """

    def __init__(
        self,
        secret: str = "",
        on_actions: ActionCallback | None = None,
        on_summary: SummaryCallback | None = None,
        *,
        dedupe_window: int = 0,
    ) -> None:
        if dedupe_window < 0:
            raise ValueError(f"dedupe_window must be >= 0 (0 = off), got {dedupe_window!r}")
        self._secret = secret
        self._hmac = _KeyedHmac(secret)
        self._on_actions = on_actions
        self._on_summary = on_summary
        self._dedupe_window = dedupe_window
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._seen_lock = threading.Lock()
        self._malformed = 0

    @property
    def malformed_count(self) -> int:
        """How many bodies :meth:`parse` (and so ``handle``) rejected as malformed so far."""
        return self._malformed

    def on_actions(self, fn: ActionCallback) -> WebhookReceiver:
        """Replace the actions callback; returns ``self``."""
        self._on_actions = fn
        return self

    def on_summary(self, fn: SummaryCallback) -> WebhookReceiver:
        """Replace the summary callback; returns ``self``."""
        self._on_summary = fn
        return self

    def verify(self, body: bytes, signature_header: str | None) -> bool:
        """True if ``signature_header`` is ``sha256=<hex HMAC of body>`` (or no secret is set).

        The hex must be lower case.  Never raises for a malformed header.
        """
        secret = self._secret
        if not secret:
            return True
        if not signature_header or not signature_header.startswith(_PREFIX):
            return False
        keyed = self._hmac
        if keyed.secret is not secret:  # ``_secret`` was replaced since: key the new one
            keyed = self._hmac = _KeyedHmac(secret)
        expected = keyed.hexdigest(body if type(body) is bytes else _raw(body))
        given = signature_header[_PREFIX_LEN:]
        # compare_digest takes ASCII text only; a header that is not ASCII cannot match anyway.
        return hmac.compare_digest(expected, given) if given.isascii() else False

    def parse(self, body: bytes) -> AnyPayload | None:
        """The typed payload of ``body``, or ``None`` (logged, counted) if it is not one.

        Never raises for any body (``MemoryError`` aside).  Checks no signature and runs no
        callback.
        """
        try:
            if type(body) is bytes or isinstance(body, bytearray):
                data = loads_utf8_first(body)
                typed = connector_payload(data)
                if typed is not None:  # the connector's exact shape: read as json.loads reads it
                    return typed
                data = confirm_utf8(body, data)
            else:
                data = json.loads(body)
            if type(data) is not dict:
                raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        except MemoryError:
            raise
        except Exception as exc:  # any decode failure (RecursionError included) is a malformed body
            self._count_malformed()
            logger.warning(
                "WebhookReceiver could not parse JSON body",
                exc_info=True,
                extra={"body_bytes": _size(body), "error_type": type(exc).__name__},
            )
            return None
        try:
            payload = parse_payload(data)
        except MemoryError:
            raise
        except Exception as exc:
            event_type = data.get("type")
            self._count_malformed()
            logger.warning(
                "WebhookReceiver failed to deserialize event_type=%s — skipping: %s",
                event_type,
                exc,
                exc_info=True,
                extra={"event_type": event_type, "body_bytes": _size(body), "error_type": type(exc).__name__},
            )
            return None
        if payload is None:
            event_type = data.get("type")
            logger.debug("WebhookReceiver unknown event type: %s", event_type, extra={"event_type": event_type})
        return payload

    def _count_malformed(self) -> None:
        with self._seen_lock:
            self._malformed += 1

    # -- the shared steps of handle() and handle_sync() -------------------------------------

    def _accept(self, body: bytes, signature_header: str | None) -> AnyPayload | None:
        if not self.verify(body, signature_header):
            logger.warning("WebhookReceiver rejected request — invalid signature")
            raise ValueError("Invalid X-Connector-Signature")
        payload = self.parse(body)
        if payload is None or (self._dedupe_window and not self._first_delivery(body)):
            return None
        return payload

    def _first_delivery(self, body: bytes) -> bool:
        digest = hashlib.sha256(body).digest()
        with self._seen_lock:
            if digest in self._seen:
                self._seen.move_to_end(digest)
                duplicate = True
            else:
                self._seen[digest] = None
                if len(self._seen) > self._dedupe_window:
                    self._seen.popitem(last=False)
                duplicate = False
        if duplicate:
            logger.debug("WebhookReceiver duplicate delivery skipped")
        return not duplicate

    def _call(self, payload: AnyPayload) -> tuple[Callable[[Any], Any], Coroutine[Any, Any, Any]] | None:
        """Run the payload's callback; return ``(callback, coroutine)`` if it returned a coroutine."""
        cb: Callable[[Any], Any] | None = (
            self._on_actions
            if type(payload) is ActionsPayload or isinstance(payload, ActionsPayload)
            else self._on_summary
        )
        if cb is None:
            return None
        try:
            result = cb(payload)
        except Exception as exc:
            self._callback_failed(payload, exc)
            return None
        return None if result is None or not asyncio.iscoroutine(result) else (cb, result)

    def _callback_failed(self, payload: AnyPayload, exc: BaseException) -> None:
        event_type = "actions" if isinstance(payload, ActionsPayload) else "summary"
        session = payload.session_id or NO_SESSION
        logger.error(
            "WebhookReceiver callback raised for event_type=%s session=%s: %s",
            event_type,
            session,
            exc,
            exc_info=exc,
            extra={"event_type": event_type, "session_id": session, "product_id": payload.product_id},
        )

    # -- entry points ---------------------------------------------------------------------

    async def handle(self, body: bytes, signature_header: str | None = None) -> AnyPayload | None:
        """Verify, parse and dispatch one POST body; return the payload (``None`` if there was none).

        Raises ``ValueError("Invalid X-Connector-Signature")`` when the signature does not
        match, and nothing else: a malformed body is logged, counted and gives ``None``.  A
        coroutine returned by the callback is awaited.  Callback exceptions are logged and
        swallowed.
        """
        payload = self._accept(body, signature_header)
        if payload is None:
            return None
        pending = self._call(payload)
        if pending is not None:
            try:
                await pending[1]
            except Exception as exc:
                self._callback_failed(payload, exc)
        return payload

    def handle_sync(self, body: bytes, signature_header: str | None = None) -> AnyPayload | None:
        """Like :meth:`handle`, for synchronous hosts (Flask, Django); raises only for a bad signature.

        An ``async`` callback is not supported: its coroutine is closed unrun and the error is
        logged at ERROR like any callback failure (not raised); the payload is still returned.
        """
        payload = self._accept(body, signature_header)
        if payload is None:
            return None
        pending = self._call(payload)
        if pending is not None:
            cb, coro = pending
            coro.close()
            error = TypeError(
                f"handle_sync does not support async callbacks; use handle() instead. Got coroutine from {cb!r}"
            )
            self._callback_failed(payload, error)
        return payload

    def __repr__(self) -> str:
        return (
            f"WebhookReceiver(secret={'set' if self._secret else 'unset'}, "
            f"on_actions={self._on_actions is not None}, on_summary={self._on_summary is not None})"
        )
