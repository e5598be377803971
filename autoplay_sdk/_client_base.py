"""The surface both SSE clients share: state, builders and lifecycle-callback plumbing.

Each client validates its own arguments (the published validation order differs between the
two) and then hands the common ones to :class:`ClientBase`, which owns the sans-IO
:class:`~autoplay_sdk._stream.StreamCore`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from autoplay_sdk._stream import RetryPolicy, StreamCore, check_at_least_one
from autoplay_sdk.stream_auth import resolve_connector_bearer_token

_C = TypeVar("_C", bound="ClientBase")


class ClientBase:
    def __init__(
        self,
        *,
        url: str,
        token: str,
        policy: RetryPolicy,
        on_connect: Callable[[], Any] | None,
        on_disconnect: Callable[[], Any] | None,
        metrics: Any,
        max_frame_bytes: int,
        logger: logging.Logger,
    ) -> None:
        check_at_least_one("max_frame_bytes", max_frame_bytes)
        self._url = url
        self._token = resolve_connector_bearer_token(token)
        self._metrics = metrics
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._callbacks: dict[str, Callable[[Any], Any]] = {}
        self._running = False
        # run_in_background() -> stop() can happen before the new thread/task enters run():
        # such a stop must still count (a bare stop() before a direct run() does not).
        self._starting = False
        self._stop_before_start = False
        self._core = StreamCore(
            url=url,
            token=self._token,
            policy=policy,
            logger=logger,
            max_frame_bytes=max_frame_bytes,
            metrics=metrics,
        )

    def on_actions(self: _C, fn: Callable[[Any], Any]) -> _C:
        """Set the callback for ``actions`` payloads (replaces any earlier one); returns ``self``."""
        self._callbacks["actions"] = fn
        return self

    def on_summary(self: _C, fn: Callable[[Any], Any]) -> _C:
        """Set the callback for ``summary`` payloads (replaces any earlier one); returns ``self``."""
        self._callbacks["summary"] = fn
        return self

    def on_drop(self: _C, fn: Callable[[dict[str, Any], int], Any]) -> _C:
        """Set the callback told ``(payload_dict, total_dropped)`` for each dropped event."""
        self._core.on_drop = fn
        return self

    @property
    def dropped_count(self) -> int:
        """Events dropped because the backlog was full (parse failures are not counted)."""
        return self._core.dropped

    @property
    def _dropped(self) -> int:
        return self._core.dropped

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

    def _call_lifecycle(self, name: str, cb: Callable[[], Any] | None) -> Any:
        """Call an ``on_connect``/``on_disconnect`` hook; log and contain its errors."""
        if cb is None:
            return None
        try:
            return cb()
        except Exception as exc:
            self._core.lifecycle_failed(name, exc)
            return None
