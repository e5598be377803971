"""The state and decisions of the session summarizers, free of locks, threads and awaits.

:class:`SummaryCore` holds each session's pending payloads and action counts (LRU-ordered) and
decides when a session is due, what a failure restores and what the bounds evict.
:meth:`SummaryCore.summarise` is a generator in the style of ``httpx.Auth.auth_flow``: it yields
the effects a summary needs (:class:`CallLLM`, :class:`Restore`, :class:`Deliver`) and the
sync and async drivers only perform them — calling or awaiting the LLM, taking their lock around
``restore`` and invoking ``on_summary`` their way.  Every rule is therefore written once.

Callers hold their lock around every method except :meth:`summarise` (which touches no state
itself: state changes come back as :class:`Restore` effects).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.context._admit import describe, payload_problem, record_drops
from autoplay_sdk.context._render import format_actions as format_actions_default
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.core.models import ActionsPayload

logger = get_logger("autoplay_sdk.context.summarizer")

DEFAULT_MAX_PENDING_ACTIONS = 10_000


@dataclass(frozen=True, slots=True)
class CallLLM:
    """Effect: call (or await) the LLM with ``prompt``; send back its result or throw its error."""

    prompt: str


@dataclass(frozen=True, slots=True)
class Restore:
    """Effect: under the driver's lock, put ``snapshot`` back in front of the session's history."""

    session_id: str
    snapshot: list[ActionsPayload]


@dataclass(frozen=True, slots=True)
class Deliver:
    """Effect: hand ``summary`` to ``on_summary`` (after reporting the latency)."""

    session_id: str
    summary: str
    elapsed_ms: float
    action_count: int


Effect = CallLLM | Restore | Deliver

# (reason, session id, payload) of a payload dropped by a bound.
Drop = tuple[str, str, ActionsPayload]


def action_count(payloads: list[ActionsPayload]) -> int:
    return sum(len(p.actions) for p in payloads)


def refused(payload: object) -> bool:
    """Log and return ``True`` when a summarizer cannot hold ``payload`` (see ``_admit``)."""
    problem = payload_problem(payload)
    if problem is None:
        return False
    logger.warning(
        "summarizer: refused a payload for session=%s (%s); the session is unchanged", describe(payload), problem
    )
    return True


def report_drops(metrics: Any, drops: list[Drop]) -> None:
    """Count each dropped payload on the metrics hook and log the totals at DEBUG (no ids, no text)."""
    if not drops:
        return
    for reason, sid, payload in drops:
        record_drops(metrics, 1, reason=reason, event_type="actions", session_id=sid, product_id=payload.product_id)
    by_reason: dict[str, int] = {}
    for reason, _, _ in drops:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    for reason, n in by_reason.items():
        logger.debug("summarizer: %s bound reached; dropped %d pending payloads", reason, n)


class SummaryCore:
    """Pending history, counts, threshold, bounds and the summarise flow of one summarizer."""

    def __init__(
        self,
        *,
        threshold: int,
        prompt: str | None,
        default_prompt: str,
        format_actions: Callable[[list[ActionsPayload]], str] | None,
        max_sessions: int | None,
        max_pending_actions: int | None,
        llm_timeout_s: float | None,
    ) -> None:
        if threshold < 1:
            raise SdkConfigError(f"threshold must be >= 1, got {threshold!r}")
        if max_sessions is not None and max_sessions < 1:
            raise SdkConfigError(f"max_sessions must be >= 1, got {max_sessions!r}")
        if max_pending_actions is not None and max_pending_actions < threshold:
            raise SdkConfigError(f"max_pending_actions must be >= threshold ({threshold}), got {max_pending_actions!r}")
        if llm_timeout_s is not None and not llm_timeout_s > 0:
            raise SdkConfigError(f"llm_timeout_s must be > 0, got {llm_timeout_s!r}")
        self.threshold = threshold
        self.template = prompt or default_prompt
        self.format_actions: Callable[[list[ActionsPayload]], str] = format_actions or format_actions_default
        self.max_sessions = max_sessions
        self.max_pending_actions = max_pending_actions
        self.llm_timeout_s = llm_timeout_s
        self.history: OrderedDict[str, list[ActionsPayload]] = OrderedDict()
        self.counts: dict[str, int] = {}

    # -- state (caller holds its lock) -------------------------------------------------------

    def push(self, sid: str, payload: ActionsPayload) -> tuple[list[ActionsPayload] | None, list[Drop]]:
        """Append ``payload``; returns the snapshot to summarise (history cleared) when due, and drops."""
        drops: list[Drop] = []
        history = self._touch(sid, drops)
        history.append(payload)
        count = self.counts[sid] = self.counts[sid] + len(payload.actions)
        if count < self.threshold:
            return None, drops
        del self.history[sid], self.counts[sid]
        return history, drops

    def restore(self, sid: str, snapshot: list[ActionsPayload]) -> list[Drop]:
        """Put a failed snapshot back in front of newer history; the session becomes the most recent."""
        drops: list[Drop] = []
        history = self._touch(sid, drops)
        history[:0] = snapshot
        self.counts[sid] += action_count(snapshot)
        cap = self.max_pending_actions
        if cap is not None and self.counts[sid] > cap:
            excess = self.counts[sid] - cap
            k = 0
            while excess > 0 and k < len(history) - 1:
                excess -= len(history[k].actions)
                drops.append(("max_pending_actions", sid, history[k]))
                k += 1
            self.counts[sid] -= action_count(history[:k])
            del history[:k]
        return drops

    def pending(self, sid: str) -> list[ActionsPayload]:
        """A copy of the session's pending payloads (``[]`` for unknown ids)."""
        return list(self.history.get(sid, ()))

    def reset(self, sid: str) -> None:
        """Forget the session's pending payloads (unknown ids: no-op)."""
        self.history.pop(sid, None)
        self.counts.pop(sid, None)

    def active_sessions(self) -> list[str]:
        """Sessions with pending actions, least recently touched first."""
        return [sid for sid in self.history if self.counts.get(sid, 0) > 0]

    def _touch(self, sid: str, drops: list[Drop]) -> list[ActionsPayload]:
        history = self.history.get(sid)
        if history is not None:
            self.history.move_to_end(sid)
            return history
        history = self.history[sid] = []
        self.counts[sid] = 0
        cap = self.max_sessions
        while cap is not None and len(self.history) > cap:
            victim, dropped = next(iter(self.history.items()))
            del self.history[victim]
            self.counts.pop(victim, None)
            drops.extend(("max_sessions", victim, p) for p in dropped)
        return history

    # -- the summarise flow (no state touched directly) ---------------------------------------

    def summarise(self, sid: str, snapshot: list[ActionsPayload]) -> Generator[Effect, Any, None]:
        """Build the prompt, call the LLM, check its answer; restore on any failure, else deliver.

        A failure to build the prompt (``format_actions`` or ``str.format`` raising anything), an
        LLM error or timeout, or an answer that is not a non-blank ``str`` is logged at ERROR and
        the snapshot is restored, so the session's next payload retries with everything.
        """
        try:
            prompt = self.template.format(actions=self.format_actions(snapshot))
        except Exception:
            logger.exception(
                "summarizer: could not build the prompt for session=%s; "
                "its actions stay pending (check the prompt template and format_actions)",
                sid,
            )
            yield Restore(sid, snapshot)
            return
        started = time.perf_counter()
        try:
            summary = yield CallLLM(prompt)
        except Exception:
            logger.exception("summarizer: LLM call failed for session=%s; its actions stay pending", sid)
            yield Restore(sid, snapshot)
            return
        if not isinstance(summary, str) or not summary.strip():
            logger.error(
                "summarizer: LLM returned no usable summary (got %s) for session=%s; its actions stay pending",
                "an empty string" if isinstance(summary, str) else type(summary).__name__,
                sid,
            )
            yield Restore(sid, snapshot)
            return
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        logger.debug("summarizer: summarised %d payloads for session=%s in %.1f ms", len(snapshot), sid, elapsed_ms)
        yield Deliver(sid, summary, elapsed_ms, action_count(snapshot))
