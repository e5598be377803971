"""Template fill-ins: exact values per placeholder, str.format semantics, reasoning previews."""

from __future__ import annotations

import json
from typing import Any

import pytest

from autoplay_sdk.prompts import RAG_SYSTEM_PROMPT, REASONING_PROMPT, RESPONSE_PROMPT
from autoplay_sdk.rag.query.assembly import ChatContextAssembly
from autoplay_sdk.rag.query.formatters import (
    format_rag_system_prompt,
    format_reasoning_prompt,
    format_response_prompt,
    previews_for_reasoning_from_assembly,
)

RAG_FIELDS = (
    "user_question",
    "first_question",
    "selected_task_context",
    "conversation_history",
    "reasoning_intent",
    "reasoning_sources",
    "reasoning_explanation",
    "selected_context",
)
REASONING_FIELDS = (
    "user_question",
    "first_question",
    "conversation_history",
    "ui_actions_preview",
    "kb_articles_preview",
    "past_session_preview",
    "task_analysis_preview",
    "matched_actions_preview",
    "selected_task_preview",
)
RESPONSE_FIELDS = ("company_overview", "terra_catalog", "ai_input_summary", "past_session_context", "user_question")


def probe(fields: tuple[str, ...]) -> str:
    """A template that shows every value between ``<`` ``>``, one per line."""
    return "\n".join(f"{name}=<{{{name}}}>" for name in fields)


def parse(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    key = ""
    for line in text.split("\n"):
        name, sep, rest = line.partition("=<")
        if sep and name.isidentifier() and name not in values:
            key = name
            values[key] = rest
        else:
            values[key] += "\n" + line
    return {k: v.removesuffix(">") for k, v in values.items()}


def make(**fields: Any) -> ChatContextAssembly:
    base: dict[str, Any] = {
        "recent_activity": "",
        "kb_records_text": "",
        "conversation_history_text": "",
        "user_message": "",
    }
    base.update(fields)
    return ChatContextAssembly(**base)


# -- format_rag_system_prompt -------------------------------------------------------------------


def test_rag_system_prompt_values_with_full_assembly() -> None:
    assembly = make(
        recent_activity=" clicked Export ",
        kb_records_text="Knowledge base excerpts:\n\n--- A ---\nalpha",
        conversation_history_text=" Prior conversation:\nuser: first ",
        user_message="ignored by this formatter",
        activity_since_last_chat_message="opened Reports",
        first_question_text="  first  ",
    )
    out = format_rag_system_prompt(
        template_content=probe(RAG_FIELDS),
        assembly=assembly,
        user_question="  How do I export?  ",
        selected_task_context="  Selected Task: Export a report  ",
    )
    assert parse(out) == {
        "user_question": "How do I export?",
        "first_question": "first",
        "selected_task_context": "Selected Task: Export a report",
        "conversation_history": "Prior conversation:\nuser: first",
        "reasoning_intent": "Single-pass RAG; routing call not used.",
        "reasoning_sources": "(none)",
        "reasoning_explanation": "Use all provided context blocks below.",
        "selected_context": (
            "[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]\nopened Reports\n\n"
            "[RECENT PRODUCT ACTIVITY]\nclicked Export\n\n"
            "Knowledge base excerpts:\n\n--- A ---\nalpha"
        ),
    }


def test_rag_system_prompt_fallbacks_for_an_empty_assembly() -> None:
    out = format_rag_system_prompt(
        template_content=probe(RAG_FIELDS),
        assembly=make(),
        user_question=" q ",
        reasoning_intent=" intent ",
        reasoning_sources="kb_articles",
        reasoning_explanation=" why ",
    )
    values = parse(out)
    assert values["first_question"] == "q"  # falls back to the stripped question
    assert values["conversation_history"] == "(none)"
    assert values["selected_context"] == "(none)"
    assert values["selected_task_context"] == ""
    # The routing values are passed verbatim, not stripped.
    assert (values["reasoning_intent"], values["reasoning_sources"], values["reasoning_explanation"]) == (
        " intent ",
        "kb_articles",
        " why ",
    )


def test_rag_system_prompt_treats_none_texts_as_empty() -> None:
    assembly = make()
    assembly.first_question_text = None  # type: ignore[assignment]
    assembly.conversation_history_text = None  # type: ignore[assignment]
    out = format_rag_system_prompt(
        template_content=probe(RAG_FIELDS),
        assembly=assembly,
        user_question="q",
        selected_task_context=None,  # type: ignore[arg-type]
    )
    values = parse(out)
    assert (values["first_question"], values["conversation_history"], values["selected_task_context"]) == (
        "q",
        "(none)",
        "",
    )


def test_rag_system_prompt_rejects_the_documented_user_message_keyword() -> None:
    with pytest.raises(TypeError):
        format_rag_system_prompt(template_content="x", assembly=make(), user_message="q")  # type: ignore[call-arg]


def test_rag_system_prompt_keywords_only() -> None:
    with pytest.raises(TypeError):
        format_rag_system_prompt("x", make(), "q")  # type: ignore[call-arg]


def test_rag_system_prompt_with_the_shipped_template() -> None:
    assembly = make(recent_activity="clicked Export", user_message="How?", first_question_text="Export?")
    out = format_rag_system_prompt(
        template_content=RAG_SYSTEM_PROMPT["content"], assembly=assembly, user_question="How?"
    )
    assert '"How?"' in out and '"Export?"' in out
    assert "Selected context — use only these sources:\n[RECENT PRODUCT ACTIVITY]\nclicked Export\n" in out
    assert "Intent: Single-pass RAG; routing call not used.\n" in out
    assert "Conversation history:\n(none)\n" in out
    assert "{" not in out and "}" not in out


# -- str.format semantics (all three formatters) ------------------------------------------------


def test_unknown_field_raises_key_error() -> None:
    with pytest.raises(KeyError, match="company"):
        format_rag_system_prompt(template_content="{company}", assembly=make(), user_question="q")
    with pytest.raises(KeyError):
        format_reasoning_prompt(template_content="{x}", user_question="q", first_question="", conversation_history="")
    with pytest.raises(KeyError):
        format_response_prompt(
            template_content="{x}",
            company_overview="",
            terra_catalog="",
            ai_input_summary="",
            past_session_context="",
            user_question="",
        )


def test_template_without_fields_is_returned_unchanged_and_doubled_braces_collapse() -> None:
    assert format_rag_system_prompt(template_content="static", assembly=make(), user_question="q") == "static"
    assert (
        format_reasoning_prompt(
            template_content='{{"q": "{user_question}"}}',
            user_question=" q ",
            first_question="",
            conversation_history="",
        )
        == '{"q": "q"}'
    )


# -- format_reasoning_prompt --------------------------------------------------------------------


def test_reasoning_prompt_values() -> None:
    out = format_reasoning_prompt(
        template_content=probe(REASONING_FIELDS),
        user_question=" q ",
        first_question=" goal ",
        conversation_history=" user: hi ",
        ui_actions_preview=" ui ",
        kb_articles_preview="",
    )
    assert parse(out) == {
        "user_question": "q",
        "first_question": "goal",
        "conversation_history": "user: hi",
        "ui_actions_preview": " ui ",  # previews are verbatim
        "kb_articles_preview": "",
        "past_session_preview": "(none)",
        "task_analysis_preview": "(none)",
        "matched_actions_preview": "(none)",
        "selected_task_preview": "(none)",
    }


@pytest.mark.parametrize(
    ("first_question", "expected"),
    [("", "q"), ("   ", ""), (" goal ", "goal")],
    ids=["empty-falls-back", "whitespace-is-truthy", "given"],
)
def test_reasoning_prompt_first_question(first_question: str, expected: str) -> None:
    out = format_reasoning_prompt(
        template_content="{first_question}", user_question=" q ", first_question=first_question, conversation_history=""
    )
    assert out == expected


def test_reasoning_prompt_empty_history_becomes_none_marker() -> None:
    out = format_reasoning_prompt(
        template_content="{conversation_history}", user_question="q", first_question="", conversation_history="  \n "
    )
    assert out == "(none)"


def test_reasoning_prompt_with_the_shipped_template_yields_parseable_json_examples() -> None:
    previews = previews_for_reasoning_from_assembly(assembly=make(recent_activity="clicked Export"))
    out = format_reasoning_prompt(
        template_content=REASONING_PROMPT["content"],
        user_question="What did I just do?",
        first_question="",
        conversation_history="",
        **previews,
    )
    examples = [json.loads(line) for line in out.split("\n") if line.startswith("{")]
    assert len(examples) == 3
    for example in examples:
        assert list(example) == ["intent", "sources", "reasoning", "clarify"]
    assert '"What did I just do?"' in out
    assert "Earlier in session / broader activity:\nclicked Export" in out


# -- format_response_prompt ---------------------------------------------------------------------


def test_response_prompt_values() -> None:
    out = format_response_prompt(
        template_content=probe(RESPONSE_FIELDS),
        company_overview=" Acme ",
        terra_catalog="",
        ai_input_summary="   ",
        past_session_context="  ",
        user_question=" How? ",
    )
    assert parse(out) == {
        "company_overview": " Acme ",  # truthy values are not stripped
        "terra_catalog": "(none)",
        "ai_input_summary": "   ",  # whitespace is truthy: kept
        "past_session_context": "",  # stripped; empty stays empty
        "user_question": "How?",
    }


def test_response_prompt_with_the_shipped_template() -> None:
    out = format_response_prompt(
        template_content=RESPONSE_PROMPT["content"],
        company_overview="Acme makes dashboards.",
        terra_catalog="",
        ai_input_summary="1. clicked Export",
        past_session_context="",
        user_question=" How? ",
    )
    assert "Company Overview: Acme makes dashboards.\n" in out
    assert "User's Recent Actions:\n1. clicked Export\n" in out
    assert 'The user asked: "How?"' in out
    assert "(none)" in out  # the empty TERRA catalog


# -- previews_for_reasoning_from_assembly -------------------------------------------------------


def test_previews_keys_and_fixed_values() -> None:
    previews = previews_for_reasoning_from_assembly(assembly=make())
    assert list(previews) == [
        "ui_actions_preview",
        "kb_articles_preview",
        "past_session_preview",
        "task_analysis_preview",
        "matched_actions_preview",
        "selected_task_preview",
    ]
    assert set(previews.values()) == {"(none)"}


def test_previews_ui_actions_most_recent_first() -> None:
    assembly = make(recent_activity=" earlier ", activity_since_last_chat_message=" latest ")
    assert previews_for_reasoning_from_assembly(assembly=assembly)["ui_actions_preview"] == (
        "Most recent actions (since last chat message):\nlatest\n\nEarlier in session / broader activity:\nearlier"
    )


def test_previews_ui_actions_argument_wins_even_when_empty() -> None:
    assembly = make(recent_activity="earlier")
    assert previews_for_reasoning_from_assembly(assembly=assembly, ui_actions_preview="")["ui_actions_preview"] == ""


def test_previews_kb_from_records_first_five_titles_cut_to_200() -> None:
    records: list[dict[str, Any]] = [
        {"title": "T" * 250},
        {"content": "no title"},
        *({"title": f"R{i}"} for i in range(3, 8)),
    ]
    preview = previews_for_reasoning_from_assembly(assembly=make(kb_records_text="ignored"), kb_records=records)
    assert preview["kb_articles_preview"] == "\n".join(["- " + "T" * 200, "- Doc 2", "- R3", "- R4", "- R5"])


def test_previews_kb_from_text_cut_to_8000() -> None:
    text = "  " + "x" * 9000
    preview = previews_for_reasoning_from_assembly(assembly=make(kb_records_text=text), kb_records=[])
    assert preview["kb_articles_preview"] == "x" * 8000
