"""Any sequence of v1 calls and clock moves: a defined state, only the documented error, and a
snapshot that restores to the same snapshot (through JSON) at every step."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk.agent_state.v1 import AgentState, AgentStateMachine, InvalidTransitionError, TaskProgress
from tests.agent_state.support import FakeClock

Call = Callable[[AgentStateMachine, FakeClock], Any]

CALLS: dict[str, Call] = {
    **{f"to_{s.name.lower()}": (lambda t: lambda sm, c: sm.transition_to(t, reason="r"))(s) for s in AgentState},
    "to_guidance_with_task": lambda sm, c: sm.transition_to(
        AgentState.GUIDANCE_EXECUTION, task=TaskProgress("f1", "F", c.wall, 3), instructions=[{"i": 1}]
    ),
    "user_message": lambda sm, c: sm.enter_reactive_from_user_message(),
    "disengage": lambda sm, c: sm.transition_on_disengagement(),
    "can_show": lambda sm, c: sm.can_show_proactive_with_reason("/r", "flow"),
    "expire": lambda sm, c: sm.expire_proactive_to_thinking_if_idle(c.wall, 10.0),
    "start_f1": lambda sm, c: sm.start_task("f1", "F", 3),
    "start_f2": lambda sm, c: sm.start_task("f2", "G", 1),
    "complete_f1": lambda sm, c: sm.complete_task("f1"),
    "abandon_f2": lambda sm, c: sm.abandon_task("f2"),
    "step_f1": lambda sm, c: sm.record_step_completion("f1", 1),
    "deviate_f1": lambda sm, c: sm.record_deviation("f1", 0.2),
    "route_cooldown": lambda sm, c: sm.set_route_cooldown("/r", 30.0),
    "flow_cooldown": lambda sm, c: sm.set_flow_cooldown("flow", 30.0),
}

steps = st.lists(
    st.one_of(st.sampled_from(sorted(CALLS)), st.floats(min_value=0.0, max_value=1000.0, allow_nan=False)),
    max_size=40,
)


def check(sm: AgentStateMachine) -> None:
    assert isinstance(sm.state, AgentState)
    assert sm.base_threshold <= sm.current_threshold <= max(0.9, sm.base_threshold)
    assert sm.dismissed_count_session == sm.session_metrics.dismissal_count
    # The guided flow survives leaving guidance for reactive or conservative, and every later
    # transition except the entry into thinking straight from guidance: it is only ever a flow
    # that was started.
    assert sm.active_guidance_flow_id in (None, "f1", "f2")
    snapshot = sm.to_snapshot()
    restored = AgentStateMachine.from_snapshot(json.loads(json.dumps(snapshot)))
    assert restored.to_snapshot() == snapshot
    assert restored.get_session_snapshot() == sm.get_session_snapshot()


@settings(max_examples=150, deadline=None)
@given(steps=steps)
def test_any_sequence_keeps_a_defined_state(steps: list[str | float]) -> None:
    clock = FakeClock()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("time.time", clock.time)
        sm = AgentStateMachine()
        check(sm)
        for step in steps:
            if isinstance(step, float):
                clock.advance(step)
                continue
            before = sm.to_snapshot()
            try:
                CALLS[step](sm, clock)
            except InvalidTransitionError:
                assert sm.to_snapshot() == before
            check(sm)
