"""LLM-judge helpers: partition results, parse the judge's JSON verdict, turn it into a result.

A trigger result whose ``metadata["triggering_type"]`` is ``"instant_trigger"`` may be delivered
as is; any other result is *gated*: a model judges the moment first.  :func:`parse_llm_judge_json`
reads that model's raw text and never raises; :func:`judge_result_to_proactive_trigger_result`
returns the result to deliver, or ``None``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from autoplay_sdk.proactive.triggers.types import (
    DEFAULT_COOLDOWN_S,
    DEFAULT_INTERACTION_TIMEOUT_S,
    PROACTIVE_BODY_MAX_CHARS,
    ProactiveTriggerResult,
)

__all__ = [
    "META_JUDGE_REASONING",
    "META_JUDGE_SCHEMA_VERSION",
    "META_PROACTIVE_INTENT",
    "META_PROACTIVE_VALID_TIMING",
    "META_TRIGGERING_TYPE",
    "TRIGGERING_TYPE_INSTANT",
    "TRIGGERING_TYPE_LLM_JUDGE",
    "LlmJudgeResult",
    "ProactiveIntent",
    "attach_triggering_type",
    "judge_result_to_proactive_trigger_result",
    "parse_llm_judge_json",
    "partition_results_by_triggering_type",
    "should_deliver_after_judge",
    "validate_or_truncate_proactive_body",
]

META_TRIGGERING_TYPE = "triggering_type"
META_PROACTIVE_VALID_TIMING = "proactive_valid_timing"
META_JUDGE_REASONING = "judge_reasoning"
META_PROACTIVE_INTENT = "proactive_intent"
META_JUDGE_SCHEMA_VERSION = "judge_schema_version"
TRIGGERING_TYPE_INSTANT = "instant_trigger"
TRIGGERING_TYPE_LLM_JUDGE = "llm_judge_validation"

ProactiveIntent = Literal["assist", "coaching_tip", "none"]
_INTENTS = ("assist", "coaching_tip", "none")

_LEADING_FENCE = re.compile(r"^\s*```(?:json)?\s*", re.IGNORECASE)
_TRAILING_FENCE = re.compile(r"```\s*$")


@dataclass(frozen=True)
class LlmJudgeResult:
    """The judge's verdict.  The defaults mean "do not send"."""

    schema_version: str = "1.0"
    send: bool = False
    proactive_valid_timing: bool = False
    short_user_message: str = ""
    reasoning: str = ""
    proactive_intent: str = "none"

    def to_metadata_fragment(self) -> dict[str, Any]:
        """The verdict as result metadata (``proactive_valid_timing``, ``judge_reasoning``, ...)."""
        return {
            META_PROACTIVE_VALID_TIMING: self.proactive_valid_timing,
            META_JUDGE_REASONING: self.reasoning,
            META_PROACTIVE_INTENT: self.proactive_intent,
            META_JUDGE_SCHEMA_VERSION: self.schema_version,
        }


def validate_or_truncate_proactive_body(text: str | None, *, max_chars: int = PROACTIVE_BODY_MAX_CHARS) -> str:
    """``text`` stripped; cut to ``max_chars`` (then right-stripped) when longer; ``""`` if falsy."""
    if not text:
        return ""
    t = text.strip()
    if len(t) <= max_chars:
        return t
    return t[:max_chars].rstrip()


def partition_results_by_triggering_type(
    results: Sequence[ProactiveTriggerResult],
) -> tuple[list[ProactiveTriggerResult], list[ProactiveTriggerResult]]:
    """``(instant, gated)``, each in the given order."""
    instant: list[ProactiveTriggerResult] = []
    gated: list[ProactiveTriggerResult] = []
    for r in results:
        (instant if r.metadata.get(META_TRIGGERING_TYPE) == TRIGGERING_TYPE_INSTANT else gated).append(r)
    return instant, gated


def should_deliver_after_judge(judge: LlmJudgeResult) -> bool:
    """True when the judge says send, says the timing is right, and gave a non-blank message."""
    return bool(
        judge.send and judge.proactive_valid_timing and validate_or_truncate_proactive_body(judge.short_user_message)
    )


def judge_result_to_proactive_trigger_result(
    judge: LlmJudgeResult,
    candidates: Sequence[ProactiveTriggerResult],
    *,
    primary_trigger_id: str | None = None,
) -> ProactiveTriggerResult | None:
    """The result to deliver after the judge, or ``None`` when it should not be delivered.

    The body is the judge's message; metadata is every candidate's (first occurrence of a key
    wins) overlaid with the verdict; labels and timings come from the first candidate.
    """
    if not should_deliver_after_judge(judge):
        return None
    first = candidates[0] if candidates else None
    trigger_id = primary_trigger_id or (first.trigger_id if first is not None else "llm_judge")
    metadata: dict[str, Any] = {}
    for candidate in candidates:
        for key, value in candidate.metadata.items():
            metadata.setdefault(key, value)
    metadata.update(judge.to_metadata_fragment())
    return ProactiveTriggerResult(
        trigger_id=trigger_id,
        body=validate_or_truncate_proactive_body(judge.short_user_message),
        reply_option_labels=first.reply_option_labels if first is not None else (),
        metadata=metadata,
        interaction_timeout_s=first.interaction_timeout_s if first is not None else DEFAULT_INTERACTION_TIMEOUT_S,
        cooldown_s=first.cooldown_s if first is not None else DEFAULT_COOLDOWN_S,
    )


def _text(data: dict[str, Any], key: str, default: str) -> str:
    value = data.get(key)
    return default if value is None else str(value).strip()


def parse_llm_judge_json(raw: str | None) -> LlmJudgeResult:
    """Parse a judge model's reply (optionally in a Markdown code fence).  Never raises.

    Empty text gives the default verdict; text that is not JSON gives
    ``reasoning="invalid_json_from_model"``, JSON that is not an object
    ``reasoning="judge_payload_not_object"``.  ``send`` and ``proactive_valid_timing`` count only
    as real booleans; the message is the first non-blank of ``short_user_message``,
    ``what_to_send`` and ``body``; an unknown ``proactive_intent`` becomes ``"none"``.
    """
    text = str(raw or "").strip()
    if not text:
        return LlmJudgeResult()
    text = _TRAILING_FENCE.sub("", _LEADING_FENCE.sub("", text, count=1), count=1).strip()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return LlmJudgeResult(reasoning="invalid_json_from_model")
    if not isinstance(data, dict):
        return LlmJudgeResult(reasoning="judge_payload_not_object")
    send = data.get("send")
    timing = data.get("proactive_valid_timing")
    message = ""
    for key in ("short_user_message", "what_to_send", "body"):
        message = _text(data, key, "")
        if message:
            break
    intent = _text(data, "proactive_intent", "none")
    return LlmJudgeResult(
        schema_version=_text(data, "schema_version", "1.0") or "1.0",
        send=send if isinstance(send, bool) else False,
        proactive_valid_timing=timing if isinstance(timing, bool) else False,
        short_user_message=message,
        reasoning=_text(data, "reasoning", ""),
        proactive_intent=intent if intent in _INTENTS else "none",
    )


def attach_triggering_type(result: ProactiveTriggerResult, triggering_type: str) -> ProactiveTriggerResult:
    """A copy of ``result`` with ``metadata["triggering_type"]`` set (overwritten)."""
    return replace(result, metadata={**result.metadata, META_TRIGGERING_TYPE: triggering_type})
