"""``run_proactive_idle_expiry`` over both session machines, including the v2 boundary behaviour."""

from __future__ import annotations

import logging
from dataclasses import FrozenInstanceError

import pytest

from autoplay_sdk.agent_state.v1 import AgentState, AgentStateMachine
from autoplay_sdk.agent_state.v2 import AgentStateV2, SessionState
from autoplay_sdk.proactive.state import (
    ProactiveIdleExpiryHooks,
    ProactiveIdleExpiryPipelineResult,
    ProactiveIdleExpiryPipelineStatus,
    ProactiveIdleExpiryResult,
    run_proactive_idle_expiry,
)
from tests.agent_state.support import FakeClock

Status = ProactiveIdleExpiryPipelineStatus
LOGGER = "autoplay_sdk.proactive.state.idle_expiry"


class Hooks:
    def __init__(self, *, delete_ok: bool = True, raise_on: str = "") -> None:
        self.delete_ok = delete_ok
        self.raise_on = raise_on
        self.calls: list[str] = []

    async def delete_remote_chat_thread(self) -> bool:
        self.calls.append("delete")
        if self.raise_on == "delete":
            raise ConnectionError("provider down")
        return self.delete_ok

    async def clear_local_chat_thread_state(self) -> None:
        self.calls.append("clear")
        if self.raise_on == "clear":
            raise RuntimeError("store down")


def proactive_v2(clock: FakeClock) -> SessionState:
    session = SessionState(interaction_timeout_s=20.0)
    assert session.transition_to_proactive("t")
    return session


def test_types() -> None:
    assert [(m.name, m.value) for m in Status] == [
        ("SKIPPED_NOT_ELIGIBLE", "skipped_not_eligible"),
        ("REMOTE_DELETE_FAILED", "remote_delete_failed"),
        ("COMPLETED", "completed"),
    ]
    result = ProactiveIdleExpiryPipelineResult(Status.COMPLETED)
    assert result.fsm_result is None
    with pytest.raises(FrozenInstanceError):
        result.status = Status.SKIPPED_NOT_ELIGIBLE  # type: ignore[misc]
    assert isinstance(Hooks(), ProactiveIdleExpiryHooks)
    assert not isinstance(object(), ProactiveIdleExpiryHooks)


class TestV2:
    async def test_not_proactive_is_skipped_without_hooks(self, clock: FakeClock) -> None:
        session, hooks = SessionState(), Hooks()
        clock.advance(100)
        before = session.to_dict()
        result = await run_proactive_idle_expiry(session, now=clock.mono, interaction_timeout_s=5, hooks=hooks)
        assert result == ProactiveIdleExpiryPipelineResult(Status.SKIPPED_NOT_ELIGIBLE)
        assert hooks.calls == [] and session.to_dict() == before

    async def test_not_idle_long_enough_is_skipped(self, clock: FakeClock) -> None:
        session, hooks = proactive_v2(clock), Hooks()
        clock.advance(4.9)
        before = session.to_dict()
        result = await run_proactive_idle_expiry(session, now=clock.mono, interaction_timeout_s=5, hooks=hooks)
        assert result.status is Status.SKIPPED_NOT_ELIGIBLE
        assert hooks.calls == [] and session.to_dict() == before

    async def test_failed_remote_delete_leaves_the_session(self, clock: FakeClock) -> None:
        session, hooks = proactive_v2(clock), Hooks(delete_ok=False)
        clock.advance(6)
        before = session.to_dict()
        result = await run_proactive_idle_expiry(session, now=clock.mono, interaction_timeout_s=5, hooks=hooks)
        assert result == ProactiveIdleExpiryPipelineResult(Status.REMOTE_DELETE_FAILED)
        assert hooks.calls == ["delete"] and session.to_dict() == before

    async def test_expiry_with_the_current_clock(self, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
        session, hooks = proactive_v2(clock), Hooks()
        clock.advance(6)
        caplog.set_level(logging.DEBUG, logger=LOGGER)
        result = await run_proactive_idle_expiry(session, now=clock.mono, interaction_timeout_s=5, hooks=hooks)
        assert result == ProactiveIdleExpiryPipelineResult(Status.COMPLETED, ProactiveIdleExpiryResult(True, True))
        assert hooks.calls == ["delete", "clear"]
        assert session.current_state is AgentStateV2.THINKING and session.thinking.cooldown_active
        assert session.interaction_timeout_s == 20.0  # the caller's timeout applied only for the check
        assert caplog.records == []

    @pytest.mark.parametrize("offset", [0.0, 1.0], ids=["exactly-on-the-boundary", "now-in-the-future"])
    async def test_eligible_by_now_but_not_by_the_clock(
        self, offset: float, clock: FakeClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        session, hooks = proactive_v2(clock), Hooks()
        clock.advance(5 - offset)
        caplog.set_level(logging.ERROR, logger=LOGGER)
        result = await run_proactive_idle_expiry(
            session, now=session.last_interaction_at + 5, interaction_timeout_s=5, hooks=hooks
        )
        assert result == ProactiveIdleExpiryPipelineResult(Status.COMPLETED, ProactiveIdleExpiryResult(False, False))
        assert hooks.calls == ["delete", "clear"]
        assert session.current_state is AgentStateV2.PROACTIVE
        [record] = caplog.records
        assert record.levelno == logging.ERROR
        assert record.event_type == "proactive_idle_expiry_fsm_invariant"  # type: ignore[attr-defined]
        assert record.from_state == "proactive_assistance"  # type: ignore[attr-defined]

    async def test_the_move_goes_through_tick(self, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
        session, hooks = proactive_v2(clock), Hooks()
        seen: list[float] = []

        def stub_tick(self: SessionState, tour_registry: object = None) -> None:
            seen.append(self.interaction_timeout_s)
            self.current_state = AgentStateV2.THINKING

        monkeypatch.setattr(SessionState, "tick", stub_tick)
        result = await run_proactive_idle_expiry(session, now=clock.mono + 99, interaction_timeout_s=7, hooks=hooks)
        assert seen == [7] and session.interaction_timeout_s == 20.0
        assert result.fsm_result == ProactiveIdleExpiryResult(True, True)

    async def test_timeout_is_restored_when_tick_raises(
        self, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        session = proactive_v2(clock)

        def broken(self: SessionState, tour_registry: object = None) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(SessionState, "tick", broken)
        with pytest.raises(RuntimeError, match="boom"):
            await run_proactive_idle_expiry(session, now=clock.mono + 99, interaction_timeout_s=7, hooks=Hooks())
        assert session.interaction_timeout_s == 20.0

    @pytest.mark.parametrize("where", ["delete", "clear"])
    async def test_hook_errors_propagate(self, where: str, clock: FakeClock) -> None:
        session = proactive_v2(clock)
        clock.advance(30)
        with pytest.raises((ConnectionError, RuntimeError)):
            await run_proactive_idle_expiry(
                session, now=clock.mono, interaction_timeout_s=5, hooks=Hooks(raise_on=where)
            )


class TestV1:
    def proactive(self) -> AgentStateMachine:
        sm = AgentStateMachine()
        sm.transition_to(AgentState.PROACTIVE_ASSISTANCE)
        return sm

    async def test_expiry_uses_the_callers_wall_clock(self, clock: FakeClock) -> None:
        sm, hooks = self.proactive(), Hooks()
        at = sm.state_entered_at + 10  # exactly the timeout: eligible and moved
        result = await run_proactive_idle_expiry(sm, now=at, interaction_timeout_s=10, hooks=hooks)
        assert result == ProactiveIdleExpiryPipelineResult(Status.COMPLETED, ProactiveIdleExpiryResult(True, True))
        assert sm.state is AgentState.THINKING and hooks.calls == ["delete", "clear"]

    async def test_skipped_and_failed_delete(self, clock: FakeClock) -> None:
        sm, hooks = self.proactive(), Hooks(delete_ok=False)
        entered = sm.state_entered_at
        skipped = await run_proactive_idle_expiry(sm, now=entered + 9, interaction_timeout_s=10, hooks=hooks)
        assert skipped.status is Status.SKIPPED_NOT_ELIGIBLE and hooks.calls == []
        failed = await run_proactive_idle_expiry(sm, now=entered + 11, interaction_timeout_s=10, hooks=hooks)
        assert failed.status is Status.REMOTE_DELETE_FAILED and sm.state is AgentState.PROACTIVE_ASSISTANCE

    async def test_a_machine_that_does_not_move_is_logged(
        self, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        sm = self.proactive()
        monkeypatch.setattr(sm, "expire_proactive_to_thinking_if_idle", lambda now, t: ProactiveIdleExpiryResult(False))
        caplog.set_level(logging.ERROR, logger=LOGGER)
        result = await run_proactive_idle_expiry(sm, now=clock.wall + 60, interaction_timeout_s=10, hooks=Hooks())
        assert result.status is Status.COMPLETED and result.fsm_result == ProactiveIdleExpiryResult(False)
        [record] = caplog.records
        assert record.event_type == "proactive_idle_expiry_fsm_invariant"  # type: ignore[attr-defined]
        assert record.from_state == "proactive_assistance"  # type: ignore[attr-defined]


async def test_other_objects_are_rejected_naming_the_parameter() -> None:
    with pytest.raises(TypeError, match="'sm', got dict"):
        await run_proactive_idle_expiry({}, now=0.0, interaction_timeout_s=1, hooks=Hooks())
