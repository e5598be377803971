"""``TailStats``: the pure aggregation behind ``autoplay-sdk tail`` (exact snapshots, fake clock)."""

from __future__ import annotations

import pytest

from autoplay_sdk._cli._tail import NO_SESSION_LABEL, SessionRow, TailStats
from autoplay_sdk.core.models import ActionsPayload, SlimAction, SummaryPayload


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def actions(
    session: str | None, *descriptions: str, email: str | None = None, user: str | None = None
) -> ActionsPayload:
    items = [
        SlimAction(title=d, description=d, canonical_url="https://x/p", index=i, type="click")
        for i, d in enumerate(descriptions)
    ]
    return ActionsPayload("p", session, user, email, items, len(items), 1.0)


def summary(session: str, text: str, replaces: int = 3) -> SummaryPayload:
    return SummaryPayload("p", session, text, replaces, 2.0)


def test_empty_snapshot() -> None:
    stats = TailStats(clock=FakeClock())
    snap = stats.snapshot()
    assert snap.state == "connecting"
    assert snap.sessions == ()
    assert (snap.events, snap.action_batches, snap.summaries, snap.actions) == (0, 0, 0, 0)
    assert snap.events_per_second == 0.0  # no time has passed: no division by zero
    assert (snap.dropped, snap.connects, snap.disconnects, snap.elapsed_s) == (0, 0, 0, 0.0)


def test_snapshot_aggregates_per_session_most_recent_first() -> None:
    clock = FakeClock()
    stats = TailStats(clock=clock)
    assert stats.add(actions("s1", "opened board", "clicked task", email="a@x.example", user="u1")) == 1
    assert stats.add(actions("s2", "viewed billing", user="u2")) == 2
    assert stats.add(summary("s1", "A opened the board and clicked a task.")) == 3
    assert stats.add(actions(None, "anonymous click")) == 4
    assert stats.add(actions("s2", "typed email", "submitted invite")) == 5
    clock.now = 102.0

    snap = stats.snapshot(dropped=7)

    assert snap.sessions == (
        SessionRow(
            "s2", "u2", actions=3, batches=2, summaries=0, latest_action="click: submitted invite", latest_summary=""
        ),
        SessionRow(
            NO_SESSION_LABEL,
            "",
            actions=1,
            batches=1,
            summaries=0,
            latest_action="click: anonymous click",
            latest_summary="",
        ),
        SessionRow(
            "s1",
            "a@x.example",  # email wins over user id
            actions=2,
            batches=1,
            summaries=1,
            latest_action="click: clicked task",
            latest_summary="A opened the board and clicked a task.",
        ),
    )
    assert (snap.events, snap.action_batches, snap.summaries, snap.actions) == (5, 4, 1, 6)
    assert snap.dropped == 7
    assert snap.elapsed_s == 2.0
    assert snap.events_per_second == 2.5  # 5 events over the 2 s since start


def test_user_keeps_last_known_value_and_empty_batches_keep_latest_action() -> None:
    stats = TailStats(clock=FakeClock())
    stats.add(actions("s", "first", email="e@x.example"))
    stats.add(actions("s"))  # no actions, no user: nothing to overwrite
    (row,) = stats.snapshot().sessions
    assert (row.user, row.latest_action, row.batches, row.actions) == ("e@x.example", "click: first", 2, 1)


def test_action_without_type_shows_description_only() -> None:
    stats = TailStats(clock=FakeClock())
    stats.add(ActionsPayload("p", "s", None, None, [SlimAction("t", "just text", "u")], 1, 1.0))
    assert stats.snapshot().sessions[0].latest_action == "just text"


def test_rate_uses_a_sliding_window() -> None:
    clock = FakeClock(0.0)
    stats = TailStats(clock=clock, window_s=10.0)
    clock.now = 1.0
    for _ in range(3):
        stats.add(actions("s", "a"))
    clock.now = 4.0
    assert stats.snapshot().events_per_second == 0.75  # 3 events / 4 s (less than a window so far)
    clock.now = 9.0
    stats.add(actions("s", "b"))
    stats.add(actions("s", "c"))
    clock.now = 12.0
    assert stats.snapshot().events_per_second == 0.2  # the 3 at t=1 left the window; 2 / 10 s
    clock.now = 19.0
    assert stats.snapshot().events_per_second == 0.0  # everything is older than the window
    assert stats.snapshot().events == 5  # totals never decay


def test_connection_state_transitions() -> None:
    stats = TailStats(clock=FakeClock())
    stats.connected()
    assert (stats.snapshot().state, stats.snapshot().connects) == ("connected", 1)
    stats.disconnected()
    stats.disconnected()
    snap = stats.snapshot()
    assert (snap.state, snap.disconnects) == ("reconnecting", 2)
    stats.connected()
    assert (stats.snapshot().state, stats.snapshot().connects) == ("connected", 2)
    stats.stopped()
    assert stats.snapshot().state == "stopped"


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window_s must be > 0"):
        TailStats(window_s=0)
