"""The user-adoption prompts: exact placeholders, registry shape, PromptVoice parsing."""

from __future__ import annotations

import string

import pytest

import autoplay_sdk.prompts as prompts
from autoplay_sdk.prompts import user_adoption as ua
from autoplay_sdk.prompts.user_adoption import PromptVoice

_SUMMARY_KEYS = {
    "session_number", "duration_minutes", "journey_state", "mastery_level", "mastery_rating",
    "reached_onboarding_complete", "completion_rate", "completed_workflow_ids_json",
    "in_progress_workflow_ids_json", "untouched_workflow_ids_json", "discovered_features_json",
}  # fmt: skip
EXPECTED = {
    "ADOPTION_STATE_JUDGE_PROMPT": ("adoption_state_judge", "0.1", {"role", "user_activity_text", "signals_json"}),
    "TOUR_MATCH_PROMPT": (
        "tour_match",
        "0.1",
        {"role", "current_page", "conversation_history", "user_query", "tour_catalog_text"},
    ),
    "ONBOARDING_WELCOME_PROMPT": (
        "onboarding_welcome",
        "0.8",
        {
            "role",
            "role_label",
            "seconds_on_app",
            "distinct_features_seen",
            "proactive_support_count",
            "required_workflows_json",
            "completed_workflow_ids_json",
            "next_eligible_workflow_ids_json",
            "discovered_features_json",
            "recent_activity_text",
            "previous_session_summary",
            "voice_anchor_phrase",
            "workflow_example_a_name",
            "workflow_example_a_id",
            "workflow_example_b_name",
            "workflow_example_b_id",
            "path_to_language_examples_text",
            "previous_session_callback_example",
        },
    ),
    "ONBOARDING_FOLLOWUP_PROMPT": (
        "onboarding_followup",
        "0.7",
        {
            "role",
            "event",
            "abandoned_at_step",
            "just_completed_workflow_json",
            "required_workflows_json",
            "completed_workflow_ids_json",
            "outstanding_workflow_ids_json",
            "next_eligible_workflow_ids_json",
            "discovered_features_json",
            "recent_activity_text",
            "why_it_mattered_example",
        },
    ),
    "ONBOARDING_SUMMARY_PROMPT": ("onboarding_summary", "0.1", _SUMMARY_KEYS),
}


@pytest.mark.parametrize("constant", sorted(EXPECTED))
def test_placeholders_are_exact_and_the_template_formats(constant: str) -> None:
    prompt = getattr(ua, constant)
    name, version, fields = EXPECTED[constant]
    assert set(prompt) == {"name", "description", "version", "content"}
    assert (prompt["name"], prompt["version"]) == (name, version)
    found = {f for _, f, _, _ in string.Formatter().parse(prompt["content"]) if f is not None}
    assert found == fields
    filled = prompt["content"].format(**{f: f"<{f}>" for f in fields})
    assert "{{" not in filled and all(f"<{f}>" in filled for f in fields)


def test_names_importable_from_prompts_but_not_in_all() -> None:
    assert prompts.__all__ == [
        "INTERCOM_READABILITY_RULES",
        "READABILITY_RULES_FINGERPRINT",
        "RAG_SYSTEM_PROMPT",
        "REASONING_PROMPT",
        "RESPONSE_PROMPT",
        "RULES_VERSION",
    ]
    assert prompts.TOUR_MATCH_PROMPT is ua.TOUR_MATCH_PROMPT and prompts.PromptVoice is PromptVoice
    with pytest.raises(AttributeError):
        prompts.NOT_A_PROMPT  # noqa: B018


def test_prompt_voice() -> None:
    voice = PromptVoice()
    assert voice.render_path_examples() == '    "/dashboard" → "the dashboard"\n    "/settings" → "your settings"'
    assert PromptVoice(path_to_language_examples=()).render_path_examples() == "(no path translation hints provided)"
    assert PromptVoice.from_config(None) == voice and PromptVoice.from_config({"x": 1}) == voice
    custom = PromptVoice.from_config(
        {
            "voice_anchor_phrase": 7,
            "why_it_mattered_example": None,
            "path_to_language_examples": [["/b", "boards"], ["x"], 3],
        }
    )
    assert custom.voice_anchor_phrase == "7" and custom.why_it_mattered_example == voice.why_it_mattered_example
    assert custom.path_to_language_examples == (("/b", "boards"),)
    assert PromptVoice.from_config({"path_to_language_examples": [["x"]]}).path_to_language_examples == (
        voice.path_to_language_examples
    )
