"""The proactive copilot loop, driven payload by payload: both twins, one set of scenarios.

The session clock (``time.monotonic``, read by ``SessionState``) is moved by a fake that adds an
offset to the real one, so it only ever goes forward and the event loop is undisturbed.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from autoplay_sdk.agent_state.v2 import AgentStateV2
from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.proactive.copilot import (
    AsyncProactiveCopilot,
    CopilotOutcome,
    ProactiveCopilot,
    ProactiveDecision,
    default_copilot_registry,
    section_playbook_extra,
)
from autoplay_sdk.proactive.triggers import (
    PredicateProactiveTrigger,
    ProactiveTriggerContext,
    ProactiveTriggerResult,
    ScopePolicy,
)

from ._helpers import SECRET, AsyncGate, Delivered, Gate, payload, registry, when_url

KINDS = ("sync", "async")
JudgeFn = Callable[[ProactiveTriggerContext, Sequence[ProactiveTriggerResult]], str]


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = 0.0
        real = time.monotonic
        monkeypatch.setattr(time, "monotonic", lambda: real() + self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


class Twin:
    """One copilot of either kind behind awaitable calls."""

    def __init__(
        self, kind: str, on_proactive: Any, *, judge: JudgeFn | None = None, gate: Gate | None = None, **options: Any
    ) -> None:
        self.kind = kind
        if kind == "sync":
            self.copilot: Any = ProactiveCopilot(on_proactive, judge=judge, gate=gate, **options)
        else:
            async_judge = None
            if judge is not None:
                sync_judge = judge

                async def async_judge(ctx: ProactiveTriggerContext, cands: Sequence[ProactiveTriggerResult]) -> str:
                    return sync_judge(ctx, cands)

            self.copilot = AsyncProactiveCopilot(on_proactive, judge=async_judge, gate=gate, **options)

    async def actions(self, p: ActionsPayload) -> ProactiveDecision:
        r = self.copilot.on_actions(p)
        return await r if inspect.isawaitable(r) else r  # type: ignore[no-any-return]

    async def user(self, session_id: str) -> ProactiveDecision:
        r = self.copilot.on_user_message(session_id)
        return await r if inspect.isawaitable(r) else r  # type: ignore[no-any-return]


def gate_for(kind: str, **kw: Any) -> Gate:
    return Gate(**kw) if kind == "sync" else AsyncGate(**kw)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def approve(message: str = "Judge says hi") -> JudgeFn:
    def judge(ctx: ProactiveTriggerContext, cands: Sequence[ProactiveTriggerResult]) -> str:
        return (
            "```json\n"
            + json.dumps(
                {"send": True, "proactive_valid_timing": True, "short_user_message": message, "reasoning": "ok"}
            )
            + "\n```"
        )

    return judge


# --------------------------------------------------------------------------- the state machine


async def test_instant_offer_then_engaged_then_timeout_cooldown_then_again(kind: str, clock: Clock) -> None:
    delivered = Delivered()
    twin = Twin(kind, delivered, registry=registry(when_url("help", "/help", interaction_timeout_s=5, cooldown_s=20)))
    assert (await twin.actions(payload("s1", 100, "/a"))).outcome is CopilotOutcome.NO_TRIGGER
    first = await twin.actions(payload("s1", 101, "/help"))
    assert first.outcome is CopilotOutcome.DELIVERED and first.delivered
    assert delivered.sessions == ["s1"]
    assert delivered.calls[0][1].body == "help body"
    state = twin.copilot.session_state("s1")
    assert state.current_state is AgentStateV2.PROACTIVE
    assert (state.interaction_timeout_s, state.cooldown_period_s) == (5, 20)  # the result's timings
    assert (await twin.actions(payload("s1", 102, "/help"))).outcome is CopilotOutcome.ENGAGED

    clock.advance(5.5)
    twin.copilot.tick()  # idle past the 5 s timeout: back to THINKING, 20 s cooldown starts
    assert state.current_state is AgentStateV2.THINKING
    assert (await twin.actions(payload("s1", 110, "/help"))).outcome is CopilotOutcome.COOLDOWN
    clock.advance(20)
    assert (await twin.actions(payload("s1", 130, "/help"))).outcome is CopilotOutcome.DELIVERED
    assert delivered.sessions == ["s1", "s1"]
    assert twin.copilot.counts == {"no_trigger": 1, "delivered": 2, "engaged": 1, "cooldown": 1}


async def test_a_user_message_makes_the_session_reactive(kind: str, clock: Clock) -> None:
    delivered = Delivered()
    twin = Twin(kind, delivered, registry=registry(when_url("help", "/help")))
    assert (await twin.user("s1")).outcome is CopilotOutcome.REACTIVE
    assert twin.copilot.session_state("s1").current_state is AgentStateV2.REACTIVE
    assert (await twin.actions(payload("s1", 100, "/help"))).outcome is CopilotOutcome.ENGAGED
    await twin.user("s1")  # still REACTIVE: an interaction, not an error
    clock.advance(25)  # default SessionState timeout is 20 s
    twin.copilot.tick()
    assert twin.copilot.session_state("s1").current_state is AgentStateV2.THINKING
    assert delivered.calls == []


async def test_a_reply_to_a_proactive_message_keeps_it_open(kind: str, clock: Clock) -> None:
    twin = Twin(kind, Delivered(), registry=registry(when_url("help", "/help", interaction_timeout_s=10)))
    await twin.actions(payload("s1", 100, "/help"))
    clock.advance(8)
    await twin.user("s1")  # PROACTIVE: counts as an interaction, no error
    clock.advance(8)
    twin.copilot.tick()
    assert twin.copilot.session_state("s1").current_state is AgentStateV2.PROACTIVE


# --------------------------------------------------------------------------- judge


async def test_instant_wins_over_judged_and_the_judge_is_not_asked(kind: str) -> None:
    asked: list[Any] = []

    def judge(ctx: ProactiveTriggerContext, cands: Sequence[ProactiveTriggerResult]) -> str:
        asked.append(cands)
        return "{}"

    delivered = Delivered()
    reg = registry(when_url("judged", "/x", kind="llm_judge_validation"), when_url("instant", "/x"))
    twin = Twin(kind, delivered, judge=judge, registry=reg)
    decision = await twin.actions(payload("s1", 100, "/x"))
    assert decision.result is not None and decision.result.trigger_id == "instant"
    assert [c.trigger_id for c in decision.candidates] == ["instant", "judged"]
    assert asked == []


async def test_judge_approval_delivers_its_message_with_the_candidates_metadata(kind: str) -> None:
    seen: list[tuple[ProactiveTriggerContext, list[str]]] = []

    def judge(ctx: ProactiveTriggerContext, cands: Sequence[ProactiveTriggerResult]) -> str:
        seen.append((ctx, [c.trigger_id for c in cands]))
        return approve("  Stuck on billing? ")(ctx, cands)

    delivered = Delivered()
    twin = Twin(
        kind, delivered, judge=judge, registry=registry(when_url("judged", "/billing", kind="llm_judge_validation"))
    )
    decision = await twin.actions(payload("s1", 100, "/a", "/billing"))
    assert decision.outcome is CopilotOutcome.DELIVERED
    ((ctx, ids),) = seen
    assert ids == ["judged"]
    assert ctx.session_id == "s1" and ctx.product_id == "p1" and ctx.action_count == 2
    assert ctx.context_extra["eval_now"] == 100  # the payload's forwarded_at
    ((_, result),) = delivered.calls
    assert result.body == "Stuck on billing?"
    assert result.metadata["path"] == "/billing" and result.metadata["judge_reasoning"] == "ok"


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ('{"send": true, "proactive_valid_timing": false, "short_user_message": "hi"}', CopilotOutcome.JUDGE_DECLINED),
        ("I think you should send it!", CopilotOutcome.JUDGE_DECLINED),
        ("", CopilotOutcome.JUDGE_DECLINED),
        (None, CopilotOutcome.JUDGE_FAILED),  # the judge raises
    ],
)
async def test_judge_declines_or_fails_without_delivering(
    kind: str, reply: str | None, outcome: CopilotOutcome
) -> None:
    def judge(ctx: ProactiveTriggerContext, cands: Sequence[ProactiveTriggerResult]) -> str:
        if reply is None:
            raise TimeoutError("model timed out")
        return reply

    delivered = Delivered()
    twin = Twin(kind, delivered, judge=judge, registry=registry(when_url("j", "/x", kind="llm_judge_validation")))
    decision = await twin.actions(payload("s1", 100, "/x"))
    assert decision.outcome is outcome and not decision.delivered
    assert [c.trigger_id for c in decision.candidates] == ["j"]
    assert delivered.calls == []
    assert twin.copilot.session_state("s1").current_state is AgentStateV2.THINKING


async def test_without_a_judge_gated_results_are_delivered_unvalidated(kind: str) -> None:
    delivered = Delivered()
    twin = Twin(kind, delivered, registry=registry(when_url("j", "/x", kind="llm_judge_validation")))
    assert (await twin.actions(payload("s1", 100, "/x"))).delivered
    assert delivered.calls[0][1].body == "j body"


# --------------------------------------------------------------------------- gate and isolation


async def test_the_gate_refuses_and_hears_outcomes(kind: str) -> None:
    delivered = Delivered(fail_for={"s3"})
    gate = gate_for(kind, deny={"s2"})
    twin = Twin(kind, delivered, gate=gate, registry=registry(when_url("i", "/x")))
    assert (await twin.actions(payload("s1", 100, "/x", user_id="u1"))).outcome is CopilotOutcome.DELIVERED
    refused = await twin.actions(payload("s2", 100, "/x"))
    assert refused.outcome is CopilotOutcome.GATE_CLOSED and refused.result is not None
    assert refused.detail == "refused"
    assert twin.copilot.session_state("s2").current_state is AgentStateV2.THINKING
    assert (await twin.actions(payload("s3", 100, "/x"))).outcome is CopilotOutcome.CALLBACK_FAILED
    assert gate.asked == [("s1", "u1"), ("s2", None), ("s3", None)]
    assert gate.outcomes == ["success", "transport_error"]
    assert delivered.sessions == ["s1", "s3"]


async def test_a_gate_that_raises_counts_as_closed(kind: str) -> None:
    twin = Twin(kind, Delivered(), gate=gate_for(kind, raises=True), registry=registry(when_url("i", "/x")))
    decision = await twin.actions(payload("s1", 100, "/x"))
    assert decision.outcome is CopilotOutcome.GATE_CLOSED and decision.detail == "gate_error"


async def test_failures_stay_in_their_session_and_log_no_payload(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="autoplay_sdk")

    def explode(ctx: ProactiveTriggerContext) -> bool:
        if ctx.session_id == "bad":
            raise KeyError(SECRET)
        return True

    boom = PredicateProactiveTrigger(trigger_id="boom", body="b", predicate=explode)
    delivered = Delivered(fail_for={"s2"})
    twin = Twin(kind, delivered, registry=registry(boom))
    assert (await twin.actions(payload("bad", 100, "/x"))).outcome is CopilotOutcome.TRIGGER_FAILED
    assert (await twin.actions(payload("s2", 100, "/x"))).outcome is CopilotOutcome.CALLBACK_FAILED
    assert (await twin.actions(payload("s3", 100, "/x"))).outcome is CopilotOutcome.DELIVERED
    assert delivered.sessions == ["s2", "s3"]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.event for r in warnings] == [  # type: ignore[attr-defined]
        "proactive_copilot_trigger_evaluation_failed",
        "proactive_copilot_on_proactive_failed",
    ]
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert record.exc_info is None or SECRET not in str(record.exc_info[1]) or record.levelno < logging.WARNING


async def test_scope_and_missing_session(kind: str) -> None:
    dropped: list[dict[str, Any]] = []

    class Metrics:
        def record_event_dropped(self, **kw: Any) -> None:
            dropped.append(kw)

    twin = Twin(kind, Delivered(), registry=registry(when_url("i", "/x")), metrics=Metrics())
    assert (await twin.actions(payload(None, 100, "/x"))).outcome is CopilotOutcome.INVALID_SCOPE
    assert dropped == [
        {"reason": "proactive_no_session_id", "event_type": "actions", "session_id": None, "product_id": "p1"}
    ]
    assert (await twin.actions(payload("s1", 100, "/x", product_id=""))).outcome is CopilotOutcome.INVALID_SCOPE
    lenient = Twin(kind, Delivered(), registry=registry(when_url("i", "/x")), scope_policy=ScopePolicy.LENIENT)
    assert (await lenient.actions(payload("s1", 100, "/x", product_id=""))).delivered


# --------------------------------------------------------------------------- memory


async def test_memory_is_bounded_by_lookback_and_cap(kind: str) -> None:
    seen: list[int] = []

    def count(ctx: ProactiveTriggerContext) -> bool:
        seen.append(len(ctx.recent_actions))
        return False

    twin = Twin(
        kind,
        Delivered(),
        lookback_seconds=30,
        max_actions=5,
        registry=registry(PredicateProactiveTrigger(trigger_id="c", body="b", predicate=count)),
    )
    for i in range(50):
        await twin.actions(payload("s1", 100 + i, "/a", "/b"))
    kept = twin.copilot._core.sessions["s1"].payloads
    assert len(kept) == 3  # 2 + 2 + 2 actions cover the cap of 5
    assert seen[-1] == 5
    await twin.actions(payload("s1", 1000, "/c"))  # 850 s later: everything else is out of the lookback
    assert len(twin.copilot._core.sessions["s1"].payloads) == 1 and seen[-1] == 1


async def test_sessions_expire_and_are_capped(kind: str) -> None:
    now = [0.0]
    dropped: list[str] = []

    class Metrics:
        def record_event_dropped(self, *, reason: str, **kw: Any) -> None:
            dropped.append(reason)

    twin = Twin(
        kind,
        Delivered(),
        registry=registry(),
        session_ttl_s=60,
        max_sessions=3,
        clock=lambda: now[0],
        metrics=Metrics(),
    )
    for sid in ("a", "b", "c", "d"):
        await twin.actions(payload(sid, 100, "/x"))
    assert twin.copilot.session_count == 3 and twin.copilot.session_state("a") is None
    now[0] = 30.0
    await twin.actions(payload("b", 130, "/x"))
    now[0] = 61.0
    twin.copilot.tick()
    assert sorted(twin.copilot._core.sessions) == ["b"]
    assert dropped == ["proactive_session_evicted_capacity"] + ["proactive_session_expired"] * 2
    assert twin.copilot.counts["sessions_evicted"] == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lookback_seconds": 0}, "lookback_seconds must be a positive number or None, got 0"),
        ({"max_actions": -1}, "max_actions must be a positive number or None, got -1"),
        ({"session_ttl_s": None}, "session_ttl_s must be a positive number, got None"),
        ({"max_sessions": True}, "max_sessions must be a positive number, got True"),
        ({"tick_interval_s": 0}, "tick_interval_s must be a positive number, got 0"),
        ({"scope_policy": "strict"}, "scope_policy must be a ScopePolicy, got 'strict'"),
        ({"context_extra": 3}, "context_extra must be a mapping"),
    ],
)
def test_bad_options_name_the_parameter(kind: str, options: dict[str, Any], message: str) -> None:
    cls = ProactiveCopilot if kind == "sync" else AsyncProactiveCopilot
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        cls(lambda s, r: None, **options)
    with pytest.raises(ValueError, match="on_proactive must be callable"):
        cls("print")  # type: ignore[arg-type]


def test_the_twins_have_the_same_public_surface() -> None:
    def surface(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")} - {"start", "close", "aclose"}

    assert surface(ProactiveCopilot) == surface(AsyncProactiveCopilot)
    sync_params = inspect.signature(ProactiveCopilot).parameters
    async_params = inspect.signature(AsyncProactiveCopilot).parameters
    assert list(sync_params) == list(async_params)
    assert [p.default for p in sync_params.values()] == [p.default for p in async_params.values()]


def test_default_registry_is_the_whole_catalog_gated_by_the_judge() -> None:
    triggers = default_copilot_registry().triggers
    assert [t.trigger_id for t in triggers] == ["canonical_url_ping_pong", "user_page_dwell", "section_playbook_match"]
    assert ProactiveCopilot(lambda s, r: None).registry.triggers[0].trigger_id == "canonical_url_ping_pong"


async def test_context_extra_callable_and_section_playbook_helper(kind: str) -> None:
    extra = section_playbook_extra(
        rules=[{"prefix": "https://app.example/import", "section_id": "imp"}],
        playbook={"imp": {"body": "Need a hand importing?", "reply_option_labels": ["Yes", "No"]}},
        extra={"dwell_threshold_seconds": 0},
    )
    delivered = Delivered()
    twin = Twin(kind, delivered, context_extra=extra)  # the default registry: the whole catalog
    assert (await twin.actions(payload("s1", 100, "/home"))).outcome is CopilotOutcome.NO_TRIGGER
    decision = await twin.actions(payload("s1", 101, "/import/csv"))
    assert decision.delivered and decision.result is not None
    assert decision.result.trigger_id == "section_playbook_match"
    assert tuple(decision.result.reply_option_labels) == ("Yes", "No")


# --------------------------------------------------------------------------- concurrency and ticks


async def test_async_serialises_one_session_and_runs_others_in_parallel() -> None:
    release = asyncio.Event()
    judged: list[str] = []

    slow_started = asyncio.Event()

    async def judge(ctx: ProactiveTriggerContext, cands: Sequence[ProactiveTriggerResult]) -> str:
        judged.append(ctx.session_id)
        if ctx.session_id == "slow":
            slow_started.set()
            await release.wait()
        return approve()(ctx, cands)

    delivered = Delivered()
    copilot = AsyncProactiveCopilot(
        delivered, judge=judge, registry=registry(when_url("j", "/x", kind="llm_judge_validation"))
    )
    slow_1 = asyncio.ensure_future(copilot.on_actions(payload("slow", 100, "/x")))
    slow_2 = asyncio.ensure_future(copilot.on_actions(payload("slow", 101, "/x")))
    await slow_started.wait()
    fast = await copilot.on_actions(payload("fast", 100, "/x"))  # not held up by the slow session
    assert fast.delivered and judged == ["slow", "fast"]
    release.set()
    first, second = await asyncio.gather(slow_1, slow_2)
    assert first.delivered and second.outcome is CopilotOutcome.ENGAGED  # judged once, not twice
    assert judged == ["slow", "fast"]


async def test_async_context_manager_ticks_in_the_background(clock: Clock) -> None:
    ticked = asyncio.Event()

    class Copilot(AsyncProactiveCopilot):
        def tick(self) -> None:
            super().tick()
            ticked.set()

    copilot = Copilot(
        Delivered(), registry=registry(when_url("i", "/x", interaction_timeout_s=1)), tick_interval_s=0.01
    )
    async with copilot:
        await copilot.on_actions(payload("s1", 100, "/x"))
        clock.advance(2)
        ticked.clear()
        await asyncio.wait_for(ticked.wait(), 10)
        assert copilot.session_state("s1").current_state is AgentStateV2.THINKING  # type: ignore[union-attr]
    assert copilot._ticker is None


def test_sync_context_manager_ticks_on_a_thread(clock: Clock) -> None:
    import threading

    ticked = threading.Event()

    class Copilot(ProactiveCopilot):
        def tick(self) -> None:
            super().tick()
            ticked.set()

    with Copilot(
        Delivered(), registry=registry(when_url("i", "/x", interaction_timeout_s=1)), tick_interval_s=0.01
    ) as copilot:
        copilot.on_actions(payload("s1", 100, "/x"))
        clock.advance(2)
        ticked.clear()
        assert ticked.wait(10)
        assert copilot.session_state("s1").current_state is AgentStateV2.THINKING  # type: ignore[union-attr]
    assert copilot._ticker is None


# --------------------------------------------------------------------------- the resilience gate


def resilience_gate(**circuit: Any) -> Any:
    from autoplay_sdk.proactive.resilience import (
        CircuitBreakerConfig,
        ProactiveResilienceConfig,
        ProactiveResilienceKeySpace,
    )
    from autoplay_sdk.proactive.resilience.gate import ProactiveDeliveryGate
    from autoplay_sdk.proactive.resilience.stores import InMemoryProactiveResilienceStore

    config = ProactiveResilienceConfig(circuit=CircuitBreakerConfig(**circuit))
    return ProactiveDeliveryGate(
        InMemoryProactiveResilienceStore(), config, ProactiveResilienceKeySpace("intercom", "p1")
    )


async def test_the_resilience_gate_enforces_the_min_interval(clock: Clock) -> None:
    delivered = Delivered()
    copilot = AsyncProactiveCopilot(
        delivered, gate=resilience_gate(), registry=registry(when_url("i", "/x", interaction_timeout_s=1, cooldown_s=1))
    )
    assert (await copilot.on_actions(payload("s1", 100, "/x"))).delivered
    clock.advance(5)
    copilot.tick()  # PROACTIVE times out; the 1 s cooldown starts now
    clock.advance(2)
    refused = await copilot.on_actions(payload("s1", 110, "/x"))
    assert refused.outcome is CopilotOutcome.GATE_CLOSED and refused.detail == "min_interval"
    assert copilot.session_state("s1").current_state is AgentStateV2.THINKING  # type: ignore[union-attr]
    assert (await copilot.on_actions(payload("s2", 110, "/x"))).delivered  # the interval is per session
    assert delivered.sessions == ["s1", "s2"]


async def test_failing_deliveries_open_the_circuit_for_every_session() -> None:
    delivered = Delivered(fail_for={"a", "b"})
    copilot = AsyncProactiveCopilot(
        delivered, gate=resilience_gate(failure_threshold=2, pause_s=60), registry=registry(when_url("i", "/x"))
    )
    assert (await copilot.on_actions(payload("a", 100, "/x"))).outcome is CopilotOutcome.CALLBACK_FAILED
    assert (await copilot.on_actions(payload("b", 100, "/x"))).outcome is CopilotOutcome.CALLBACK_FAILED
    refused = await copilot.on_actions(payload("c", 100, "/x"))
    assert refused.outcome is CopilotOutcome.GATE_CLOSED and refused.detail == "circuit_open"
    assert delivered.sessions == ["a", "b"]


async def test_a_user_message_while_the_judge_runs_wins() -> None:
    judging = asyncio.Event()
    release = asyncio.Event()

    async def judge(ctx: ProactiveTriggerContext, cands: Sequence[ProactiveTriggerResult]) -> str:
        judging.set()
        await release.wait()
        return approve()(ctx, cands)

    delivered = Delivered()
    copilot = AsyncProactiveCopilot(
        delivered, judge=judge, registry=registry(when_url("j", "/x", kind="llm_judge_validation"))
    )
    pending = asyncio.ensure_future(copilot.on_actions(payload("s1", 100, "/x")))
    await judging.wait()
    assert (await copilot.on_user_message("s1")).outcome is CopilotOutcome.REACTIVE
    release.set()
    decision = await pending
    assert decision.outcome is CopilotOutcome.ENGAGED and decision.result is not None
    assert delivered.calls == []
    assert copilot.session_state("s1").current_state is AgentStateV2.REACTIVE  # type: ignore[union-attr]
    assert (await copilot.on_user_message(" ")).outcome is CopilotOutcome.INVALID_SCOPE


async def test_wrong_typed_wire_fields_do_not_poison_the_session(kind: str) -> None:
    delivered = Delivered()
    twin = Twin(kind, delivered, registry=registry(when_url("i", "/help")), clock=lambda: 5_000.0)
    odd = payload("s1", 100, "/a")
    odd.forwarded_at = "soon"  # type: ignore[assignment]  # from_dict passes truthy wire values through
    assert (await twin.actions(odd)).outcome is CopilotOutcome.NO_TRIGGER
    assert odd.forwarded_at == "soon"  # the caller's payload is untouched
    no_time = payload("s1", 0, "/b")  # forwarded_at 0.0: stamped with the clock
    assert (await twin.actions(no_time)).outcome is CopilotOutcome.NO_TRIGGER
    assert (await twin.actions(payload("s1", 5_001, "/help"))).delivered
    weird_product = payload("s2", 100, "/help", product_id=7)  # type: ignore[arg-type]
    assert (await twin.actions(weird_product)).outcome is CopilotOutcome.INVALID_SCOPE
    weird_session = payload("x", 100, "/help")
    weird_session.session_id = 42  # type: ignore[assignment]
    assert (await twin.actions(weird_session)).outcome is CopilotOutcome.INVALID_SCOPE
