"""The metrics plug point: :class:`SdkMetricsHook` and the safe-call rule.

Components accept any object as ``metrics`` (partial implementations included) and call it only
through :func:`_safe_call`, which skips missing methods and swallows the hook's own errors: a
broken metrics backend never breaks event delivery.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from autoplay_sdk._metrics import safe_call as _safe_call  # noqa: F401  (the published name)


@runtime_checkable
class SdkMetricsHook(Protocol):
    """What the SDK reports.  Every method is optional in practice (see :func:`_safe_call`)."""

    def record_event_dropped(
        self, *, reason: str, event_type: str, session_id: str | None, product_id: str | None
    ) -> None: ...

    def record_summarizer_latency(self, *, session_id: str, elapsed_ms: float, action_count: int) -> None: ...

    def record_redis_operation(self, *, operation: str, elapsed_ms: float, success: bool) -> None: ...

    def record_queue_depth(self, *, depth: int) -> None: ...

    def record_semaphore_timeout(self, *, session_id: str | None, product_id: str | None) -> None: ...
