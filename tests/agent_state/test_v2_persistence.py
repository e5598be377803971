"""v2 snapshots: exact keys, round trips, version and field errors."""

from __future__ import annotations

import json
import logging

import pytest

from autoplay_sdk.agent_state.v2 import AgentStateV2, ProactiveState, ReactiveState, SessionState, ThinkingState
from tests.agent_state.support import FakeClock


def busy_session(clock: FakeClock) -> SessionState:
    session = SessionState(interaction_timeout_s=12.5, cooldown_period_s=33.0)
    session.transition_to_proactive("t")
    clock.advance(1)
    session.set_visual_guidance(True, "flow-1")
    session.record_option_click()
    clock.advance(2)
    session.tick()
    return session


def test_to_dict_has_the_documented_keys_in_order(clock: FakeClock) -> None:
    snapshot = busy_session(clock).to_dict()
    assert snapshot == {
        "_v": 1,
        "current_state": "proactive_assistance",
        "last_interaction_at": 1001.0,
        "interaction_timeout_s": 12.5,
        "cooldown_period_s": 33.0,
        "visual_guidance_active": True,
        "active_tour_id": "flow-1",
        "thinking": {"cooldown_active": False, "cooldown_started_at": 0.0, "active_cooldown_period_s": None},
        "proactive": {"user_clicked_option": True, "time_since_last_interaction_s": 2.0, "last_message_at": 1001.0},
        "reactive": {"time_since_last_interaction_s": 0.0, "last_message_at": 1000.0},
    }
    assert list(snapshot) == [
        "_v",
        "current_state",
        "last_interaction_at",
        "interaction_timeout_s",
        "cooldown_period_s",
        "visual_guidance_active",
        "active_tour_id",
        "thinking",
        "proactive",
        "reactive",
    ]


def test_round_trip_through_json_gives_an_equal_session(clock: FakeClock) -> None:
    session = busy_session(clock)
    restored = SessionState.from_dict(json.loads(json.dumps(session.to_dict())))
    assert restored == session
    assert restored.current_state is AgentStateV2.PROACTIVE
    # The restored session keeps running from where it was.
    clock.advance(12.5)
    restored.tick()
    assert restored.current_state is AgentStateV2.THINKING


def test_anchor_takes_part_in_equality_but_not_in_repr(clock: FakeClock) -> None:
    a, b = ProactiveState(), ProactiveState()
    assert a == b
    clock.advance(1)
    assert ProactiveState() != a
    assert "_last_interaction_at_local" not in repr(a)
    assert ReactiveState(_last_interaction_at_local=5.0).to_dict()["last_message_at"] == 5.0


def test_missing_optional_fields_take_their_defaults(clock: FakeClock) -> None:
    restored = SessionState.from_dict({"_v": 1, "current_state": "thinking", "last_interaction_at": 3.0})
    assert restored == SessionState(last_interaction_at=3.0)
    assert restored.proactive._last_interaction_at_local == clock.mono
    assert ThinkingState.from_dict({}) == ThinkingState()


@pytest.mark.parametrize("version", [None, 0, 2, "1"])
def test_unknown_version_logs_and_raises(version: object, caplog: pytest.LogCaptureFixture) -> None:
    data = {"current_state": "thinking", "last_interaction_at": 0.0}
    if version is not None:
        data["_v"] = version
    caplog.set_level(logging.WARNING, logger="autoplay_sdk.agent_state.v2.session_state")
    with pytest.raises(ValueError) as info:
        SessionState.from_dict(data)
    assert str(info.value) == f"Unknown SessionState snapshot version: {version!r}"
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.event_type == "agent_state_v2_snapshot_invalid"  # type: ignore[attr-defined]
    assert record.snapshot_version == version  # type: ignore[attr-defined]
    assert f"unknown snapshot version {version!r}" in record.getMessage()


def test_required_fields_and_bad_state_propagate() -> None:
    with pytest.raises(KeyError):
        SessionState.from_dict({"_v": 1, "last_interaction_at": 0.0})
    with pytest.raises(KeyError):
        SessionState.from_dict({"_v": 1, "current_state": "thinking"})
    with pytest.raises(ValueError, match="'guidance_execution' is not a valid AgentStateV2"):
        SessionState.from_dict({"_v": 1, "current_state": "guidance_execution", "last_interaction_at": 0.0})


def test_snapshot_moves_between_processes_by_shifting_the_clock(clock: FakeClock) -> None:
    session = busy_session(clock)
    snapshot = session.to_dict()
    # Another process whose monotonic clock reads 500 s more: shift every timestamp.
    shift = 500.0
    snapshot["last_interaction_at"] += shift
    snapshot["proactive"]["last_message_at"] += shift
    clock.mono += shift
    restored = SessionState.from_dict(snapshot)
    restored.tick()
    assert restored.current_state is AgentStateV2.PROACTIVE
    clock.advance(12)
    restored.tick()
    assert restored.current_state is AgentStateV2.THINKING
