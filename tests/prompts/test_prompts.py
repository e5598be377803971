"""Prompt constants: registry metadata, exact placeholder sets, section order and invariants (spec 03 §6).

The wording is ours; these golden tests pin what users and the formatters rely on: names, versions,
descriptions, placeholders, the order of the sections, the literal markers and the routing JSON.
"""

from __future__ import annotations

import json
import string

import pytest

import autoplay_sdk
import autoplay_sdk.prompts as prompts
from autoplay_sdk.prompts import adoption_copilot, intercom_readability
from autoplay_sdk.prompts.adoption_copilot import RAG_SYSTEM_PROMPT, REASONING_PROMPT, RESPONSE_PROMPT
from autoplay_sdk.prompts.intercom_readability import (
    INTERCOM_READABILITY_RULES,
    READABILITY_RULES_FINGERPRINT,
    RULES_VERSION,
)

RAG_FIELDS = [
    "user_question",
    "first_question",
    "selected_task_context",
    "conversation_history",
    "reasoning_intent",
    "reasoning_sources",
    "reasoning_explanation",
    "selected_context",
]
REASONING_FIELDS = [
    "user_question",
    "first_question",
    "conversation_history",
    "ui_actions_preview",
    "kb_articles_preview",
    "past_session_preview",
    "task_analysis_preview",
    "matched_actions_preview",
    "selected_task_preview",
]
RESPONSE_FIELDS = ["company_overview", "terra_catalog", "ai_input_summary", "past_session_context", "user_question"]
SOURCE_KEYS = [
    "ui_actions",
    "kb_articles",
    "conversation_history",
    "past_session_memory",
    "task_analysis",
    "matched_actions",
    "terra_task",
]
CLARIFY_LINE = "I just need a quick clarification before guiding you:"


def fields_in_order(template: str) -> list[str]:
    """Replacement fields in order of appearance; fails on positional, attribute, index, spec or conversion."""
    found: list[str] = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        assert name.isidentifier(), f"not a plain named field: {name!r}"
        assert not spec and conversion is None, name
        found.append(name)
    return found


def filled(template: str) -> str:
    """The template with every field replaced by ``<name>``."""
    return template.format(**{name: f"<{name}>" for name in fields_in_order(template)})


def assert_in_order(text: str, anchors: list[str]) -> None:
    position = -1
    for anchor in anchors:
        found = text.find(anchor, position + 1)
        assert found > position, f"{anchor!r} missing or out of order"
        position = found


# -- package surface ----------------------------------------------------------------------------


def test_all_lists() -> None:
    assert prompts.__all__ == [
        "INTERCOM_READABILITY_RULES",
        "READABILITY_RULES_FINGERPRINT",
        "RAG_SYSTEM_PROMPT",
        "REASONING_PROMPT",
        "RESPONSE_PROMPT",
        "RULES_VERSION",
    ]
    assert intercom_readability.__all__ == [
        "INTERCOM_READABILITY_RULES",
        "READABILITY_RULES_FINGERPRINT",
        "RULES_VERSION",
    ]
    assert not hasattr(adoption_copilot, "__all__")
    assert adoption_copilot.INTERCOM_READABILITY_RULES is INTERCOM_READABILITY_RULES


def test_package_reexports_are_the_same_objects() -> None:
    assert prompts.RAG_SYSTEM_PROMPT is RAG_SYSTEM_PROMPT
    assert prompts.REASONING_PROMPT is REASONING_PROMPT
    assert prompts.RESPONSE_PROMPT is RESPONSE_PROMPT
    assert prompts.INTERCOM_READABILITY_RULES is INTERCOM_READABILITY_RULES
    assert prompts.READABILITY_RULES_FINGERPRINT is READABILITY_RULES_FINGERPRINT
    assert prompts.RULES_VERSION is RULES_VERSION


@pytest.mark.skipif(
    "RAG_SYSTEM_PROMPT" not in getattr(autoplay_sdk, "__all__", []),
    reason="root re-exports of autoplay_sdk.prompts not wired into autoplay_sdk/__init__.py yet",
)
def test_root_reexports_only_the_three_templates() -> None:
    for name in ("RAG_SYSTEM_PROMPT", "REASONING_PROMPT", "RESPONSE_PROMPT"):
        assert name in autoplay_sdk.__all__
        assert getattr(autoplay_sdk, name) is getattr(prompts, name)
    for name in ("INTERCOM_READABILITY_RULES", "READABILITY_RULES_FINGERPRINT", "RULES_VERSION"):
        assert name not in autoplay_sdk.__all__
        assert not hasattr(autoplay_sdk, name)


# -- intercom_readability -----------------------------------------------------------------------


def test_readability_constants() -> None:
    assert RULES_VERSION == "1.0"
    assert READABILITY_RULES_FINGERPRINT == "Plain English \u2014 reply readability"
    assert INTERCOM_READABILITY_RULES.startswith(READABILITY_RULES_FINGERPRINT + ":\n\n")


def test_readability_rules_are_safe_to_embed_in_format_templates() -> None:
    assert "{" not in INTERCOM_READABILITY_RULES and "}" not in INTERCOM_READABILITY_RULES
    assert not INTERCOM_READABILITY_RULES.endswith("\n")
    assert INTERCOM_READABILITY_RULES.strip() == INTERCOM_READABILITY_RULES


def test_readability_topics_in_order() -> None:
    assert_in_order(
        INTERCOM_READABILITY_RULES,
        [
            READABILITY_RULES_FINGERPRINT,
            "\nStructure \u2014 lists over walls of text:\n",
            "1. 2. 3.",
            "\nEmojis \u2014 engagement without clutter:\n",
            "\nIntercom Messenger formatting (limited Markdown-style parser):\n",
            "**bold**",
        ],
    )


# -- registry dicts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "name", "version", "description"),
    [
        (
            RAG_SYSTEM_PROMPT,
            "rag_system_response",
            "1.2",
            "Call 2 Adoption Copilot system template \u2014 Intercom formatting, task/UI/KB rules, "
            "optional routing placeholders.",
        ),
        (
            REASONING_PROMPT,
            "rag_reasoning_router",
            "1.0",
            "Call 1 JSON routing \u2014 selects sources (ui_actions, kb_articles, \u2026) for the response agent.",
        ),
        (
            RESPONSE_PROMPT,
            "response_simple",
            "1.2",
            "Fallback UX assistant prompt \u2014 company overview, TERRA catalog, recent actions, "
            "optional past session, user question.",
        ),
    ],
    ids=["rag", "reasoning", "response"],
)
def test_registry_metadata(prompt: dict[str, str], name: str, version: str, description: str) -> None:
    assert list(prompt) == ["name", "description", "version", "content"]
    assert (prompt["name"], prompt["version"], prompt["description"]) == (name, version, description)
    assert isinstance(prompt["content"], str)


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [(RAG_SYSTEM_PROMPT, RAG_FIELDS), (REASONING_PROMPT, REASONING_FIELDS), (RESPONSE_PROMPT, RESPONSE_FIELDS)],
    ids=["rag", "reasoning", "response"],
)
def test_placeholders_are_exactly_the_documented_names(prompt: dict[str, str], expected: list[str]) -> None:
    found = fields_in_order(prompt["content"])
    assert set(found) == set(expected)
    # Order of first appearance follows the documented section order.
    assert list(dict.fromkeys(found)) == expected


# -- RAG_SYSTEM_PROMPT --------------------------------------------------------------------------


def test_rag_system_prompt_invariants() -> None:
    content = RAG_SYSTEM_PROMPT["content"]
    assert INTERCOM_READABILITY_RULES in content
    assert "Maximum 150 words" in content
    assert "[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]" in content
    assert "[RECENT PRODUCT ACTIVITY]" in content
    assert "{{" not in content and "}}" not in content


def test_rag_system_prompt_sections_in_order() -> None:
    text = filled(RAG_SYSTEM_PROMPT["content"])
    assert_in_order(
        text,
        [
            '"<user_question>"',
            '"<first_question>"',
            "\n\n<selected_task_context>\n\n",
            "Conversation history:\n<conversation_history>",
            "Intent: <reasoning_intent>\nSources selected: <reasoning_sources>\nReasoning: <reasoning_explanation>\n",
            "\n<selected_context>\n",
            "\nCore rules:\n",
            "Selected Task",
            "Earlier in session",
            "Most recent actions",
            "[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]",
            "[RECENT PRODUCT ACTIVITY]",
            "kb_articles",
            "matched_actions",
            "task_analysis",
            "\nGuidance questions \u2014 personalize, clarify, guide:\n",
            "\nResponse format (Intercom chat widget):\n\nMaximum 150 words.",
            INTERCOM_READABILITY_RULES,
            "**bold**",
            "terra_task",
            "5 steps",
            f"\n{CLARIFY_LINE}\n",
            "\nStep quality rules:\n",
        ],
    )


# -- REASONING_PROMPT ---------------------------------------------------------------------------


def test_reasoning_prompt_invariants() -> None:
    content = REASONING_PROMPT["content"]
    assert INTERCOM_READABILITY_RULES not in content
    assert READABILITY_RULES_FINGERPRINT not in content
    assert content.count("{{") == 3 and content.count("}}") == 3
    for key in SOURCE_KEYS:
        assert key in content


def test_reasoning_prompt_sections_in_order() -> None:
    text = filled(REASONING_PROMPT["content"])
    assert_in_order(
        text,
        [
            '"<user_question>"',
            '"<first_question>"',
            "Conversation history:\n<conversation_history>",
            "\n1. ui_actions",
            "<ui_actions_preview>",
            "\n2. kb_articles",
            "<kb_articles_preview>",
            "\n3. conversation_history",
            "\n4. past_session_memory",
            "<past_session_preview>",
            "\n5. task_analysis",
            "<task_analysis_preview>",
            "\n6. matched_actions",
            "<matched_actions_preview>",
            "\n7. terra_task",
            "<selected_task_preview>",
            "\nInstructions:\n",
            '"intent"',
            '"sources"',
            '"reasoning"',
            '"clarify"',
            "\nSource selection guidelines:\n",
            "\nHard clarification rules:\n",
            "I just need a quick clarification",
            "valid JSON",
            "Example output",
        ],
    )


def test_reasoning_prompt_examples_are_one_line_json_objects_in_key_order() -> None:
    lines = filled(REASONING_PROMPT["content"]).split("\n")
    indexes = [i for i, line in enumerate(lines) if line.startswith("Example output")]
    assert len(indexes) == 3
    for i in indexes:
        example = json.loads(lines[i + 1])
        assert list(example) == ["intent", "sources", "reasoning", "clarify"]
        assert isinstance(example["clarify"], bool)
        assert example["sources"] and set(example["sources"]) <= set(SOURCE_KEYS)


# -- RESPONSE_PROMPT ----------------------------------------------------------------------------


def test_response_prompt_invariants() -> None:
    content = RESPONSE_PROMPT["content"]
    assert content.startswith("Role:")
    assert INTERCOM_READABILITY_RULES in content
    assert "Maximum 200 words" in content
    assert "{{" not in content and "}}" not in content


def test_response_prompt_sections_in_order() -> None:
    text = filled(RESPONSE_PROMPT["content"])
    assert_in_order(
        text,
        [
            "Role:",
            "\nProduct Context:\n",
            "Company Overview: <company_overview>\n",
            "TERRA",
            "\n<terra_catalog>\n",
            "User's Recent Actions:\n<ai_input_summary>\n",
            "\n\n<past_session_context>\n\n",
            'The user asked: "<user_question>"',
            "\nGuidelines:\n",
            *(f"\n{n}. " for n in range(1, 8)),
            "\n\nMaximum 200 words.",
            INTERCOM_READABILITY_RULES,
            "\n\nOutput:",
        ],
    )
    last_line = text.rsplit("\n", 1)[1]
    assert last_line.startswith("Output:")
