"""Test support for the state machines: a movable clock and a minimal tour registry.

The clock fixture patches ``time.monotonic`` and ``time.time``.

The modules under test read the clock through the ``time`` module at call time, so patching the
module attribute moves every reading at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest


class FakeClock:
    """Both clocks, frozen until moved: ``monotonic`` starts at 1000.0, ``time`` at 1_700_000_000.0."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = 1_700_000_000.0

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    fake = FakeClock()
    monkeypatch.setattr(time, "monotonic", fake.monotonic)
    monkeypatch.setattr(time, "time", fake.time)
    yield fake


@dataclass
class Tour:
    """The surface ``SessionState.tick`` reads from a tour registry entry."""

    id: str
    user_tour_id: str | None
    interaction_timeout_s: float | None = 20.0
    cooldown_period_s: float | None = 120.0


@dataclass
class Registry:
    """Looks tours up by provider tour id, like ``TourRegistry.get_by_user_tour_id``."""

    tours: list[Tour]

    def get_by_user_tour_id(self, user_tour_id: str | None) -> Tour | None:
        if not user_tour_id:
            return None
        return next((t for t in self.tours if t.user_tour_id == user_tour_id), None)
