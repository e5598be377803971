"""SessionState's link fields next to the 0.7.5 contract: constructor, snapshot, strict/lenient reads, logs."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoplay_sdk.agent_state.v2 import AgentStateV2, SessionState
from autoplay_sdk.agent_state.v2.state_store import from_portable, to_portable
from autoplay_sdk.chat.chatbot import ConversationEventType, ConversationLink
from tests.agent_state.support import FakeClock

OLD_KEYS = [
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
NEW_KEYS = [
    "_v",
    "session_id",
    "metadata",
    "current_state",
    "last_interaction_at",
    "interaction_timeout_s",
    "cooldown_period_s",
    "visual_guidance_active",
    "active_tour_id",
    "conversation_linked",
    "conversation_id",
    "thinking",
    "proactive",
    "reactive",
]


def test_constructor_of_075_unchanged() -> None:
    """``SessionState()`` is valid and the positional order is the 0.7.5 one (no required session id)."""
    s = SessionState()
    assert s.session_id == "" and s.metadata == {} and s.conversation_linked is False and s.conversation_id is None
    assert SessionState(AgentStateV2.REACTIVE).current_state is AgentStateV2.REACTIVE
    names = [f.name for f in dataclasses.fields(SessionState)]
    assert names[:10] == [
        "current_state",
        "last_interaction_at",
        "interaction_timeout_s",
        "cooldown_period_s",
        "visual_guidance_active",
        "active_tour_id",
        "thinking",
        "proactive",
        "reactive",
        "_v",
    ]
    assert names[10:] == ["session_id", "metadata", "conversation_linked", "conversation_id"]
    assert all(f.kw_only for f in dataclasses.fields(SessionState)[10:])
    with pytest.raises(TypeError):
        SessionState(AgentStateV2.THINKING, 1.0, 20.0, 60.0, False, None, None, None, None, 1, "sid")  # type: ignore[call-arg]
    SessionState(session_id="")  # no validation


def test_default_snapshot_is_the_075_dict(clock: FakeClock) -> None:
    assert list(SessionState().to_dict()) == OLD_KEYS


@pytest.mark.parametrize(
    "change",
    [
        {"session_id": "s1"},
        {"metadata": {"user_id": "u1"}},
        {"conversation_linked": True},
        {"conversation_id": "c1"},
    ],
)
def test_any_new_field_switches_to_the_14_key_layout(clock: FakeClock, change: dict[str, Any]) -> None:
    s = SessionState(**change)
    d = s.to_dict()
    assert list(d) == NEW_KEYS
    assert d["_v"] == 1
    assert SessionState.from_dict(d) == s


def test_metadata_in_snapshot_is_a_copy(clock: FakeClock) -> None:
    s = SessionState(session_id="s", metadata={"a": 1})
    s.to_dict()["metadata"]["a"] = 2
    assert s.metadata == {"a": 1}


def test_strict_from_dict_is_the_075_default(clock: FakeClock) -> None:
    d = SessionState().to_dict()
    with pytest.raises(ValueError):
        SessionState.from_dict({**d, "current_state": "dreaming"})
    missing_state = {k: v for k, v in d.items() if k != "current_state"}
    with pytest.raises(KeyError):
        SessionState.from_dict(missing_state)
    with pytest.raises(KeyError):
        SessionState.from_dict({k: v for k, v in d.items() if k != "last_interaction_at"})


def test_lenient_from_dict(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    d = SessionState(session_id="s9").to_dict()
    d["current_state"] = "dreaming"
    del d["last_interaction_at"]
    clock.advance(5)
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk"):
        s = SessionState.from_dict(d, lenient=True)
    assert s.current_state is AgentStateV2.THINKING
    assert s.last_interaction_at == clock.mono
    assert s.session_id == "s9"
    assert [(r.levelno, r.getMessage(), getattr(r, "event_type", None)) for r in caplog.records] == [
        (
            logging.WARNING,
            "autoplay_sdk: SessionState.from_dict invalid current_state='dreaming'"
            " — defaulting to THINKING (ValueError)",
            "session_state_parse_error",
        )
    ]
    with pytest.raises(ValueError, match="Unknown SessionState snapshot version"):
        SessionState.from_dict({**d, "_v": 2}, lenient=True)


def test_new_fields_are_read_in_both_modes(clock: FakeClock) -> None:
    d = SessionState().to_dict()
    d.update(session_id=7, metadata=[("not", "a mapping")], conversation_linked=1, conversation_id=42)
    for lenient in (False, True):
        s = SessionState.from_dict(d, lenient=lenient)
        assert (s.session_id, s.metadata, s.conversation_linked, s.conversation_id) == ("7", {}, True, "42")


def test_portable_round_trip_keeps_link_fields(clock: FakeClock) -> None:
    s = SessionState(session_id="s", metadata={"email": "x"}, conversation_linked=True, conversation_id="c")
    p = to_portable(s)
    assert p["clock"] == "wall" and p["conversation_id"] == "c"
    assert from_portable(p) == s
    del p["last_interaction_at"]
    with pytest.raises(KeyError):
        from_portable(p)
    assert from_portable(p, lenient=True).last_interaction_at == clock.mono


def test_transitions_log_debug_only(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    s = SessionState(session_id="s1", interaction_timeout_s=1)
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk"):
        s.transition_to_proactive("t")
        clock.advance(2)
        s.tick()
        assert s.transition_to_proactive("t") is False
        s.transition_to_reactive()
    assert [r.levelno for r in caplog.records] == [logging.DEBUG] * 4
    assert [getattr(r, "event_type", None) for r in caplog.records] == [
        "transition_to_proactive",
        "timeout_to_thinking",
        "proactive_blocked",
        "transition_to_reactive",
    ]
    assert all(getattr(r, "session_id", None) == "s1" for r in caplog.records)
    with caplog.at_level(logging.INFO, logger="autoplay_sdk"):
        caplog.clear()
        SessionState().transition_to_reactive()
    assert caplog.records == []


def test_link_semantics() -> None:
    s = SessionState()
    s.on_conversation_linked(ConversationLink("s", "c1", ConversationEventType.REPLY_EXISTING))
    assert (s.conversation_linked, s.conversation_id) == (True, "c1")
    s.on_conversation_linked(ConversationLink("s", "c2", ConversationEventType.REPLY_EXISTING))
    assert s.conversation_id == "c1"  # a reply never moves a linked session
    s.on_conversation_linked(ConversationLink("s", "c3"))
    assert s.conversation_id == "c3"  # NEW always does
    s.on_conversation_linked(ConversationLink("s", "c4", "OTHER"))  # type: ignore[arg-type]
    assert s.conversation_id == "c3"


_states = st.builds(
    lambda sid, meta, linked, cid, state: SessionState(
        state, session_id=sid, metadata=meta, conversation_linked=linked, conversation_id=cid
    ),
    st.text(max_size=8),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
    st.booleans(),
    st.none() | st.text(max_size=8),
    st.sampled_from(list(AgentStateV2)),
)


@given(_states, st.booleans())
def test_round_trip_property(state: SessionState, lenient: bool) -> None:
    d = state.to_dict()
    defaults = not (
        state.session_id or state.metadata or state.conversation_linked or state.conversation_id is not None
    )
    assert list(d) == (OLD_KEYS if defaults else NEW_KEYS)
    assert SessionState.from_dict(d, lenient=lenient) == state
