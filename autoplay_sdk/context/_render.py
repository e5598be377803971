"""Pure text rendering of session context, shared by the stores and the summarizers.

Nothing here holds state, locks or caches: any store (in memory, Redis, ...) that keeps a
session's payloads in arrival order renders byte-identical text with these functions.

- :func:`format_actions` is the default action formatter (``"{n}. {SlimAction.to_text()}"``
  lines numbered from 1 across payloads, joined by ``"\\n"``; ``""`` without actions).
- :func:`select_window` picks the payloads a read shows (lookback by ``forwarded_at``, then the
  newest ``max_actions`` individual actions).
- :func:`activity_block`, :func:`compose_context` and :func:`enrich_query` build the
  ``"Recent activity:"`` block, the ``get()`` text and the ``enrich()`` text.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import chain, islice
from operator import attrgetter
from typing import Any

from autoplay_sdk.core.models import ActionsPayload, SlimAction

ACTIVITY_HEADER = "Recent activity:"
FORWARDED_AT = attrgetter("forwarded_at")
ACTIONS = attrgetter("actions")


def numbered_lines(actions: Iterable[Any], first: int) -> list[str]:
    """``"{n}. {action.to_text()}"`` for each action, ``n`` counting from ``first``."""
    # A plain SlimAction is rendered inline (its to_text() format without the call: the read hot
    # path); any other object goes through its own to_text().
    return [
        f"{n}. [{a.index}] {a.type}: {a.description} \u2014 {a.canonical_url}"
        if type(a) is SlimAction
        else f"{n}. {a.to_text()}"
        for n, a in enumerate(actions, first)
    ]


def format_actions(payloads: Sequence[ActionsPayload]) -> str:
    """Number every action of every payload from 1; ``""`` when there are none."""
    return "\n".join(numbered_lines((a for p in payloads for a in p.actions), 1))


def cap_start(payloads: Sequence[ActionsPayload], lo: int, cap: int) -> tuple[int, int]:
    """(first payload, actions to skip in it) that keep the newest ``cap`` actions of ``payloads[lo:]``."""
    remaining = cap
    i = len(payloads)
    while i > lo:
        i -= 1
        k = len(payloads[i].actions)
        if k >= remaining:
            return i, k - remaining
        remaining -= k
    return lo, 0


def select_window(
    payloads: Sequence[ActionsPayload], cutoff: float | None, cap: int | None, *, ordered: bool = True
) -> tuple[Sequence[ActionsPayload], int]:
    """The payloads a read shows and how many leading actions of the first one to skip.

    ``cutoff`` keeps payloads with ``forwarded_at >= cutoff`` (``None``: all); ``cap`` then
    keeps the newest ``cap`` individual actions (``None``: all; ``<= 0``: none).  ``ordered``
    says ``forwarded_at`` never decreases along ``payloads``, which allows a binary search.
    """
    if cap is not None and cap <= 0:
        return (), 0
    if cutoff is not None:
        if ordered:
            payloads = payloads[bisect_left(payloads, cutoff, key=FORWARDED_AT) :]
        else:
            payloads = [p for p in payloads if p.forwarded_at >= cutoff]
    if cap is None:
        return payloads, 0
    start, skip = cap_start(payloads, 0, cap)
    return payloads[start:], skip


def window_lines(payloads: Iterable[ActionsPayload], skip: int = 0, first: int = 1) -> list[str]:
    """The numbered lines of a window's actions, leaving out the first ``skip`` actions."""
    actions: Iterable[Any] = chain.from_iterable(map(ACTIONS, payloads))
    if skip:
        actions = islice(actions, skip, None)
    return numbered_lines(actions, first)


def join_activity(lines: Sequence[str], prefix: str = "") -> str:
    """``lines`` under the ``"Recent activity:"`` header, or appended to ``prefix`` (a block of earlier lines)."""
    if not lines:
        return prefix
    return "\n".join([prefix or ACTIVITY_HEADER, *lines])


def activity_block(payloads: Iterable[ActionsPayload], skip: int = 0, first: int = 1, prefix: str = "") -> str:
    """``"Recent activity:\\n<numbered lines>"`` of a window, ``""`` when it has no actions.

    ``prefix`` is an already rendered block of the same window's earlier actions (numbered up to
    ``first - 1``): the new lines are appended to it.
    """
    return join_activity(window_lines(payloads, skip, first), prefix)


def compose_context(summary: str, activity: str) -> str:
    """``"Summary: <summary>"`` and the activity block, joined by a blank line, each when non-empty."""
    if summary:
        return f"Summary: {summary}\n\n{activity}" if activity else f"Summary: {summary}"
    return activity


def enrich_query(context: str, query: str) -> str:
    """``query`` prefixed with ``context``; ``query`` unchanged when ``context`` is empty."""
    return f"[Session context]\n{context}\n\n[Query]\n{query}" if context else query
