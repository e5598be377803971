"""Run a sans-IO flow: a generator that yields the effects it needs and receives their results.

A flow (the summarizer's summarise step, the RAG pipelines' embed-then-upsert) holds every
decision; a driver only performs each effect it yields — calling or awaiting user code, taking a
lock — and sends the result back, or throws the effect's exception into the flow, which decides
what a failure means.  :func:`drive` and :func:`adrive` are the sync and async drivers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

E = TypeVar("E")


def _advance(flow: Generator[E, Any, None], result: Any, error: Exception | None) -> tuple[bool, Any]:
    """(finished, next effect) after sending ``result`` (or throwing ``error``) into ``flow``."""
    try:
        return False, flow.throw(error) if error is not None else flow.send(result)
    except StopIteration:
        return True, None


def drive(flow: Generator[E, Any, None], perform: Callable[[E], Any]) -> None:
    """Run ``flow`` to its end, performing each effect with ``perform`` (its ``Exception`` goes back in)."""
    finished, effect = _advance(flow, None, None)
    while not finished:
        try:
            result, error = perform(effect), None
        except Exception as exc:
            result, error = None, exc
        finished, effect = _advance(flow, result, error)


async def adrive(flow: Generator[E, Any, None], perform: Callable[[E], Awaitable[Any]]) -> None:
    """:func:`drive` with an async ``perform``, awaited for each effect."""
    finished, effect = _advance(flow, None, None)
    while not finished:
        try:
            result, error = await perform(effect), None
        except Exception as exc:
            result, error = None, exc
        finished, effect = _advance(flow, result, error)
