"""Any sequence of v2 calls, ticks and clock moves: a defined state, only the documented error,
and a snapshot that round-trips to an equal session at every step."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk.agent_state.v2 import AgentStateV2, InvalidTransitionError, SessionState
from tests.agent_state.support import FakeClock, Registry, Tour

REGISTRY = Registry([Tour("a", "flow-a", 3.0, 4.0), Tour("b", "flow-b", None, 1.5)])

CALLS: dict[str, Callable[[SessionState], Any]] = {
    "proactive": lambda s: s.transition_to_proactive("t"),
    "reactive": lambda s: s.transition_to_reactive(),
    "tick": lambda s: s.tick(),
    "tick_registry": lambda s: s.tick(REGISTRY),
    "guidance_a": lambda s: s.set_visual_guidance(True, "flow-a"),
    "guidance_b": lambda s: s.set_visual_guidance(True, "flow-b"),
    "guidance_off": lambda s: s.set_visual_guidance(False),
    "any": lambda s: s.record_any_interaction(),
    "user": lambda s: s.record_user_interaction(),
    "click": lambda s: s.record_option_click(),
    "reaction": lambda s: s.record_reaction(),
    "tour_step": lambda s: s.record_tour_step(),
}

steps = st.lists(
    st.one_of(
        st.sampled_from(sorted(CALLS)),
        st.floats(min_value=0.0, max_value=90.0, allow_nan=False),
    ),
    max_size=40,
)


def check_invariants(session: SessionState) -> None:
    assert isinstance(session.current_state, AgentStateV2)
    if session.current_state is AgentStateV2.THINKING:
        assert session.visual_guidance_active is False and session.active_tour_id is None
    else:
        # A cooldown only ever runs in THINKING: entering PROACTIVE requires none, REACTIVE clears it.
        assert session.thinking.cooldown_active is False
    if not session.visual_guidance_active:
        assert session.active_tour_id is None
    snapshot = session.to_dict()
    assert SessionState.from_dict(snapshot) == session
    assert SessionState.from_dict(json.loads(json.dumps(snapshot))) == session


@settings(max_examples=150, deadline=None)
@given(steps=steps, timeout=st.sampled_from([0.0, 5.0, 20.0]), cooldown=st.sampled_from([0.0, 10.0, 60.0]))
def test_any_sequence_keeps_a_defined_state(steps: list[str | float], timeout: float, cooldown: float) -> None:
    clock = FakeClock()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("time.monotonic", clock.monotonic)
        session = SessionState(interaction_timeout_s=timeout, cooldown_period_s=cooldown)
        check_invariants(session)
        for step in steps:
            if isinstance(step, float):
                clock.advance(step)
                continue
            before = session.to_dict()
            state = session.current_state
            try:
                result = CALLS[step](session)
            except InvalidTransitionError:
                assert session.to_dict() == before  # a refused call changes nothing
            else:
                after = session.current_state
                if state is not after:  # the only moves the table allows
                    assert (state, step) in {
                        (AgentStateV2.THINKING, "proactive"),
                        (AgentStateV2.THINKING, "reactive"),
                        (AgentStateV2.PROACTIVE, "tick"),
                        (AgentStateV2.PROACTIVE, "tick_registry"),
                        (AgentStateV2.REACTIVE, "tick"),
                        (AgentStateV2.REACTIVE, "tick_registry"),
                    }
                if step == "proactive":
                    assert result is (after is AgentStateV2.PROACTIVE)
            check_invariants(session)
