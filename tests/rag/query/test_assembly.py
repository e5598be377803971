"""ChatContextAssembly and the pure text builders: exact layouts."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from autoplay_sdk.rag.query.assembly import (
    ChatContextAssembly,
    IntercomPromptAssembly,
    build_selected_context_for_rag_system_prompt,
    build_user_prompt_block,
    format_history_for_prompt,
    format_kb_records_for_prompt,
)


def make(**fields: Any) -> ChatContextAssembly:
    base: dict[str, Any] = {
        "recent_activity": "",
        "kb_records_text": "",
        "conversation_history_text": "",
        "user_message": "",
    }
    base.update(fields)
    return ChatContextAssembly(**base)


# -- ChatContextAssembly ------------------------------------------------------------------------


def test_assembly_fields_order_and_defaults() -> None:
    fields = dataclasses.fields(ChatContextAssembly)
    assert [f.name for f in fields] == [
        "recent_activity",
        "kb_records_text",
        "conversation_history_text",
        "user_message",
        "activity_since_last_chat_message",
        "first_question_text",
        "session_activity_local",
        "zep_live_activity",
        "zep_conversation_turns",
        "kb_raw_records",
    ]
    a = ChatContextAssembly("ra", "kb", "hist", "msg")
    assert (a.activity_since_last_chat_message, a.first_question_text) == ("", "")
    assert (a.session_activity_local, a.zep_live_activity) == ("", "")
    assert a.zep_conversation_turns == [] and a.kb_raw_records == []


def test_assembly_list_defaults_are_not_shared_between_instances() -> None:
    a, b = make(), make()
    a.zep_conversation_turns.append({"role": "user", "content": "x"})
    assert b.zep_conversation_turns == []


def test_assembly_is_mutable_with_value_equality() -> None:
    a = make(recent_activity="x")
    a.recent_activity = "y"
    assert a == make(recent_activity="y")
    assert a != make(recent_activity="x")


def test_intercom_prompt_assembly_is_the_same_class() -> None:
    assert IntercomPromptAssembly is ChatContextAssembly


# -- format_kb_records_for_prompt ---------------------------------------------------------------


def test_kb_records_spec_example() -> None:
    records = [{"title": "T", "content": " body "}, {"content": "x"}]
    assert format_kb_records_for_prompt(records) == "Knowledge base excerpts:\n\n--- T ---\nbody\n\n--- Doc 2 ---\nx"


def test_kb_records_empty_list_gives_empty_text() -> None:
    assert format_kb_records_for_prompt([]) == ""


def test_kb_records_skipped_records_still_use_up_their_index() -> None:
    records: list[dict[str, Any]] = [
        {"title": "Empty", "content": "   "},
        {"content": None},
        {"title": "", "content": "third"},
    ]
    assert format_kb_records_for_prompt(records) == "Knowledge base excerpts:\n\n--- Doc 3 ---\nthird"


def test_kb_records_all_empty_gives_header_alone() -> None:
    assert format_kb_records_for_prompt([{"title": "A"}, {"content": ""}]) == "Knowledge base excerpts:"


def test_kb_records_title_is_not_stripped_and_extra_keys_are_ignored() -> None:
    records = [{"title": " Spaced ", "content": "c", "url": "https://docs"}]
    assert format_kb_records_for_prompt(records) == "Knowledge base excerpts:\n\n---  Spaced  ---\nc"


# -- format_history_for_prompt ------------------------------------------------------------------


def test_history_lines_keep_order_and_role_case() -> None:
    history = [
        {"role": "assistant", "content": "hello"},
        {"role": "User", "content": "  first q "},
        {"content": "no role"},
        {"role": "", "content": "empty role"},
    ]
    assert format_history_for_prompt(history) == (
        "Prior conversation:\nassistant: hello\nUser: first q\nuser: no role\nuser: empty role"
    )


def test_history_skips_blank_turns_and_empty_history_is_empty() -> None:
    assert format_history_for_prompt([]) == ""
    assert format_history_for_prompt([{"role": "user", "content": "  "}, {"role": "assistant"}]) == (
        "Prior conversation:"
    )


def test_history_custom_header() -> None:
    text = format_history_for_prompt([{"role": "user", "content": "hi"}], section_header="Earlier:")
    assert text == "Earlier:\nuser: hi"


# -- build_user_prompt_block / build_selected_context_for_rag_system_prompt ---------------------


def test_user_block_spec_example() -> None:
    assembly = make(recent_activity="  ra  ", user_message="  hi  ")
    assert build_user_prompt_block(assembly) == "[RECENT PRODUCT ACTIVITY]\nra\n\n[CURRENT USER MESSAGE]\nhi"


def test_user_block_all_parts_in_merge_order() -> None:
    assembly = make(
        recent_activity=" recent ",
        kb_records_text=" Knowledge base excerpts:\n\n--- A ---\nalpha ",
        conversation_history_text="Prior conversation:\nuser: q1\n",
        user_message="How?",
        activity_since_last_chat_message="\n delta \n",
    )
    assert build_user_prompt_block(assembly) == (
        "[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]\ndelta\n\n"
        "[RECENT PRODUCT ACTIVITY]\nrecent\n\n"
        "Prior conversation:\nuser: q1\n\n"
        "Knowledge base excerpts:\n\n--- A ---\nalpha\n\n"
        "[CURRENT USER MESSAGE]\nHow?"
    )


def test_user_block_always_has_the_current_message_part() -> None:
    assert build_user_prompt_block(make()) == "[CURRENT USER MESSAGE]\n"
    assert build_user_prompt_block(make(recent_activity="   ", user_message="  ")) == "[CURRENT USER MESSAGE]\n"


def test_user_block_ignores_the_source_fields() -> None:
    # Fields 7-10 record sources only; the block is built from fields 1-6.
    assembly = make(user_message="q", session_activity_local="local", zep_live_activity="live")
    assert build_user_prompt_block(assembly) == "[CURRENT USER MESSAGE]\nq"


def test_selected_context_has_delta_recent_and_kb_only() -> None:
    assembly = make(
        recent_activity="recent",
        kb_records_text="KB",
        conversation_history_text="Prior conversation:\nuser: q1",
        user_message="How?",
        activity_since_last_chat_message="delta",
    )
    assert build_selected_context_for_rag_system_prompt(assembly) == (
        "[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]\ndelta\n\n[RECENT PRODUCT ACTIVITY]\nrecent\n\nKB"
    )


def test_selected_context_can_be_empty() -> None:
    assert build_selected_context_for_rag_system_prompt(make(conversation_history_text="h", user_message="m")) == ""


@pytest.mark.parametrize("field", ["recent_activity", "activity_since_last_chat_message"])
def test_user_block_rejects_non_text_fields(field: str) -> None:
    with pytest.raises(AttributeError):
        build_user_prompt_block(make(**{field: None}))
