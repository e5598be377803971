"""Push delivery, as the connector does it: signed POSTs with retries, on a background thread.

:class:`PushSender` lets you test a push-mode receiver offline.  Each payload is POSTed to
``url`` as compact JSON with ``Content-Type: application/json`` and, when a secret is given,
``X-Connector-Signature: sha256=<lower-case hex HMAC-SHA256 of the body>``.

Outcome of one delivery:

* **2xx** — delivered (``delivered`` counter).
* **4xx** — rejected, not retried (``rejected``): the receiver refused it (bad signature, too
  large, ...), and sending it again would not change that.
* **5xx, timeout or connection error** — retried after ``initial_backoff_s``, doubling up to
  ``max_backoff_s`` (2 s, 4 s, 8 s, ... by default), for at most ``max_attempts`` attempts in
  all; then dropped: counted (``dropped``), logged at WARNING with the reason
  (``extra["drop_reason"] == "push_failed"``) and its size, and reported to ``on_drop(report)``
  (a :class:`~autoplay_sdk.client.DropReport`, when given) through the SDK's one drop path.

Payloads go out one at a time, in order; a payload being retried holds back the next ones.  The
retried body is byte-for-byte the first one, so a receiver can recognise repeats.  ``stop()``
interrupts a backoff wait at once; payloads not yet delivered then stay counted in ``pending``.
Logs (``autoplay_sdk.testing``) carry the redacted URL, statuses and counts, never bodies or
the secret.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from autoplay_sdk._drops import TOTAL, DropPath, DropReport
from autoplay_sdk._logging import get_logger
from autoplay_sdk._stream import _describe, redact_url
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.webhook_receiver import SIGNATURE_HEADER, _signature_hex

logger = get_logger("autoplay_sdk.testing")

_STOP_JOIN_S = 5.0


@dataclass(frozen=True)
class PushRetry:
    """When to retry a delivery and how long to wait first (immutable)."""

    initial_backoff_s: float = 2.0
    max_backoff_s: float = 30.0
    max_attempts: int = 5

    def retryable(self, status: int | None) -> bool:
        """``None`` stands for a timeout or a connection error."""
        return status is None or status >= 500

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.initial_backoff_s * 2 ** (attempt - 1), self.max_backoff_s))


@dataclass(frozen=True)
class PushStats:
    """Counters of a :class:`PushSender` (a snapshot)."""

    delivered: int
    rejected: int
    dropped: int
    attempts: int
    pending: int


class PushSender:
    """POST payloads to a push-mode endpoint like the connector does (see the module docstring).

    ``send``/``send_many`` only queue; delivery starts with :meth:`start` (or ``with``) and
    runs on a daemon thread.  Thread-safe.  Raises :class:`~autoplay_sdk.SdkConfigError` for
    a URL that is not http(s) or out-of-range numbers.
    """

    def __init__(
        self,
        url: str,
        secret: str = "",
        *,
        timeout_s: float = 10.0,
        initial_backoff_s: float = 2.0,
        max_backoff_s: float = 30.0,
        max_attempts: int = 5,
        on_drop: Callable[[DropReport], object] | None = None,
    ) -> None:
        if not isinstance(url, str) or url.partition("://")[0].lower() not in ("http", "https"):
            raise SdkConfigError(f"push_url must be an http(s) URL, got {redact_url(str(url))!r}")
        if timeout_s <= 0:
            raise SdkConfigError(f"timeout_s must be > 0, got {timeout_s!r}")
        if initial_backoff_s < 0 or max_backoff_s < initial_backoff_s:
            raise SdkConfigError(
                f"need 0 <= initial_backoff_s <= max_backoff_s, got {initial_backoff_s!r} and {max_backoff_s!r}"
            )
        if max_attempts < 1:
            raise SdkConfigError(f"max_attempts must be >= 1, got {max_attempts!r}")
        self._url = url
        self._safe_url = redact_url(url)
        self._secret = secret
        self._timeout_s = timeout_s
        self.retry = PushRetry(initial_backoff_s, max_backoff_s, max_attempts)
        self._cond = threading.Condition()
        self._queue: deque[bytes] = deque()
        self._busy = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._counts = {"delivered": 0, "rejected": 0, "attempts": 0}
        self._drops = DropPath(logger)
        self._drops.on_report = on_drop

    @property
    def url(self) -> str:
        return self._url

    # -- queueing ---------------------------------------------------------------------------

    def send(self, payload: Mapping[str, Any] | str | bytes) -> None:
        """Queue one payload: a mapping (sent as compact JSON), or a ``str``/``bytes`` body sent as-is."""
        if isinstance(payload, (bytes, bytearray)):
            body = bytes(payload)
        elif isinstance(payload, str):
            body = payload.encode()
        else:
            body = json.dumps(dict(payload), separators=(",", ":"), ensure_ascii=False).encode()
        with self._cond:
            self._queue.append(body)
            self._cond.notify_all()

    def send_many(self, payloads: Iterable[Mapping[str, Any] | str | bytes]) -> None:
        """Queue each payload in order."""
        for payload in payloads:
            self.send(payload)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> PushSender:
        """Start delivering on a daemon thread (no-op while running); returns ``self``."""
        with self._cond:
            if self._thread is not None:
                return self
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="autoplay-push", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop delivering; an ongoing request ends within ``timeout_s``, a backoff wait at once."""
        with self._cond:
            thread, self._thread = self._thread, None
            self._stopping.set()
            self._cond.notify_all()
        if thread is not None:
            thread.join(self._timeout_s + _STOP_JOIN_S)

    def flush(self, timeout: float = 10.0) -> bool:
        """Block until every queued payload has been delivered, rejected or dropped; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def __enter__(self) -> PushSender:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def stats(self) -> PushStats:
        with self._cond:
            return PushStats(**self._counts, dropped=self._drops.count, pending=len(self._queue))

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"PushSender(url={self._safe_url!r}, signed={bool(self._secret)}, delivered={s.delivered}, "
            f"rejected={s.rejected}, dropped={s.dropped}, pending={s.pending})"
        )

    # -- delivery ---------------------------------------------------------------------------

    def _headers(self, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._secret:
            headers[SIGNATURE_HEADER] = "sha256=" + _signature_hex(self._secret, body)
        return headers

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout_s) as client:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._queue or self._stopping.is_set())
                    if self._stopping.is_set():
                        return
                    body = self._queue[0]
                    self._busy = True
                try:
                    outcome = self._deliver(client, body)
                finally:
                    if outcome == "dropped":  # reported before flush() can see the queue empty
                        self._dropped(body)
                    with self._cond:
                        self._busy = False
                        if outcome is not None:
                            self._queue.popleft()
                            if outcome != "dropped":
                                self._counts[outcome] += 1
                        self._cond.notify_all()

    def _deliver(self, client: httpx.Client, body: bytes) -> str | None:
        """Deliver one body; return the counter it lands in, or ``None`` if stopped first."""
        headers = self._headers(body)
        for attempt in range(1, self.retry.max_attempts + 1):
            if self._stopping.is_set():
                return None
            status: int | None = None
            try:
                with self._cond:
                    self._counts["attempts"] += 1
                status = client.post(self._url, content=body, headers=headers).status_code
                why = f"HTTP {status}"
            except Exception as exc:  # transport errors and timeouts, but never let the thread die
                why = _describe(exc)
            if status is not None and 200 <= status < 300:
                logger.debug("push delivered (%d bytes, HTTP %d)", len(body), status)
                return "delivered"
            if not self.retry.retryable(status):
                logger.warning("push to %s rejected with HTTP %d — not retried", self._safe_url, status)
                return "rejected"
            if attempt == self.retry.max_attempts:
                break
            delay = self.retry.delay(attempt)
            logger.warning(
                "push to %s failed (%s) — retrying in %.1fs (attempt %d)", self._safe_url, why, delay, attempt
            )
            if self._stopping.wait(delay):
                return None
        return "dropped"

    def _dropped(self, body: bytes) -> None:
        try:
            data = json.loads(body)
        except Exception:  # any body may be queued, nested too deep for the parser included
            data = None
        fields = data if isinstance(data, dict) else {}
        kind, sid, pid = (fields.get(k) for k in ("type", "session_id", "product_id"))
        self._drops.drop(
            "push_failed",
            event_type=kind if isinstance(kind, str) else "",
            session_id=sid if isinstance(sid, str) else None,
            product_id=pid if isinstance(pid, str) else None,
            subject=body,
            log=(
                logging.WARNING,
                "push to %s failed %d times — payload dropped (%d bytes, total dropped %d)",
                (self._safe_url, self.retry.max_attempts, len(body), TOTAL),
            ),
            extra={"size": len(body)},
        )
