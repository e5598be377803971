"""LLM-judge helpers: a corpus of realistic model outputs, property tests, and result assembly."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk.proactive.triggers import (
    LlmJudgeResult,
    ProactiveTriggerResult,
    attach_triggering_type,
    judge_result_to_proactive_trigger_result,
    parse_llm_judge_json,
    partition_results_by_triggering_type,
    should_deliver_after_judge,
    validate_or_truncate_proactive_body,
)

GOOD = {
    "send": True,
    "proactive_valid_timing": True,
    "short_user_message": "Want help connecting GitHub?",
    "reasoning": "User retried twice",
    "proactive_intent": "assist",
}

CORPUS: list[tuple[str, str | None, LlmJudgeResult]] = [
    ("none", None, LlmJudgeResult()),
    ("blank", "  \n ", LlmJudgeResult()),
    (
        "plain object",
        json.dumps(GOOD),
        LlmJudgeResult("1.0", True, True, "Want help connecting GitHub?", "User retried twice", "assist"),
    ),
    (
        "json fence",
        "```json\n" + json.dumps(GOOD) + "\n```",
        LlmJudgeResult("1.0", True, True, "Want help connecting GitHub?", "User retried twice", "assist"),
    ),
    (
        "JSON fence, upper case",
        "  ```JSON " + json.dumps(GOOD) + "```  ",
        LlmJudgeResult("1.0", True, True, "Want help connecting GitHub?", "User retried twice", "assist"),
    ),
    ("bare fence", '```\n{"send": true}\n```', LlmJudgeResult(send=True)),
    (
        "prose around JSON",
        "Sure! Here is my verdict: " + json.dumps(GOOD) + " Hope that helps.",
        LlmJudgeResult(reasoning="invalid_json_from_model"),
    ),
    ("truncated", '{"send": true, "short_user_', LlmJudgeResult(reasoning="invalid_json_from_model")),
    ("array", "[1, 2]", LlmJudgeResult(reasoning="judge_payload_not_object")),
    ("string", '"yes"', LlmJudgeResult(reasoning="judge_payload_not_object")),
    ("null", "null", LlmJudgeResult(reasoning="judge_payload_not_object")),
    (
        "stringly booleans",
        '{"send": "true", "proactive_valid_timing": 1, "short_user_message": "Hi"}',
        LlmJudgeResult(short_user_message="Hi"),
    ),
    (
        "fallback message keys",
        '{"short_user_message": "  ", "what_to_send": " Try this ", "body": "no"}',
        LlmJudgeResult(short_user_message="Try this"),
    ),
    ("body key", '{"body": "From body"}', LlmJudgeResult(short_user_message="From body")),
    (
        "null strings take defaults",
        '{"schema_version": null, "reasoning": null, "proactive_intent": null}',
        LlmJudgeResult(),
    ),
    ("blank schema version", '{"schema_version": "  "}', LlmJudgeResult()),
    (
        "numbers become text",
        '{"schema_version": 2, "reasoning": 3.5, "short_user_message": 42}',
        LlmJudgeResult(schema_version="2", reasoning="3.5", short_user_message="42"),
    ),
    ("unknown intent", '{"proactive_intent": "ASSIST"}', LlmJudgeResult()),
    ("intent is stripped", '{"proactive_intent": " coaching_tip "}', LlmJudgeResult(proactive_intent="coaching_tip")),
    ("missing keys", "{}", LlmJudgeResult()),
    (
        "nested junk",
        '{"send": {"really": true}, "short_user_message": ["a"]}',
        LlmJudgeResult(short_user_message="['a']"),
    ),
]


@pytest.mark.parametrize(("case", "raw", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_parse_llm_judge_json_corpus(case: str, raw: str | None, expected: LlmJudgeResult) -> None:
    assert parse_llm_judge_json(raw) == expected, case


def test_huge_strings_and_deep_nesting_do_not_raise() -> None:
    huge = json.dumps({**GOOD, "short_user_message": "x" * 1_000_000})
    parsed = parse_llm_judge_json(huge)
    assert len(parsed.short_user_message) == 1_000_000
    assert should_deliver_after_judge(parsed)
    r = judge_result_to_proactive_trigger_result(parsed, [])
    assert r is not None and r.body == "x" * 150
    assert parse_llm_judge_json("[" * 100_000 + "]" * 100_000).reasoning in (
        "invalid_json_from_model",
        "judge_payload_not_object",
    )
    assert parse_llm_judge_json('{"reasoning": ' + "9" * 10_000 + "}").reasoning == "invalid_json_from_model"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
judge_objects = st.fixed_dictionaries(
    {},
    optional={
        k: json_values | st.text()
        for k in (
            "send",
            "proactive_valid_timing",
            "short_user_message",
            "what_to_send",
            "body",
            "reasoning",
            "proactive_intent",
            "schema_version",
        )
    },
)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.builds(json.dumps, judge_objects),
        st.builds(json.dumps, json_values),
        st.builds(lambda s: f"```json\n{s}\n```", st.builds(json.dumps, judge_objects)),
    )
)
def test_parse_never_raises_and_always_gives_a_well_formed_verdict(raw: str) -> None:
    result = parse_llm_judge_json(raw)
    assert isinstance(result.send, bool) and isinstance(result.proactive_valid_timing, bool)
    assert result.proactive_intent in ("assist", "coaching_tip", "none")
    assert result.schema_version
    assert result.short_user_message == result.short_user_message.strip()
    delivered = judge_result_to_proactive_trigger_result(result, [])
    assert (delivered is not None) == should_deliver_after_judge(result)


@settings(max_examples=100, deadline=None)
@given(judge_objects)
def test_parse_reads_real_booleans_only(obj: dict[str, object]) -> None:
    result = parse_llm_judge_json(json.dumps(obj))
    assert result.send is (obj.get("send") is True)
    assert result.proactive_valid_timing is (obj.get("proactive_valid_timing") is True)


@pytest.mark.parametrize(
    ("text", "max_chars", "expected"),
    [(None, 150, ""), ("", 150, ""), ("  hi  ", 150, "hi"), ("abc de", 4, "abc"), ("x" * 151, 150, "x" * 150)],
)
def test_validate_or_truncate(text: str | None, max_chars: int, expected: str) -> None:
    assert validate_or_truncate_proactive_body(text, max_chars=max_chars) == expected


@pytest.mark.parametrize(
    ("judge", "deliver"),
    [
        (LlmJudgeResult(send=True, proactive_valid_timing=True, short_user_message="Hi"), True),
        (LlmJudgeResult(send=True, proactive_valid_timing=False, short_user_message="Hi"), False),
        (LlmJudgeResult(send=False, proactive_valid_timing=True, short_user_message="Hi"), False),
        (LlmJudgeResult(send=True, proactive_valid_timing=True, short_user_message="   "), False),
    ],
)
def test_should_deliver_after_judge(judge: LlmJudgeResult, deliver: bool) -> None:
    assert should_deliver_after_judge(judge) is deliver


def test_partition_and_attach() -> None:
    a = attach_triggering_type(ProactiveTriggerResult("a", "b", metadata={"triggering_type": "x"}), "instant_trigger")
    b = ProactiveTriggerResult("b", "b", metadata={"triggering_type": "llm_judge_validation"})
    c = ProactiveTriggerResult("c", "b")
    assert partition_results_by_triggering_type([b, a, c]) == ([a], [b, c])


def test_judge_result_to_trigger_result_merges_candidates() -> None:
    verdict = LlmJudgeResult("1.1", True, True, "  Need a hand? ", "bounced", "assist")
    first = ProactiveTriggerResult("pp", "x", ("Yes", "No"), {"min_cycles": 1, "shared": "first"}, 12.0, 40.0)
    second = ProactiveTriggerResult("dwell", "y", (), {"shared": "second", "user_page_dwell_seconds": 70})
    r = judge_result_to_proactive_trigger_result(verdict, [first, second])
    assert r == ProactiveTriggerResult(
        "pp",
        "Need a hand?",
        ("Yes", "No"),
        {
            "min_cycles": 1,
            "shared": "first",
            "user_page_dwell_seconds": 70,
            "proactive_valid_timing": True,
            "judge_reasoning": "bounced",
            "proactive_intent": "assist",
            "judge_schema_version": "1.1",
        },
        12.0,
        40.0,
    )
    r2 = judge_result_to_proactive_trigger_result(verdict, [first], primary_trigger_id="mine")
    assert r2 is not None and r2.trigger_id == "mine"
    r3 = judge_result_to_proactive_trigger_result(verdict, [])
    assert r3 is not None and (
        r3.trigger_id,
        tuple(r3.reply_option_labels),
        r3.interaction_timeout_s,
        r3.cooldown_s,
    ) == ("llm_judge", (), 10.0, 30.0)
    assert judge_result_to_proactive_trigger_result(LlmJudgeResult(), [first]) is None
