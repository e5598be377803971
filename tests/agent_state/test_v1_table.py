"""The v1 5×5 transition table, one test per cell: the move, its entry effect, its log record.

Each cell reaches its row's state through allowed moves (so GUIDANCE carries a guided flow and
instructions), moves the clock, calls ``transition_to(column, reason=<long>, task=…,
instructions=…)`` and compares the whole snapshot with the table's expectation.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest

from autoplay_sdk.agent_state.v1 import AgentState, AgentStateMachine, InvalidTransitionError, TaskProgress
from tests.agent_state.support import FakeClock

S = AgentState
ORDER = [
    S.THINKING,
    S.REACTIVE_ASSISTANCE,
    S.PROACTIVE_ASSISTANCE,
    S.GUIDANCE_EXECUTION,
    S.CONSERVATIVE_ASSISTANCE,
]
# The published table, row = from, column = to (same order as ORDER); "-" = same state.
TABLE = """
thinking      - y y n y
reactive      y - n y n
proactive     y y - y y
guidance      y y n - y
conservative  y y n n -
"""
ALLOWED = {
    (ORDER[r], ORDER[c]): mark
    for r, line in enumerate(TABLE.strip().splitlines())
    for c, mark in enumerate(line.split()[1:])
}
LOGGER = "autoplay_sdk.agent_state.v1.state_machine"
REASON = "why " * 60  # 240 characters; the logs keep 200


def reach(state: AgentState) -> AgentStateMachine:
    sm = AgentStateMachine()
    if state is S.GUIDANCE_EXECUTION:
        sm.transition_to(S.REACTIVE_ASSISTANCE)
        task = sm.start_task("flow-1", "Flow one", 4)
        sm.transition_to(S.GUIDANCE_EXECUTION, task=task, instructions=[{"step": 1}])
    elif state is not S.THINKING:
        sm.transition_to(state)
    assert sm.state is state
    return sm


def expected_after(before: dict[str, Any], source: AgentState, target: AgentState, now: float) -> dict[str, Any]:
    d = copy.deepcopy(before)
    d["state"] = target.value
    d["state_entered_at"] = now
    metrics = d["session_metrics"]
    if target is S.PROACTIVE_ASSISTANCE:
        metrics["proactive_shown_count"] += 1
    elif target is S.GUIDANCE_EXECUTION:
        d["active_guidance_flow_id"] = "flow-2"
        d["active_guidance_instructions"] = [{"go": "here"}]
        metrics["guidance_accepted_count"] += 1
    elif target is S.CONSERVATIVE_ASSISTANCE:
        n = d["dismissed_count_session"] + 1
        d["dismissed_count_session"] = n
        metrics["dismissal_count"] += 1
        d["conservative_cooldown_until"] = now + 600.0 + (n - 1) * 300.0 if n < 3 else float("inf")
        d["current_threshold"] = min(0.9, 0.5 + 0.15 * n)
    elif target is S.THINKING and source is S.GUIDANCE_EXECUTION:
        d["active_guidance_flow_id"] = None
        d["active_guidance_instructions"] = []
    return d


CELLS = [(a, b) for a in ORDER for b in ORDER]


@pytest.mark.parametrize(("source", "target"), CELLS, ids=[f"{a.value}->{b.value}" for a, b in CELLS])
def test_cell(source: AgentState, target: AgentState, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    sm = reach(source)
    clock.advance(7)
    now = clock.wall
    before = sm.to_snapshot()
    task = TaskProgress("flow-2", "Flow two", now, 3)
    instructions = [{"go": "here"}]
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    mark = ALLOWED[(source, target)]

    if mark == "n":
        with pytest.raises(InvalidTransitionError) as info:
            sm.transition_to(target, reason=REASON, task=task, instructions=instructions)
        assert str(info.value) == f"Invalid transition: {source.value} -> {target.value}"
        assert sm.to_snapshot() == before
        assert task.guidance_engaged is False
        event = "agent_state_transition_rejected"
    else:
        sm.transition_to(target.value, reason=REASON, task=task, instructions=instructions)  # a str target works too
        if mark == "-":
            assert sm.to_snapshot() == before
            assert task.guidance_engaged is False
            assert caplog.records == []
            return
        assert sm.to_snapshot() == expected_after(before, source, target, now)
        if target is S.GUIDANCE_EXECUTION:
            assert task.guidance_engaged is True
            assert sm.active_guidance_instructions is instructions
        event = "agent_state_transition"

    [record] = caplog.records
    assert record.levelno == logging.DEBUG
    assert record.event_type == event  # type: ignore[attr-defined]
    assert record.from_state == source.value  # type: ignore[attr-defined]
    assert record.to_state == target.value  # type: ignore[attr-defined]
    assert record.reason_preview == REASON[:200]  # type: ignore[attr-defined]


def test_table_shape() -> None:
    assert len(ALLOWED) == 25
    assert [k for k, v in ALLOWED.items() if v == "-"] == [(s, s) for s in ORDER]
    # Every state can answer the user: REACTIVE is reachable from everywhere.
    assert all(ALLOWED[(s, S.REACTIVE_ASSISTANCE)] in "y-" for s in ORDER)


def test_leaving_guidance_for_reactive_or_conservative_keeps_the_guided_flow(clock: FakeClock) -> None:
    for target in (S.REACTIVE_ASSISTANCE, S.CONSERVATIVE_ASSISTANCE):
        sm = reach(S.GUIDANCE_EXECUTION)
        sm.transition_to(target)
        assert sm.active_guidance_flow_id == "flow-1"
        assert sm.active_guidance_instructions == [{"step": 1}]


def test_guidance_without_task_or_instructions_only_counts(clock: FakeClock) -> None:
    sm = reach(S.REACTIVE_ASSISTANCE)
    sm.transition_to(S.GUIDANCE_EXECUTION)
    assert sm.active_guidance_flow_id is None and sm.active_guidance_instructions == []
    assert sm.session_metrics.guidance_accepted_count == 1


def test_unknown_target_string_raises_value_error() -> None:
    with pytest.raises(ValueError, match="'nowhere' is not a valid AgentState"):
        AgentStateMachine().transition_to("nowhere")
