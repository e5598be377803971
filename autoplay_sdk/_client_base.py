"""The surface both SSE clients share: configuration, state, builders, lifecycle plumbing.

Each client validates its published arguments in its own published order, then hands the rest
to :class:`ClientBase`, which checks the options both clients have, builds the request headers
and owns the sans-IO :class:`~autoplay_sdk._stream.StreamCore`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from autoplay_sdk._explain import check_stream_url
from autoplay_sdk._stream import Delivery, Frame, RetryPolicy, StreamCore, check_at_least_one
from autoplay_sdk._version import __version__
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload, SummaryPayload
from autoplay_sdk.stream_auth import resolve_connector_bearer_token

_C = TypeVar("_C", bound="ClientBase")
_SCALAR_DEFAULTS = (1.0, 30.0, None)


def retry_policy(
    retry: RetryPolicy | None, initial_backoff_s: float, max_backoff_s: float, max_retries: int | None
) -> RetryPolicy:
    """The policy from ``retry=`` or from the three scalar arguments (never both)."""
    scalars = RetryPolicy.validated(initial_backoff_s, max_backoff_s, max_retries)
    if retry is None:
        return scalars
    if not isinstance(retry, RetryPolicy):
        raise ValueError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
    if (initial_backoff_s, max_backoff_s, max_retries) != _SCALAR_DEFAULTS:
        raise ValueError("retry= replaces initial_backoff_s, max_backoff_s and max_retries; pass one or the other")
    return retry


def check_drain_timeout(drain_timeout_s: float) -> None:
    if drain_timeout_s < 0:
        raise ValueError(f"drain_timeout_s must be >= 0, got {drain_timeout_s!r}")


class ClientBase:
    def __init__(
        self,
        *,
        url: str,
        token: str,
        policy: RetryPolicy,
        on_connect: Callable[[], Any] | None,
        on_disconnect: Callable[[], Any] | None,
        metrics: SdkMetricsHook | None,
        max_frame_bytes: int,
        drain_timeout_s: float,
        http_client: httpx.Client | httpx.AsyncClient | None,
        headers: Mapping[str, str] | None,
        client_type: type[Any],
        logger: logging.Logger,
    ) -> None:
        check_at_least_one("max_frame_bytes", max_frame_bytes)
        check_drain_timeout(drain_timeout_s)
        if http_client is not None and not isinstance(http_client, client_type):
            raise ValueError(f"http_client must be an {client_type.__qualname__}, got {type(http_client).__name__}")
        check_stream_url(url)
        self._url = url
        self._token = resolve_connector_bearer_token(token)
        self._metrics = metrics
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._callbacks: dict[str, Callable[[Any], Any]] = {}
        self._drain_timeout_s = drain_timeout_s
        self._http_client = http_client
        self._running = False
        # run_in_background() -> stop() can happen before the new thread/task enters run():
        # such a stop must still count (a bare stop() before a direct run() does not).
        self._starting = False
        self._stop_before_start = False
        self._core = StreamCore(
            url=url,
            policy=policy,
            logger=logger,
            headers=_base_headers(headers, self._token, http_client),
            max_frame_bytes=max_frame_bytes,
            metrics=metrics,
        )

    def on_actions(self: _C, fn: Callable[[ActionsPayload], object]) -> _C:
        """Set the callback for ``actions`` payloads (replaces any earlier one); returns ``self``."""
        self._callbacks["actions"] = fn
        return self

    def on_summary(self: _C, fn: Callable[[SummaryPayload], object]) -> _C:
        """Set the callback for ``summary`` payloads (replaces any earlier one); returns ``self``."""
        self._callbacks["summary"] = fn
        return self

    def on_drop(self: _C, fn: Callable[[dict[str, Any], int], object]) -> _C:
        """Set the callback told ``(payload_dict, total_dropped)`` for each dropped event."""
        self._core.on_drop = fn
        return self

    @property
    def dropped_count(self) -> int:
        """Accepted events that were not delivered: backlog full, or left at the drain timeout."""
        return self._core.dropped

    @property
    def _dropped(self) -> int:
        return self._core.dropped

    def _request_options(self) -> dict[str, Any]:
        """Keyword arguments of ``connect_sse``/``aconnect_sse`` for the next attempt.

        Only ``headers`` as in 0.7.5 (so patched ``connect_sse`` doubles keep working); the SDK's
        own clients follow redirects by construction, an injected one is asked per request.
        """
        options: dict[str, Any] = {"headers": self._core.request_headers()}
        if self._http_client is not None:
            options["follow_redirects"] = True
        return options

    def _mark_starting(self) -> None:
        self._starting = True
        self._stop_before_start = False

    def _note_stop(self) -> None:
        self._running = False
        if self._starting:
            self._stop_before_start = True

    def _begin_run(self) -> bool:
        """Enter ``run()``; ``False`` when a background start was already told to stop."""
        starting, self._starting = self._starting, False
        if starting and self._stop_before_start:
            return False
        self._running = True
        return True

    def _take(self, sse: Any) -> Delivery | None:
        """One event from an event source that parses frames itself (``iter_sse()``)."""
        return self._core.take(Frame(sse.event, sse.data, getattr(sse, "id", "") or "", getattr(sse, "retry", None)))

    def _call_lifecycle(self, name: str, cb: Callable[[], Any] | None) -> Any:
        """Call an ``on_connect``/``on_disconnect`` hook; log and contain its errors."""
        if cb is None:
            return None
        try:
            return cb()
        except Exception as exc:
            self._core.lifecycle_failed(name, exc)
            return None


def real_response(source: Any) -> httpx.Response | None:
    """The ``httpx.Response`` behind an event source, or ``None`` for a parsed-frames-only one."""
    response = getattr(source, "response", None)
    return response if isinstance(response, httpx.Response) else None


def _base_headers(
    extra: Mapping[str, str] | None, token: str, http_client: httpx.Client | httpx.AsyncClient | None
) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in (extra or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValueError(f"headers must map str to str, got {name!r}: {type(value).__name__}")
        headers[name] = value
    lower = {name.lower() for name in headers}
    client_ua = http_client.headers.get("user-agent", "") if http_client is not None else ""
    if "user-agent" not in lower and (not client_ua or client_ua.startswith("python-httpx/")):
        headers["User-Agent"] = user_agent()
    owned = ("authorization", "last-event-id") if token else ("last-event-id",)
    for name in [n for n in headers if n.lower() in owned]:
        del headers[name]  # the SDK sends these itself
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def user_agent() -> str:
    """``autoplay-sdk/<version> python-httpx/<version>``."""
    return f"autoplay-sdk/{__version__} python-httpx/{httpx.__version__}"
