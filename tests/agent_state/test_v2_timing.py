"""v2 clocks: the strict idle timeout, the inclusive cooldown expiry, and per-tour timings."""

from __future__ import annotations

import pytest

from autoplay_sdk.agent_state.v2 import AgentStateV2, SessionState
from tests.agent_state.support import FakeClock, Registry, Tour


def proactive(clock: FakeClock, **kwargs: float) -> SessionState:
    session = SessionState(**kwargs)  # type: ignore[arg-type]
    assert session.transition_to_proactive("t")
    return session


def test_timeout_is_strict(clock: FakeClock) -> None:
    session = proactive(clock)
    clock.advance(20.0)
    session.tick()
    assert session.current_state is AgentStateV2.PROACTIVE
    assert session.proactive.time_since_last_interaction_s == 20.0
    clock.advance(0.001)
    session.tick()
    assert session.current_state is AgentStateV2.THINKING


def test_interaction_restarts_the_idle_timeout(clock: FakeClock) -> None:
    session = SessionState()
    session.transition_to_reactive()
    clock.advance(15)
    session.record_any_interaction()
    clock.advance(15)
    session.tick()
    assert session.current_state is AgentStateV2.REACTIVE
    clock.advance(5.5)
    session.tick()
    assert session.current_state is AgentStateV2.THINKING


def test_cooldown_expires_at_exactly_its_period(clock: FakeClock) -> None:
    session = proactive(clock)
    clock.advance(21)
    session.tick()
    started = clock.mono
    assert session.thinking.cooldown_active and session.thinking.cooldown_started_at == started
    clock.advance(59.999)
    assert session.transition_to_proactive("t") is False
    assert session.current_state is AgentStateV2.THINKING and session.thinking.cooldown_active
    clock.advance(0.001)
    assert session.transition_to_proactive("t") is True
    assert session.current_state is AgentStateV2.PROACTIVE
    assert session.thinking.can_go_proactive


def test_running_cooldown_keeps_the_period_it_started_with(clock: FakeClock) -> None:
    session = proactive(clock)
    clock.advance(21)
    session.tick()
    session.cooldown_period_s = 5.0
    clock.advance(10)
    session.tick()
    assert session.thinking.cooldown_active
    assert session.transition_to_proactive("t") is False
    clock.advance(50)
    assert session.transition_to_proactive("t") is True


def test_cooldown_blocks_only_proactive(clock: FakeClock) -> None:
    session = proactive(clock)
    clock.advance(21)
    session.tick()
    session.transition_to_reactive()
    assert session.current_state is AgentStateV2.REACTIVE
    assert session.thinking.cooldown_active is False


def test_cooldown_starts_at_tick_time_not_at_last_interaction(clock: FakeClock) -> None:
    session = proactive(clock, cooldown_period_s=30.0)
    clock.advance(100)
    session.tick()
    assert session.thinking.cooldown_started_at == clock.mono
    clock.advance(29)
    assert session.transition_to_proactive("t") is False


def test_thinking_state_tick_uses_the_argument_without_override(clock: FakeClock) -> None:
    session = SessionState(cooldown_period_s=10.0)
    session.thinking.start_cooldown()
    clock.advance(9.9)
    session.tick()
    assert session.thinking.cooldown_active
    clock.advance(0.1)
    session.tick()
    assert not session.thinking.cooldown_active


class TestTourRegistry:
    registry = Registry(
        [
            Tour("chip-a", "flow-a", interaction_timeout_s=5.0, cooldown_period_s=7.0),
            Tour("chip-b", "flow-b", interaction_timeout_s=None, cooldown_period_s=None),
        ]
    )

    def guided(self, clock: FakeClock, tour_id: str) -> SessionState:
        session = proactive(clock)
        session.set_visual_guidance(True, tour_id)
        return session

    def test_found_tour_supplies_timeout_and_cooldown(self, clock: FakeClock) -> None:
        session = self.guided(clock, "flow-a")
        clock.advance(5.0)
        session.tick(self.registry)
        assert session.current_state is AgentStateV2.PROACTIVE
        clock.advance(0.5)
        session.tick(self.registry)
        assert session.current_state is AgentStateV2.THINKING
        assert session.active_tour_id is None and session.visual_guidance_active is False
        assert session.thinking.active_cooldown_period_s == 7.0
        clock.advance(7.0)
        assert session.transition_to_proactive("t") is True

    def test_lookup_is_by_provider_tour_id_not_chip_id(self, clock: FakeClock) -> None:
        session = self.guided(clock, "chip-a")
        clock.advance(6)
        session.tick(self.registry)
        assert session.current_state is AgentStateV2.PROACTIVE

    def test_without_registry_the_session_timings_apply(self, clock: FakeClock) -> None:
        session = self.guided(clock, "flow-a")
        clock.advance(6)
        session.tick()
        assert session.current_state is AgentStateV2.PROACTIVE

    def test_registry_is_ignored_without_an_active_tour(self, clock: FakeClock) -> None:
        session = proactive(clock)
        clock.advance(6)
        session.tick(self.registry)
        assert session.current_state is AgentStateV2.PROACTIVE

    def test_unknown_tour_keeps_the_session_timings(self, clock: FakeClock) -> None:
        session = self.guided(clock, "flow-z")
        clock.advance(20.5)
        session.tick(self.registry)
        assert session.current_state is AgentStateV2.THINKING
        assert session.thinking.active_cooldown_period_s == 60.0

    def test_tour_without_values_falls_back_to_the_session(self, clock: FakeClock) -> None:
        session = self.guided(clock, "flow-b")
        clock.advance(20)
        session.tick(self.registry)
        assert session.current_state is AgentStateV2.PROACTIVE
        clock.advance(1)
        session.tick(self.registry)
        assert session.thinking.active_cooldown_period_s == 60.0

    def test_the_real_tour_registry_fits_when_present(self, clock: FakeClock) -> None:
        module = pytest.importorskip("autoplay_sdk.proactive.triggers.tour_registry")
        registry = module.TourRegistry.from_dict(
            {"product_id": "p", "tours": [{"id": "chip", "user_tour_id": "flow", "interaction_timeout_s": 3.0}]}
        )
        session = self.guided(clock, "flow")
        clock.advance(3.5)
        session.tick(registry)
        assert session.current_state is AgentStateV2.THINKING
        assert session.thinking.active_cooldown_period_s == 120.0
