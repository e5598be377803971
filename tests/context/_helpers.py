"""Helpers for the context tests: payload builders and a fake clock."""

from __future__ import annotations

from collections.abc import Sequence

from autoplay_sdk.core.models import ActionsPayload, SlimAction

NOW = 1_700_000_000.0

Action = tuple[str, str, str]  # (type, description, canonical_url)


def payload(
    session_id: str | None = "s1",
    actions: Sequence[Action] = (("click", "Clicked Export", "/dashboard"),),
    *,
    product_id: str = "",
    forwarded_at: float = NOW,
    first_index: int = 0,
    user_id: str | None = None,
    email: str | None = None,
) -> ActionsPayload:
    """An ActionsPayload whose actions are indexed from ``first_index``."""
    slim = [
        SlimAction(title=desc, description=desc, canonical_url=url, index=first_index + i, type=kind)
        for i, (kind, desc, url) in enumerate(actions)
    ]
    return ActionsPayload(product_id, session_id, user_id, email, slim, len(slim), forwarded_at)


def clicks(n: int, *, start: int = 0, url: str = "/page") -> list[Action]:
    """``n`` click actions described ``Clicked <k>`` for k = start, start + 1, ..."""
    return [("click", f"Clicked {k}", url) for k in range(start, start + n)]


class FakeClock:
    """A settable clock: ``clock()`` returns ``clock.now``; ``clock.advance(s)`` moves it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
