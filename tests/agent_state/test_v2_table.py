"""Every v2 call in every state, one test per cell, generated from the transition/effect table.

Each cell starts from the same prepared session (THINKING, THINKING with a running cooldown,
PROACTIVE or REACTIVE, with visual guidance on in the last two and non-zero sub-state timers),
moves the clock, makes the call, and compares the whole snapshot with the table's expectation:
either an exact error (and an unchanged snapshot) or the listed effects and nothing else.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from autoplay_sdk.agent_state.v2 import AgentStateV2, InvalidTransitionError, SessionState
from autoplay_sdk.chat.chatbot import ConversationEventType, ConversationLink
from tests.agent_state.support import FakeClock

T0 = 1000.0
STATES = ("thinking", "thinking_cooldown", "proactive", "reactive")

Snapshot = dict[str, Any]
Effect = Callable[[Snapshot, float], None]


def prepare(state: str, clock: FakeClock) -> SessionState:
    """Build the starting session for a column; the clock ends at T0 + 2."""
    assert clock.mono == T0
    session = SessionState()
    if state == "thinking_cooldown":
        session.thinking.start_cooldown()
    elif state == "proactive":
        assert session.transition_to_proactive("t1") is True
        session.set_visual_guidance(True, "tour-1")
    elif state == "reactive":
        session.transition_to_reactive()
        session.set_visual_guidance(True, "tour-1")
    clock.advance(2)
    session.tick()  # sub-state timers read 2.0
    return session


# -- effects -------------------------------------------------------------------------------------


def last(d: Snapshot, now: float) -> None:
    d["last_interaction_at"] = now


def touch(sub: str) -> Effect:
    def effect(d: Snapshot, now: float) -> None:
        d[sub]["last_message_at"] = now
        d[sub]["time_since_last_interaction_s"] = 0.0

    return effect


def click(d: Snapshot, now: float) -> None:
    touch("proactive")(d, now)
    d["proactive"]["user_clicked_option"] = True


def enter_proactive(d: Snapshot, now: float) -> None:
    last(d, now)
    d["current_state"] = "proactive_assistance"
    d["proactive"] = {"user_clicked_option": False, "time_since_last_interaction_s": 0.0, "last_message_at": now}


def enter_reactive(d: Snapshot, now: float) -> None:
    last(d, now)
    d["current_state"] = "reactive_assistance"
    d["reactive"] = {"time_since_last_interaction_s": 0.0, "last_message_at": now}
    d["thinking"] = {"cooldown_active": False, "cooldown_started_at": 0.0, "active_cooldown_period_s": None}


def sub_tick(sub: str) -> Effect:
    def effect(d: Snapshot, now: float) -> None:
        d[sub]["time_since_last_interaction_s"] = now - d[sub]["last_message_at"]

    return effect


def timeout(d: Snapshot, now: float) -> None:
    d["current_state"] = "thinking"
    d["visual_guidance_active"] = False
    d["active_tour_id"] = None
    d["thinking"] = {"cooldown_active": True, "cooldown_started_at": now, "active_cooldown_period_s": 60.0}


def cooldown_cleared(d: Snapshot, now: float) -> None:
    d["thinking"] = {"cooldown_active": False, "cooldown_started_at": 0.0, "active_cooldown_period_s": None}


def guidance_on(d: Snapshot, now: float) -> None:
    d["visual_guidance_active"] = True
    d["active_tour_id"] = "tour-2"
    last(d, now)


def guidance_off(d: Snapshot, now: float) -> None:
    d["visual_guidance_active"] = False
    d["active_tour_id"] = None


def nothing(d: Snapshot, now: float) -> None:
    pass


def linked(d: Snapshot, now: float) -> None:
    d.update(session_id="", metadata={}, conversation_linked=True, conversation_id="conv-1")


def cannot(target: str, state: str) -> str:
    return (
        f"Cannot transition to {target} from {state}. Must be in THINKING first. "
        "PROACTIVE and REACTIVE can only exit via interaction timeout."
    )


GUIDANCE_IN_THINKING = (
    "set_visual_guidance() cannot be called in THINKING state. Visual guidance is only valid in PROACTIVE or REACTIVE."
)

# call name -> (how to call, seconds the clock moves first, {column: (effects | error, return value)})
Cell = tuple[list[Effect] | str, Any]
TABLE: dict[str, tuple[Callable[[SessionState], Any], float, dict[str, Cell]]] = {
    "transition_to_proactive": (
        lambda s: s.transition_to_proactive("trigger-x"),
        3,
        {
            "thinking": ([enter_proactive], True),
            "thinking_cooldown": ([], False),
            "proactive": (cannot("PROACTIVE", "proactive_assistance"), None),
            "reactive": (cannot("PROACTIVE", "reactive_assistance"), None),
        },
    ),
    "transition_to_reactive": (
        lambda s: s.transition_to_reactive(),
        3,
        {
            "thinking": ([enter_reactive], None),
            "thinking_cooldown": ([enter_reactive], None),
            "proactive": (cannot("REACTIVE", "proactive_assistance"), None),
            "reactive": (cannot("REACTIVE", "reactive_assistance"), None),
        },
    ),
    "tick": (
        lambda s: s.tick(),
        3,
        {
            "thinking": ([], None),
            "thinking_cooldown": ([], None),
            "proactive": ([sub_tick("proactive")], None),
            "reactive": ([sub_tick("reactive")], None),
        },
    ),
    "tick_after_idle_timeout": (
        lambda s: s.tick(),
        19,  # 21 s since the last interaction at T0 > 20 s
        {
            "thinking": ([], None),
            "thinking_cooldown": ([], None),
            "proactive": ([timeout], None),
            "reactive": ([timeout], None),
        },
    ),
    "tick_after_cooldown": (
        lambda s: s.tick(),
        58,  # 60 s since the cooldown started at T0
        {
            "thinking": ([], None),
            "thinking_cooldown": ([cooldown_cleared], None),
            "proactive": ([timeout], None),
            "reactive": ([timeout], None),
        },
    ),
    "set_visual_guidance_on": (
        lambda s: s.set_visual_guidance(True, "tour-2"),
        3,
        {
            "thinking": (GUIDANCE_IN_THINKING, None),
            "thinking_cooldown": (GUIDANCE_IN_THINKING, None),
            "proactive": ([guidance_on], None),
            "reactive": ([guidance_on], None),
        },
    ),
    "set_visual_guidance_off": (
        lambda s: s.set_visual_guidance(False, "ignored"),
        3,
        {
            "thinking": (GUIDANCE_IN_THINKING, None),
            "thinking_cooldown": (GUIDANCE_IN_THINKING, None),
            "proactive": ([guidance_off], None),
            "reactive": ([guidance_off], None),
        },
    ),
    "record_any_interaction": (
        lambda s: s.record_any_interaction(),
        3,
        {state: ([last], None) for state in STATES},
    ),
    "record_user_interaction": (
        lambda s: s.record_user_interaction(),
        3,
        {
            "thinking": ([last], None),
            "thinking_cooldown": ([last], None),
            "proactive": ([last, touch("proactive")], None),
            "reactive": ([last, touch("reactive")], None),
        },
    ),
    "record_option_click": (
        lambda s: s.record_option_click(),
        3,
        {
            "thinking": ([last], None),
            "thinking_cooldown": ([last], None),
            "proactive": ([last, click], None),
            "reactive": ([last], None),
        },
    ),
    "record_reaction": (
        lambda s: s.record_reaction(),
        3,
        {
            "thinking": ([last], None),
            "thinking_cooldown": ([last], None),
            "proactive": ([last, touch("proactive")], None),
            "reactive": ([last, touch("reactive")], None),
        },
    ),
    "can_deliver_proactive": (
        lambda s: s.can_deliver_proactive(),
        3,
        {
            "thinking": ([], (True, "ok")),
            "thinking_cooldown": ([], (False, "v2_cooldown_active")),
            "proactive": ([], (False, "v2_state_proactive_assistance")),
            "reactive": ([], (False, "v2_state_reactive_assistance")),
        },
    ),
    "on_conversation_linked": (
        lambda s: s.on_conversation_linked(ConversationLink("s1", "conv-1", ConversationEventType.REPLY_EXISTING)),
        3,
        {state: ([linked], None) for state in STATES},
    ),
    "record_tour_step": (
        lambda s: s.record_tour_step(),
        3,
        {
            "thinking": ([last], None),
            "thinking_cooldown": ([last], None),
            "proactive": ([last, touch("proactive")], None),
            "reactive": ([last, touch("reactive")], None),
        },
    ),
}

CELLS = [(call, state) for call in TABLE for state in STATES]


@pytest.mark.parametrize(("call", "state"), CELLS, ids=[f"{c}-{s}" for c, s in CELLS])
def test_cell(call: str, state: str, clock: FakeClock) -> None:
    invoke, seconds, column = TABLE[call]
    outcome, returned = column[state]
    session = prepare(state, clock)
    before = session.to_dict()
    clock.advance(seconds)
    now = clock.mono

    if isinstance(outcome, str):
        with pytest.raises(InvalidTransitionError) as info:
            invoke(session)
        assert str(info.value) == outcome
        assert isinstance(info.value, ValueError)
        assert session.to_dict() == before
        return

    expected = copy.deepcopy(before)
    for effect in outcome:
        effect(expected, now)
    assert invoke(session) == returned
    assert session.to_dict() == expected
    assert isinstance(session.current_state, AgentStateV2)


def test_table_covers_every_public_call_in_every_state() -> None:
    calls = {
        name
        for name in dir(SessionState)
        if not name.startswith("_") and callable(getattr(SessionState, name)) and name not in ("to_dict", "from_dict")
    }
    covered = {name.removesuffix("_after_idle_timeout").removesuffix("_after_cooldown") for name in TABLE}
    covered = {name.removesuffix("_on").removesuffix("_off") for name in covered}
    assert calls == covered
    assert all(set(column) == set(STATES) for _, _, column in TABLE.values())


def test_no_direct_move_between_proactive_and_reactive(clock: FakeClock) -> None:
    session = SessionState()
    session.transition_to_proactive("t")
    with pytest.raises(InvalidTransitionError):
        session.transition_to_reactive()
    assert session.current_state is AgentStateV2.PROACTIVE


def test_enum_is_a_plain_str_enum() -> None:
    assert [(m.name, m.value) for m in AgentStateV2] == [
        ("THINKING", "thinking"),
        ("PROACTIVE", "proactive_assistance"),
        ("REACTIVE", "reactive_assistance"),
    ]
    assert str(AgentStateV2.THINKING) == "AgentStateV2.THINKING"
    assert AgentStateV2.PROACTIVE == "proactive_assistance"
