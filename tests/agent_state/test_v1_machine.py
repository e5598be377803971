"""v1 ``AgentStateMachine`` beyond the table: dismissals, gating, tasks, views and snapshots."""

from __future__ import annotations

import json
import logging
import math

import pytest

from autoplay_sdk.agent_state.v1 import (
    AgentState,
    AgentStateMachine,
    InvalidSnapshotError,
    InvalidTransitionError,
    ProactiveIdleExpiryResult,
    SessionMetrics,
    TaskProgress,
    proactive_idle_eligible,
)
from autoplay_sdk.agent_state.v2 import InvalidTransitionError as V2InvalidTransitionError
from tests.agent_state.support import FakeClock

S = AgentState
LOGGER = "autoplay_sdk.agent_state.v1.state_machine"


def test_types() -> None:
    assert [m.value for m in S] == [
        "thinking",
        "reactive_assistance",
        "proactive_assistance",
        "guidance_execution",
        "conservative_assistance",
    ]
    assert str(S.GUIDANCE_EXECUTION) == "guidance_execution"
    assert f"{S.THINKING}|{S.THINKING:>10}" == "thinking|  thinking"
    assert S.THINKING == "thinking"
    assert InvalidTransitionError is not V2InvalidTransitionError
    assert issubclass(InvalidTransitionError, ValueError) and issubclass(InvalidSnapshotError, ValueError)
    result = ProactiveIdleExpiryResult(True)
    assert bool(result) and not ProactiveIdleExpiryResult(False, True)
    assert result.reset_chat_thread_binding is False
    with pytest.raises(AttributeError):
        result.transitioned = False  # type: ignore[misc]


def test_construction(clock: FakeClock) -> None:
    sm = AgentStateMachine(base_threshold=0.4, max_tasks=1, conservative_cooldown_s=10.0)
    assert sm.state is S.THINKING and sm.state_entered_at == clock.wall
    assert sm.base_threshold == sm.current_threshold == sm.get_effective_threshold() == 0.4
    assert sm.max_tasks == 1 and sm.active_tasks == {} and sm.dismissed_count_session == 0
    assert sm.route_cooldowns == {} and sm.flow_cooldowns == {} and sm.route_cooldowns is not sm.flow_cooldowns
    assert (sm._conservative_cooldown_s, sm._threshold_boost, sm._deviation_threshold) == (10.0, 0.15, 0.3)
    assert sm._conservative_cooldown_until == 0.0
    assert sm.session_metrics == SessionMetrics()


def test_max_tasks_is_not_enforced(clock: FakeClock) -> None:
    sm = AgentStateMachine(max_tasks=1)
    for i in range(3):
        sm.start_task(f"f{i}", "F", 2)
    assert len(sm.active_tasks) == 3


class TestDismissals:
    def dismiss(self, sm: AgentStateMachine) -> None:
        sm.transition_to(S.CONSERVATIVE_ASSISTANCE)
        sm.transition_to(S.THINKING)

    def test_each_dismissal_lengthens_the_cooldown_and_raises_the_threshold(self, clock: FakeClock) -> None:
        sm = AgentStateMachine()
        expected = [(600.0, 0.65), (900.0, 0.8), (math.inf, 0.9)]
        for n, (cooldown, threshold) in enumerate(expected, start=1):
            clock.advance(1)
            now = clock.wall
            self.dismiss(sm)
            assert sm.dismissed_count_session == sm.session_metrics.dismissal_count == n
            assert sm._conservative_cooldown_until - now == cooldown
            assert sm.current_threshold == pytest.approx(threshold)
        assert sm.to_snapshot()["conservative_cooldown_until"] == math.inf
        self.dismiss(sm)
        assert sm.current_threshold == 0.9

    def test_disengagement_is_only_from_guidance(self, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
        sm = AgentStateMachine()
        caplog.set_level(logging.DEBUG, logger=LOGGER)
        with pytest.raises(InvalidTransitionError) as info:
            sm.transition_on_disengagement()
        assert str(info.value) == "transition_on_disengagement only from guidance_execution; current=thinking"
        [record] = caplog.records
        assert record.operation == "transition_on_disengagement"  # type: ignore[attr-defined]
        sm.transition_to(S.REACTIVE_ASSISTANCE)
        sm.transition_to(S.GUIDANCE_EXECUTION)
        sm.transition_on_disengagement(reason="left")
        assert sm.state is S.CONSERVATIVE_ASSISTANCE and sm.dismissed_count_session == 1


class TestGating:
    def test_reasons_in_order(self, clock: FakeClock) -> None:
        sm = AgentStateMachine(conservative_cooldown_s=100.0)
        assert sm.can_show_proactive_with_reason() == (True, "ok")
        sm.set_route_cooldown("/a", 10)
        sm.set_flow_cooldown("flow", 20)
        assert sm.can_show_proactive_with_reason("/a", "flow") == (False, "route_cooldown")
        assert sm.can_show_proactive_with_reason("/b", "flow") == (False, "flow_cooldown")
        assert sm.can_show_proactive_with_reason("", "") == (True, "ok")
        clock.advance(10)  # the route cooldown ends at exactly now
        assert sm.can_show_proactive_with_reason("/a") == (True, "ok")
        sm.transition_to(S.REACTIVE_ASSISTANCE)
        assert sm.can_show_proactive_with_reason("/a") == (False, "wrong_state")
        assert sm.can_show_proactive() is False

    def test_conservative_cooldown_ends_silently_at_its_expiry(
        self, clock: FakeClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        sm = AgentStateMachine(conservative_cooldown_s=100.0)
        sm.transition_to(S.CONSERVATIVE_ASSISTANCE)
        clock.advance(99.5)
        assert sm.can_show_proactive_with_reason() == (False, "conservative_cooldown")
        metrics = sm.session_metrics.to_dict()
        caplog.set_level(logging.DEBUG, logger=LOGGER)
        clock.advance(0.5)
        assert sm.can_show_proactive() is True
        assert sm.state is S.THINKING and sm.state_entered_at == clock.wall
        assert sm.session_metrics.to_dict() == metrics and caplog.records == []

    def test_empty_route_cooldown_is_stored_but_not_checked(self, clock: FakeClock) -> None:
        sm = AgentStateMachine()
        sm.set_route_cooldown("", 50)
        sm.set_flow_cooldown("", 50)
        assert sm.route_cooldowns == {"": clock.wall + 50} and sm.flow_cooldowns == {}
        assert sm.can_show_proactive() is True

    def test_state_dict_is_live(self, clock: FakeClock) -> None:
        sm = AgentStateMachine()
        view = sm.proactive_state_dict
        assert view == {
            "global_cooldown_until": 0.0,
            "route_cooldowns": {},
            "flow_cooldowns": {},
            "popup_active": False,
            "popup_active_since": 0.0,
        }
        sm.set_route_cooldown("/x", 1)
        assert view["route_cooldowns"] == {"/x": clock.wall + 1}
        clock.advance(3)
        sm.transition_to(S.PROACTIVE_ASSISTANCE)
        assert sm.proactive_state_dict["popup_active"] is True
        assert sm.proactive_state_dict["popup_active_since"] == clock.wall


class TestIdleExpiry:
    def test_boundary_is_inclusive_and_counts_from_state_entry(self, clock: FakeClock) -> None:
        sm = AgentStateMachine()
        sm.transition_to(S.PROACTIVE_ASSISTANCE)
        entered = sm.state_entered_at
        assert not proactive_idle_eligible(sm, entered + 9.99, 10)
        assert sm.expire_proactive_to_thinking_if_idle(entered + 9.99, 10) == ProactiveIdleExpiryResult(False, False)
        assert proactive_idle_eligible(sm, entered + 10, 10)
        assert sm.state is S.PROACTIVE_ASSISTANCE  # eligibility never mutates
        assert sm.expire_proactive_to_thinking_if_idle(entered + 10, 10) == ProactiveIdleExpiryResult(True, True)
        assert sm.state is S.THINKING
        assert not sm.expire_proactive_to_thinking_if_idle(entered + 100, 10)


class TestUserMessages:
    @pytest.mark.parametrize("state", list(S))
    def test_every_state_answers_the_user(self, state: AgentState, clock: FakeClock) -> None:
        sm = AgentStateMachine()
        if state is S.GUIDANCE_EXECUTION:
            sm.transition_to(S.REACTIVE_ASSISTANCE)
        if state is not S.THINKING:
            sm.transition_to(state)
        entered = sm.state_entered_at
        clock.advance(1)
        sm.enter_reactive_from_user_message()
        assert sm.state is S.REACTIVE_ASSISTANCE
        assert sm.state_entered_at == (entered if state is S.REACTIVE_ASSISTANCE else clock.wall)

    def test_a_refusal_is_logged_and_re_raised(
        self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        sm = AgentStateMachine()

        def refuse(*args: object, **kwargs: object) -> None:
            raise InvalidTransitionError("nope")

        monkeypatch.setattr(sm, "transition_to", refuse)
        caplog.set_level(logging.WARNING, logger=LOGGER)
        with pytest.raises(InvalidTransitionError, match="nope"):
            sm.enter_reactive_from_user_message(reason="hi")
        [record] = caplog.records
        assert record.levelno == logging.WARNING
        assert record.operation == "enter_reactive_from_user_message"  # type: ignore[attr-defined]
        assert record.event_type == "agent_state_transition_rejected"  # type: ignore[attr-defined]
        assert (record.from_state, record.to_state) == ("thinking", "reactive_assistance")  # type: ignore[attr-defined]


class TestTasks:
    def test_start_restart_complete_abandon(self, clock: FakeClock) -> None:
        sm = AgentStateMachine()
        task = sm.start_task("f", "Flow", 3)
        assert task == TaskProgress("f", "Flow", clock.wall, 3)
        sm.record_step_completion("f", 1)
        sm.record_step_completion("f", 0)
        assert (task.current_step_index, task.steps_completed) == (0, 2)
        assert sm.record_deviation("f", 0.1) is True and sm.record_deviation("f", 0.3) is False
        assert sm.record_deviation("nope", 0.0) is False
        sm.abandon_task("f")
        assert task.abandoned and sm.session_metrics.tasks_abandoned == {"f"} and sm.state is S.THINKING
        clock.advance(5)
        again = sm.start_task("f", "Renamed", 9)
        assert again is task
        assert (task.attempts, task.flow_name, task.total_steps, task.started_at) == (2, "Flow", 3, clock.wall)
        assert (task.steps_completed, task.current_step_index, task.deviation_count, task.abandoned) == (0, 0, 0, False)
        sm.complete_task("f")
        assert task.completed and task.steps_completed == 3 and sm.session_metrics.tasks_completed == {"f"}
        assert sm.session_metrics.tasks_attempted == {"f"}
        sm.abandon_task("unknown")
        sm.record_step_completion("unknown", 3)

    def test_completing_in_guidance_returns_to_thinking_directly(
        self, clock: FakeClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        sm = AgentStateMachine()
        sm.transition_to(S.REACTIVE_ASSISTANCE)
        sm.transition_to(S.GUIDANCE_EXECUTION, task=sm.start_task("f", "F", 2), instructions=[{"a": 1}])
        clock.advance(2)
        caplog.set_level(logging.DEBUG, logger=LOGGER)
        sm.complete_task("unknown-" + "x" * 100)
        assert sm.state is S.THINKING and sm.state_entered_at == clock.wall
        assert sm.active_guidance_flow_id is None and sm.active_guidance_instructions == []
        [record] = caplog.records
        assert record.event_type == "agent_state_transition_complete_task"  # type: ignore[attr-defined]
        assert record.flow_id == ("unknown-" + "x" * 100)[:80]  # type: ignore[attr-defined]

    def test_session_snapshot(self, clock: FakeClock) -> None:
        sm = AgentStateMachine()
        task = sm.start_task("f", "Flow", 4)
        task.best_nw_score = 0.12345
        sm.record_step_completion("f", 1)
        assert sm.get_session_snapshot() == {
            "tasks": [
                {
                    "flow_id": "f",
                    "flow_name": "Flow",
                    "completed": False,
                    "abandoned": False,
                    "steps_completed": 2,
                    "total_steps": 4,
                    "best_nw_score": 0.123,
                    "attempts": 1,
                    "guidance_engaged": False,
                    "score": 0.123,
                    "matched_steps": 2,
                    "name": "Flow",
                }
            ],
            "proactive_shown": 0,
            "guidance_accepted": 0,
            "dismissals": 0,
            "last_state": "thinking",
            "last_active_flow": None,
        }


class TestValueTypes:
    def test_task_progress_round_trip_and_coercion(self) -> None:
        task = TaskProgress("f", "F", 1.5, 3, attempts=2, completed=True)
        data = task.to_dict()
        assert list(data) == [
            "flow_id",
            "flow_name",
            "started_at",
            "total_steps",
            "steps_completed",
            "current_step_index",
            "best_nw_score",
            "attempts",
            "guidance_engaged",
            "abandoned",
            "completed",
            "deviation_count",
        ]
        assert TaskProgress.from_dict({**data, "extra": 1}) == task
        coerced = TaskProgress.from_dict({"flow_id": 7, "flow_name": None, "started_at": "2", "total_steps": "3"})
        assert coerced == TaskProgress("7", "None", 2.0, 3)
        with pytest.raises(KeyError):
            TaskProgress.from_dict({"flow_id": "f", "flow_name": "F", "started_at": 1})

    def test_session_metrics_sorted_lists(self) -> None:
        metrics = SessionMetrics(tasks_attempted={"b", "a"}, dismissal_count=2)
        data = metrics.to_dict()
        assert data["tasks_attempted"] == ["a", "b"] and data["tasks_completed"] == []
        assert SessionMetrics.from_dict(data) == metrics
        assert SessionMetrics.from_dict({"tasks_completed": None, "dismissal_count": "4"}) == SessionMetrics(
            dismissal_count=4
        )
        assert SessionMetrics().tasks_attempted is not SessionMetrics().tasks_attempted


class TestSnapshots:
    def busy(self, clock: FakeClock) -> AgentStateMachine:
        sm = AgentStateMachine(base_threshold=0.45, max_tasks=5)
        sm.set_route_cooldown("/r", 30)
        sm.set_flow_cooldown("fl", 40)
        sm.transition_to(S.REACTIVE_ASSISTANCE)
        task = sm.start_task("f", "F", 3)
        sm.transition_to(S.GUIDANCE_EXECUTION, task=task, instructions=[{"i": 1}])
        sm.transition_on_disengagement()
        clock.advance(4)
        return sm

    def test_keys_in_order_and_json_round_trip(self, clock: FakeClock) -> None:
        sm = self.busy(clock)
        snapshot = sm.to_snapshot()
        assert list(snapshot) == [
            "_v",
            "state",
            "state_entered_at",
            "base_threshold",
            "current_threshold",
            "max_tasks",
            "dismissed_count_session",
            "active_guidance_flow_id",
            "active_guidance_instructions",
            "active_tasks",
            "session_metrics",
            "conservative_cooldown_s",
            "threshold_boost",
            "conservative_cooldown_until",
            "deviation_threshold",
            "route_cooldowns",
            "flow_cooldowns",
        ]
        assert snapshot["_v"] == 1 and snapshot["state"] == "conservative_assistance"
        restored = AgentStateMachine.from_snapshot(json.loads(json.dumps(snapshot)))
        assert restored.to_snapshot() == snapshot
        assert restored.state is S.CONSERVATIVE_ASSISTANCE
        snapshot["route_cooldowns"]["/r"] = 0.0
        assert sm.route_cooldowns["/r"] != 0.0  # the snapshot is a copy

    @pytest.mark.parametrize(
        ("data", "message", "event"),
        [
            ([], "Snapshot must be a dict.", "agent_states_snapshot_invalid"),
            ({"_v": 2}, "Unsupported snapshot _v=2; expected 1.", "agent_states_snapshot_unsupported_version"),
            ({}, "Unsupported snapshot _v=None; expected 1.", "agent_states_snapshot_unsupported_version"),
            ({"_v": 1}, "Invalid state: 'state'", "agent_states_snapshot_invalid"),
            (
                {"_v": 1, "state": "gone"},
                "Invalid state: 'gone' is not a valid AgentState",
                "agent_states_snapshot_invalid",
            ),
        ],
    )
    def test_invalid_snapshots(self, data: object, message: str, event: str, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.WARNING, logger=LOGGER)
        with pytest.raises(InvalidSnapshotError) as info:
            AgentStateMachine.from_snapshot(data)
        assert str(info.value) == message
        [record] = caplog.records
        assert record.levelno == logging.WARNING and record.event_type == event  # type: ignore[attr-defined]
        if isinstance(data, list):
            assert record.value_type == "list"  # type: ignore[attr-defined]
        elif "state" in message:
            assert isinstance(info.value.__cause__, (KeyError, ValueError)) and record.exc_info
        else:
            assert (record.snapshot_v, record.expected_v) == (data.get("_v"), 1)  # type: ignore[attr-defined,union-attr]

    def test_minimal_snapshot_takes_defaults(self, clock: FakeClock) -> None:
        sm = AgentStateMachine.from_snapshot({"_v": 1, "state": "proactive_assistance"})
        assert sm.to_snapshot() == {
            **AgentStateMachine().to_snapshot(),
            "state": "proactive_assistance",
        }

    def test_bad_rows_are_skipped(self, caplog: pytest.LogCaptureFixture) -> None:
        good = TaskProgress("g", "G", 1.0, 2).to_dict()
        caplog.set_level(logging.WARNING, logger=LOGGER)
        sm = AgentStateMachine.from_snapshot(
            {
                "_v": 1,
                "state": "thinking",
                "active_tasks": {1: good, "row": "not a dict", "bad": {"flow_id": "b"}},
                "active_guidance_instructions": [{"a": 1}, "junk", 3],
                "route_cooldowns": None,
            }
        )
        assert list(sm.active_tasks) == ["1"] and sm.active_tasks["1"] == TaskProgress("g", "G", 1.0, 2)
        assert sm.active_guidance_instructions == [{"a": 1}]
        assert sm.route_cooldowns == {}
        [record] = caplog.records
        assert record.event_type == "agent_states_snapshot_task_skipped"  # type: ignore[attr-defined]
        assert record.task_id_preview == "bad"  # type: ignore[attr-defined]

    def test_coercion_errors_propagate(self) -> None:
        with pytest.raises(ValueError):
            AgentStateMachine.from_snapshot({"_v": 1, "state": "thinking", "base_threshold": "high"})
