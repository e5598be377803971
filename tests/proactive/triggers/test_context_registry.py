"""Contexts from payloads (lookback, cap, scope), registry order, entities and predicate triggers."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from autoplay_sdk.proactive.triggers import (
    SCOPE_INVALID_EVENT,
    PredicateProactiveTrigger,
    ProactiveScope,
    ProactiveTriggerContext,
    ProactiveTriggerEntity,
    ProactiveTriggerRegistry,
    ProactiveTriggerResult,
    ProactiveTriggerTimings,
    ScopePolicy,
    build_proactive_context_from_payloads,
    default_proactive_trigger_registry,
)
from autoplay_sdk.proactive.triggers.scope import scope_presence_flags, validate_proactive_scope_fields

from ._helpers import act, payload


def _paths(c: ProactiveTriggerContext) -> list[str]:
    return [a.canonical_url.rsplit("/", 1)[-1] for a in c.recent_actions]


PAYLOADS = [
    payload(100.0, act("/a1"), act("/a2")),
    payload(150.0, act("/b1"), act("/b2"), act("/b3")),
    payload(200.0, act("/c1"), act("/c2")),
]


def test_lookback_keeps_payloads_at_or_after_the_cutoff() -> None:
    c = build_proactive_context_from_payloads(PAYLOADS, lookback_seconds=50, now=200, session_id="s", product_id="p")
    assert _paths(c) == ["b1", "b2", "b3", "c1", "c2"]
    c = build_proactive_context_from_payloads(
        PAYLOADS, lookback_seconds=None, now=10_000, session_id="s", product_id="p"
    )
    assert len(c.recent_actions) == 7


def test_cap_keeps_whole_newest_payloads_and_trims_the_first_overflow_to_its_tail() -> None:
    c = build_proactive_context_from_payloads(
        PAYLOADS, lookback_seconds=None, max_actions=4, session_id="s", product_id="p"
    )
    assert _paths(c) == ["b2", "b3", "c1", "c2"]
    c = build_proactive_context_from_payloads(
        PAYLOADS, lookback_seconds=None, max_actions=5, session_id="s", product_id="p"
    )
    assert _paths(c) == ["b1", "b2", "b3", "c1", "c2"]
    assert len(PAYLOADS[1].actions) == 3  # inputs untouched


def test_context_fields() -> None:
    c = ProactiveTriggerContext.from_slim_actions(
        [act("/a"), act("")], session_id="s", product_id="p", action_count=99, context_extra={"k": 1}
    )
    assert c.canonical_urls == ("https://app.example/a", None)
    assert c.action_count == 99
    assert c.context_extra == {"k": 1}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_actions": 0}, "max_actions must be >= 1 or None, got 0"),
        ({"lookback_seconds": 0}, "lookback_seconds must be > 0 or None, got 0"),
        ({"lookback_seconds": -1.5}, "lookback_seconds must be > 0 or None, got -1.5"),
    ],
)
def test_bad_context_arguments(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError) as err:
        ProactiveTriggerContext.from_actions_payloads(PAYLOADS, session_id="s", product_id="p", **kwargs)  # type: ignore[arg-type]
    assert str(err.value) == message


def test_strict_scope_logs_then_raises(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="autoplay_sdk.proactive.triggers.scope")
    with pytest.raises(ValueError, match=r"requires non-empty product_id \(ScopePolicy.STRICT\)"):
        ProactiveTriggerContext.from_actions_payloads(PAYLOADS, session_id="s", product_id=" ")
    (record,) = caplog.records
    assert record.getMessage().endswith("proactive trigger scope invalid")
    assert record.event == SCOPE_INVALID_EVENT  # type: ignore[attr-defined]
    assert record.scope_error == "missing_product_id"  # type: ignore[attr-defined]
    assert record.session_id_set is True  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="requires non-empty session_id"):
        validate_proactive_scope_fields(product_id="p", session_id="")
    with pytest.raises(ValueError, match="conversation_id when require_conversation=True"):
        validate_proactive_scope_fields(product_id="p", session_id="s", require_conversation=True)
    validate_proactive_scope_fields(product_id="", session_id="", policy=ScopePolicy.LENIENT)


def test_scope_helpers() -> None:
    assert scope_presence_flags(product_id="p", session_id=" ") == {
        "product_id_set": True,
        "session_id_set": False,
        "conversation_id_set": False,
    }
    assert ProactiveScope("p", "s", " c ").has_chat_surface()
    assert not ProactiveScope("p", "s", "  ").has_chat_surface()


def _pred(tid: str, fire: bool, calls: list[str]) -> PredicateProactiveTrigger:
    def predicate(_: ProactiveTriggerContext) -> bool:
        calls.append(tid)
        return fire

    return PredicateProactiveTrigger(trigger_id=tid, body=f"{tid} body", predicate=predicate)


def test_registry_first_stops_and_all_keeps_order() -> None:
    calls: list[str] = []
    registry = ProactiveTriggerRegistry([_pred("a", False, calls), _pred("b", True, calls), _pred("c", True, calls)])
    first = registry.evaluate_first(ProactiveTriggerContext())
    assert first is not None and first.trigger_id == "b"
    assert calls == ["a", "b"]
    assert [r.trigger_id for r in registry.evaluate_all(ProactiveTriggerContext())] == ["b", "c"]
    assert isinstance(registry.triggers, tuple)


def test_entity_timings_override_and_inner_triggering_type_wins() -> None:
    inner = PredicateProactiveTrigger(
        trigger_id="x", body="b", predicate=lambda c: True, metadata={"triggering_type": "mine"}
    )
    e = ProactiveTriggerEntity(inner, ProactiveTriggerTimings(5, 7), triggering_type="instant_trigger")
    r = e.evaluate(ProactiveTriggerContext())
    assert r is not None
    assert (r.interaction_timeout_s, r.cooldown_s) == (5, 7)
    assert r.metadata["triggering_type"] == "mine"
    plain = ProactiveTriggerEntity(PredicateProactiveTrigger(trigger_id="y", body="b", predicate=lambda c: True))
    assert plain.timings == ProactiveTriggerTimings(10.0, 30.0)
    r2 = plain.evaluate(ProactiveTriggerContext())
    assert r2 is not None and "triggering_type" not in r2.metadata
    assert (
        ProactiveTriggerEntity(PredicateProactiveTrigger(trigger_id="z", body="b", predicate=lambda c: False)).evaluate(
            ProactiveTriggerContext()
        )
        is None
    )


def test_predicate_trigger_metadata_rules() -> None:
    meta = {"a": 1}
    t = PredicateProactiveTrigger(
        trigger_id="t", body="b", predicate=lambda c: True, metadata=meta, reply_option_labels=["x"]
    )
    meta["a"] = 2  # copied at construction
    r = t.evaluate(ProactiveTriggerContext())
    assert r is not None and r.metadata == {"a": 1} and r.reply_option_labels == ("x",)
    t2 = PredicateProactiveTrigger(
        trigger_id="t", body="b", predicate=lambda c: True, metadata=meta, metadata_fn=lambda c: {"fn": c.session_id}
    )
    r2 = t2.evaluate(ProactiveTriggerContext(session_id="s9"))
    assert r2 is not None and r2.metadata == {"fn": "s9"}


def test_default_registry_is_ping_pong_alone_and_fresh_each_call() -> None:
    a, b = default_proactive_trigger_registry(), default_proactive_trigger_registry()
    assert a is not b
    (entity,) = a.triggers
    assert isinstance(entity, ProactiveTriggerEntity)
    assert entity.trigger_id == "canonical_url_ping_pong"
    r = entity.evaluate(ProactiveTriggerContext(canonical_urls=("/a", "/b", "/a")))
    assert r is not None
    assert (r.interaction_timeout_s, r.cooldown_s, r.metadata["triggering_type"]) == (
        10.0,
        30.0,
        "llm_judge_validation",
    )


def test_results_are_frozen_values() -> None:
    r = ProactiveTriggerResult("t", "b")
    with pytest.raises(AttributeError):
        r.body = "x"  # type: ignore[misc]
    assert replace(r, body="x").body == "x"
