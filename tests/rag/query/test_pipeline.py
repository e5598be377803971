"""assemble_rag_chat_context: call order, source choice, exact block, switches, errors and logs."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
from typing import Any

import pytest

from autoplay_sdk.rag.query.assembly import ChatContextAssembly
from autoplay_sdk.rag.query.pipeline import (
    ChatMemoryProvider,
    KnowledgeBaseRetriever,
    RagChatProviders,
    RagReplyInputs,
    assemble_rag_chat_context,
    assemble_rag_chat_context_from_inputs,
    prefer_zep_live_activity_for_rag,
    skip_redis_context_when_zep_memory,
)
from tests.rag.query._fakes import CallLog, FakeKnowledgeBase, FakeLocal, FakeMemory, FakeSince

LOGGER = "autoplay_sdk.rag.query.pipeline"
PREFER = "RAG_PREFER_ZEP_LIVE_ACTIVITY"
SKIP = "RAG_SKIP_REDIS_CONTEXT_WHEN_ZEP"

WORKED_TURNS = [
    {"role": "assistant", "content": "hello"},
    {"role": "User", "content": "  first q "},
    {"role": "user", "content": "second"},
]


@pytest.fixture(autouse=True)
def default_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the defaults, whatever the host environment says."""
    monkeypatch.delenv(PREFER, raising=False)
    monkeypatch.delenv(SKIP, raising=False)


@pytest.fixture
def log() -> CallLog:
    return CallLog()


async def assemble(
    providers: RagChatProviders,
    *,
    user_message: str = "How?",
    session_id: str | None = "s1",
    activity_since_cutoff: float | None = None,
    email: str = "",
    integration_config: dict[str, Any] | None = None,
) -> tuple[str, ChatContextAssembly]:
    return await assemble_rag_chat_context(
        product_id="p1",
        integration_config=integration_config if integration_config is not None else {},
        conversation_id="c1",
        user_message=user_message,
        email=email,
        session_id=session_id,
        activity_since_cutoff=activity_since_cutoff,
        providers=providers,
    )


def providers_for(
    log: CallLog,
    *,
    local: Any = "",
    since: Any = None,
    live: Any = None,
    turns: Any = (),
    kb: list[dict[str, Any]] | None = None,
) -> RagChatProviders:
    return RagChatProviders(
        session_activity_local=FakeLocal(log, local),
        session_activity_since=FakeSince(log, since) if since is not None else None,
        memory=FakeMemory(log, live, turns) if live is not None else None,
        knowledge_base=FakeKnowledgeBase(log, kb) if kb is not None else None,
    )


# -- the spec's worked example ------------------------------------------------------------------


async def test_worked_example_memory_live_activity_skips_local_and_delta(log: CallLog) -> None:
    providers = providers_for(
        log, local="LOCAL", since="DELTA", live=" ZEP ", turns=WORKED_TURNS, kb=[{"title": "A", "content": "alpha"}]
    )
    block, assembly = await assemble(providers, user_message=" How? ", activity_since_cutoff=100.0)
    assert log.names == ["live_activity", "conversation_turns", "retrieve"]
    assert block == (
        "[RECENT PRODUCT ACTIVITY]\nZEP\n\n"
        "Prior conversation:\nassistant: hello\nUser: first q\nuser: second\n\n"
        "Knowledge base excerpts:\n\n--- A ---\nalpha\n\n"
        "[CURRENT USER MESSAGE]\nHow?"
    )
    assert assembly == ChatContextAssembly(
        recent_activity="ZEP",
        kb_records_text="Knowledge base excerpts:\n\n--- A ---\nalpha",
        conversation_history_text="Prior conversation:\nassistant: hello\nUser: first q\nuser: second",
        user_message=" How? ",
        activity_since_last_chat_message="",
        first_question_text="first q",
        session_activity_local="",
        zep_live_activity="ZEP",
        zep_conversation_turns=WORKED_TURNS,
        kb_raw_records=[{"title": "A", "content": "alpha"}],
    )


async def test_worked_example_with_blank_live_activity_uses_local_and_delta(log: CallLog) -> None:
    providers = providers_for(
        log, local=" LOCAL ", since=" DELTA ", live="", turns=WORKED_TURNS, kb=[{"title": "A", "content": "alpha"}]
    )
    block, assembly = await assemble(providers, user_message=" How? ", activity_since_cutoff=100.0)
    assert log.names == ["live_activity", "conversation_turns", "local", "since", "retrieve"]
    assert log.args("since") == {"session_id": "s1", "cutoff": 100.0}
    assert block.startswith("[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]\nDELTA\n\n[RECENT PRODUCT ACTIVITY]\nLOCAL\n\n")
    assert assembly.activity_since_last_chat_message == " DELTA "  # stored raw
    assert (assembly.session_activity_local, assembly.zep_live_activity) == ("LOCAL", "")


# -- with and without each source ---------------------------------------------------------------


async def test_no_session_no_providers_gives_the_message_alone(log: CallLog) -> None:
    block, assembly = await assemble(
        providers_for(log, local="LOCAL", since="DELTA"), session_id=None, user_message=" hi "
    )
    assert log.calls == []
    assert block == "[CURRENT USER MESSAGE]\nhi"
    assert assembly == ChatContextAssembly("", "", "", " hi ", first_question_text=" hi ")


async def test_local_activity_only(log: CallLog) -> None:
    block, assembly = await assemble(providers_for(log, local="\n1. clicked Export\n"), user_message=" Export? ")
    assert log.calls == [("local", {"session_id": "s1"})]
    assert block == "[RECENT PRODUCT ACTIVITY]\n1. clicked Export\n\n[CURRENT USER MESSAGE]\nExport?"
    assert assembly.first_question_text == " Export? "  # no user turn: the raw message
    assert assembly.conversation_history_text == ""


async def test_history_only_from_memory_with_blank_activity(log: CallLog) -> None:
    turns = [{"role": "user", "content": "Where is billing?"}, {"role": "assistant", "content": "Under Settings."}]
    block, _ = await assemble(providers_for(log, live="", turns=turns), user_message="And invoices?")
    assert block == (
        "Prior conversation:\nuser: Where is billing?\nassistant: Under Settings.\n\n"
        "[CURRENT USER MESSAGE]\nAnd invoices?"
    )


async def test_knowledge_base_only(log: CallLog) -> None:
    records = [{"title": "Exports", "content": "Use Reports > Export.", "score": 0.9}]
    block, assembly = await assemble(providers_for(log, kb=records), session_id=None)
    assert block == "Knowledge base excerpts:\n\n--- Exports ---\nUse Reports > Export.\n\n[CURRENT USER MESSAGE]\nHow?"
    assert assembly.kb_raw_records == records
    assert assembly.kb_raw_records is not records  # a copy: the caller's list is not aliased
    assert assembly.kb_raw_records[0] is records[0]


async def test_turns_are_copied(log: CallLog) -> None:
    turns = [{"role": "user", "content": "q"}]
    memory = FakeMemory(log, "", turns)
    memory.turns = turns  # returned as-is, not re-listed by the fake
    providers = RagChatProviders(session_activity_local=FakeLocal(log), memory=memory)
    _, assembly = await assemble(providers)
    assert assembly.zep_conversation_turns == turns and assembly.zep_conversation_turns is not turns


async def test_first_question_is_the_first_non_blank_user_turn(log: CallLog) -> None:
    turns = [
        {"role": "assistant", "content": "Hi!"},
        {"role": "USER", "content": "   "},
        {"content": "no role is not a user turn"},
        {"role": "User", "content": " real first "},
        {"role": "user", "content": "later"},
    ]
    _, assembly = await assemble(providers_for(log, live="", turns=turns))
    assert assembly.first_question_text == "real first"


# -- identity hint and memory gating ------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected_user_id"),
    [(" ada@example.com ", "ada@example.com"), ("", "s1"), ("   ", "")],
    ids=["email", "session-fallback", "whitespace-email"],
)
async def test_memory_user_id_hint(log: CallLog, email: str, expected_user_id: str) -> None:
    await assemble(providers_for(log, live="x"), email=email)
    assert log.args("live_activity") == {"session_id": "s1", "user_id": expected_user_id}
    assert log.args("conversation_turns") == {"session_id": "s1", "conversation_id": "c1", "user_id": expected_user_id}


async def test_memory_without_session_id_is_skipped_and_logged(log: CallLog, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    block, assembly = await assemble(providers_for(log, live="ZEP", kb=[]), session_id=None)
    assert log.names == ["retrieve"]
    assert assembly.zep_live_activity == "" and assembly.zep_conversation_turns == []
    assert block == "[CURRENT USER MESSAGE]\nHow?"
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert messages[0] == "autoplay_sdk: rag_query: skipping memory live+history without session_id product=p1 conv=c1"


# -- delta activity -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session_id", "cutoff", "with_since", "called"),
    [
        ("s1", 0.0, True, True),  # 0.0 is a cutoff, not "no cutoff"
        ("s1", None, True, False),
        ("s1", 5.0, False, False),
        (None, 5.0, True, False),
        ("", 5.0, True, False),
    ],
)
async def test_delta_call_conditions(
    log: CallLog, session_id: str | None, cutoff: float | None, with_since: bool, called: bool
) -> None:
    providers = providers_for(log, local="L", since="D" if with_since else None)
    block, _ = await assemble(providers, session_id=session_id, activity_since_cutoff=cutoff)
    assert ("since" in log.names) is called
    assert block.startswith("[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]\nD\n\n") is called


# -- knowledge base arguments -------------------------------------------------------------------


async def test_kb_retrieve_arguments(log: CallLog) -> None:
    config = {"kb_product_id": " kb-1 ", "kb_knowledge_id": " k-9 "}
    await assemble(providers_for(log, local=" L ", kb=[]), user_message=" raw q ", integration_config=config)
    assert log.args("retrieve") == {
        "connector_product_id": "p1",
        "kb_product_id": "kb-1",
        "session_id": "s1",
        "user_query": " raw q ",
        "knowledge_id": "k-9",
        "activity_text_for_kb_injection": "L",
    }


@pytest.mark.parametrize("config", [{}, {"kb_product_id": "   ", "kb_knowledge_id": None}, {"kb_product_id": None}])
async def test_kb_settings_missing_or_blank(log: CallLog, config: dict[str, Any]) -> None:
    await assemble(providers_for(log, kb=[]), session_id=None, integration_config=config)
    args = log.args("retrieve")
    assert (args["kb_product_id"], args["knowledge_id"], args["session_id"]) == (None, "", "")


# -- environment switches (read on every call) --------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "1", "true", "yes", "on", "anything"])
def test_switches_on(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    for name in (PREFER, SKIP):
        if value is not None:
            monkeypatch.setenv(name, value)
    assert prefer_zep_live_activity_for_rag() is True
    assert skip_redis_context_when_zep_memory() is True


@pytest.mark.parametrize("value", ["0", "false", "no", "off", " OFF ", "False", "No\n"])
def test_switches_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(PREFER, value)
    monkeypatch.setenv(SKIP, value)
    assert prefer_zep_live_activity_for_rag() is False
    assert skip_redis_context_when_zep_memory() is False


async def test_prefer_switch_is_read_on_every_call(log: CallLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SKIP, "0")  # so both sources are fetched
    providers = providers_for(log, local="LOCAL", live="ZEP")
    _, first = await assemble(providers)
    monkeypatch.setenv(PREFER, "off")
    _, second = await assemble(providers)
    monkeypatch.setenv(PREFER, "1")
    _, third = await assemble(providers)
    assert [first.recent_activity, second.recent_activity, third.recent_activity] == ["ZEP", "LOCAL", "ZEP"]


async def test_skip_switch_is_read_on_every_call(log: CallLog, monkeypatch: pytest.MonkeyPatch) -> None:
    providers = providers_for(log, local="LOCAL", since="DELTA", live="ZEP")
    await assemble(providers, activity_since_cutoff=1.0)
    assert log.names == ["live_activity", "conversation_turns"]
    log.calls.clear()
    monkeypatch.setenv(SKIP, "false")
    block, assembly = await assemble(providers, activity_since_cutoff=1.0)
    assert log.names == ["live_activity", "conversation_turns", "local", "since"]
    assert assembly.session_activity_local == "LOCAL"
    assert block.startswith("[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]\nDELTA\n\n[RECENT PRODUCT ACTIVITY]\nZEP")


async def test_skip_mode_needs_non_blank_live_activity(log: CallLog) -> None:
    await assemble(providers_for(log, local="LOCAL", live=" \n "))
    assert log.names == ["live_activity", "conversation_turns", "local"]


async def test_skip_mode_treats_none_live_activity_as_blank(log: CallLog) -> None:
    memory = FakeMemory(log, None)
    memory.live = None
    _, assembly = await assemble(RagChatProviders(session_activity_local=FakeLocal(log, "LOCAL"), memory=memory))
    assert log.names == ["live_activity", "conversation_turns", "local"]
    assert (assembly.recent_activity, assembly.zep_live_activity) == ("LOCAL", "")


# -- whitespace-only recent-activity source ------------------------------------------------------


async def test_whitespace_only_recent_activity_source_falls_through_to_the_other_source(log: CallLog) -> None:
    # Preferred source (memory live activity) is whitespace-only: the local activity must win,
    # not an empty string.
    block, assembly = await assemble(providers_for(log, local=" 1. clicked Export ", live="   "))
    assert assembly.recent_activity == "1. clicked Export"
    assert block.startswith("[RECENT PRODUCT ACTIVITY]\n1. clicked Export\n\n")


async def test_whitespace_only_local_source_falls_through_when_local_is_preferred(
    log: CallLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PREFER, "0")
    monkeypatch.setenv(SKIP, "0")
    _, assembly = await assemble(providers_for(log, local=" \t ", live=" ZEP "))
    assert assembly.recent_activity == "ZEP"


# -- errors -------------------------------------------------------------------------------------


class Boom(Exception):
    pass


async def test_provider_failure_is_logged_once_and_the_same_exception_reraised(
    log: CallLog, caplog: pytest.LogCaptureFixture
) -> None:
    error = Boom("store down")

    async def failing_local(session_id: str) -> str:
        raise error

    caplog.set_level(logging.DEBUG, logger=LOGGER)
    with pytest.raises(Boom) as raised:
        await assemble(RagChatProviders(session_activity_local=failing_local))
    assert raised.value is error
    records = [r for r in caplog.records if r.name == LOGGER]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "autoplay_sdk: rag_query: assemble_rag_chat_context failed product=p1 conv=c1"
    assert record.exc_info is not None and record.exc_info[1] is error
    assert (record.product_id, record.conversation_id, record.session_id, record.event_type) == (  # type: ignore[attr-defined]
        "p1",
        "c1",
        "s1",
        "rag_query_assemble_failed",
    )


@pytest.mark.parametrize(
    ("turns", "since", "config", "error"),
    [
        (None, "", {}, TypeError),  # conversation_turns returned None
        ((), None, {}, AttributeError),  # the delta provider returned None
        ((), "", ["not", "a", "dict"], AttributeError),  # integration_config without .get
    ],
    ids=["turns-none", "delta-none", "config-not-dict"],
)
async def test_bad_return_types_are_logged_and_raised(
    log: CallLog, caplog: pytest.LogCaptureFixture, turns: Any, since: Any, config: Any, error: type[Exception]
) -> None:
    memory = FakeMemory(log, "", ())
    memory.turns = turns
    providers = RagChatProviders(
        session_activity_local=FakeLocal(log), session_activity_since=FakeSince(log, since), memory=memory
    )
    caplog.set_level(logging.WARNING, logger=LOGGER)
    with pytest.raises(error):
        await assemble(providers, activity_since_cutoff=1.0, integration_config=config)
    assert [r.event_type for r in caplog.records if r.name == LOGGER] == ["rag_query_assemble_failed"]  # type: ignore[attr-defined]


async def test_cancellation_is_not_logged(log: CallLog, caplog: pytest.LogCaptureFixture) -> None:
    async def cancelled_local(session_id: str) -> str:
        raise asyncio.CancelledError

    caplog.set_level(logging.DEBUG, logger=LOGGER)
    with pytest.raises(asyncio.CancelledError):
        await assemble(RagChatProviders(session_activity_local=cancelled_local))
    assert [r for r in caplog.records if r.name == LOGGER] == []


# -- success log: ids, flags and lengths, never content -----------------------------------------


async def test_success_log_has_ids_flags_and_lengths(log: CallLog, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    providers = providers_for(log, local="LOCAL", since=" DELTA ", kb=[{"title": "A", "content": "alpha"}])
    block, assembly = await assemble(providers, activity_since_cutoff=3.0)
    (record,) = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == "autoplay_sdk: rag_query: assemble_rag_chat_context ok product=p1 conv=c1"
    extra = {
        key: getattr(record, key)
        for key in (
            "product_id",
            "conversation_id",
            "session_id",
            "event_type",
            "has_memory",
            "has_kb",
            "has_delta_activity",
            "user_block_chars",
            "recent_activity_chars",
            "history_chars",
            "kb_chars",
            "activity_since_chars",
        )
    }
    assert extra == {
        "product_id": "p1",
        "conversation_id": "c1",
        "session_id": "s1",
        "event_type": "rag_query_assemble_ok",
        "has_memory": False,
        "has_kb": True,
        "has_delta_activity": True,
        "user_block_chars": len(block),
        "recent_activity_chars": len("LOCAL"),
        "history_chars": 0,
        "kb_chars": len(assembly.kb_records_text),
        "activity_since_chars": len(" DELTA "),
    }


async def test_logs_never_contain_message_activity_or_email(log: CallLog, caplog: pytest.LogCaptureFixture) -> None:
    secrets = ["SECRET-QUESTION", "SECRET-LOCAL", "SECRET-LIVE", "SECRET-TURN", "SECRET-KB", "secret@example.com"]
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    providers = providers_for(
        log,
        local="SECRET-LOCAL",
        live="SECRET-LIVE",
        turns=[{"role": "user", "content": "SECRET-TURN"}],
        kb=[{"title": "t", "content": "SECRET-KB"}],
    )
    await assemble(providers, user_message="SECRET-QUESTION", email="secret@example.com")
    await assemble(providers, user_message="SECRET-QUESTION", email="secret@example.com", session_id=None)

    async def failing(session_id: str) -> str:
        raise Boom("no content here")

    with pytest.raises(Boom):
        await assemble(RagChatProviders(session_activity_local=failing), user_message="SECRET-QUESTION")
    records = [r for r in caplog.records if r.name == LOGGER]
    assert len(records) == 4
    dumped = " ".join(repr(vars(r)) + r.getMessage() for r in records)
    for secret in secrets:
        assert secret not in dumped


# -- from_inputs and the data types -------------------------------------------------------------


async def test_from_inputs_delegates_every_field(log: CallLog) -> None:
    providers = providers_for(log, local="L", since="D", kb=[])
    inputs = RagReplyInputs(
        product_id="p1",
        integration_config={"kb_product_id": "kb"},
        conversation_id="c1",
        user_message="q",
        email="e@x",
        session_id="s1",
        activity_since_cutoff=2.0,
    )
    result = await assemble_rag_chat_context_from_inputs(inputs, providers=providers)
    from_inputs_calls = list(log.calls)
    log.calls.clear()
    direct = await assemble(
        providers, user_message="q", email="e@x", activity_since_cutoff=2.0, integration_config={"kb_product_id": "kb"}
    )
    assert result == direct
    assert from_inputs_calls == log.calls


def test_rag_reply_inputs_is_frozen_and_unhashable() -> None:
    inputs = RagReplyInputs("p", {}, "c", "m", "e")
    assert [f.name for f in dataclasses.fields(RagReplyInputs)] == [
        "product_id",
        "integration_config",
        "conversation_id",
        "user_message",
        "email",
        "session_id",
        "activity_since_cutoff",
    ]
    assert (inputs.session_id, inputs.activity_since_cutoff) == (None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        inputs.user_message = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(inputs)


def test_rag_chat_providers_defaults() -> None:
    async def local(session_id: str) -> str:
        return ""

    providers = RagChatProviders(local)
    assert [f.name for f in dataclasses.fields(RagChatProviders)] == [
        "session_activity_local",
        "session_activity_since",
        "memory",
        "knowledge_base",
    ]
    assert (providers.session_activity_since, providers.memory, providers.knowledge_base) == (None, None, None)


def test_assemble_takes_keyword_only_required_arguments() -> None:
    params = inspect.signature(assemble_rag_chat_context).parameters
    assert list(params) == [
        "product_id",
        "integration_config",
        "conversation_id",
        "user_message",
        "email",
        "session_id",
        "activity_since_cutoff",
        "providers",
    ]
    assert all(
        p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty for p in params.values()
    )


def test_protocols_are_runtime_checkable(log: CallLog) -> None:
    assert isinstance(FakeMemory(log), ChatMemoryProvider)
    assert isinstance(FakeKnowledgeBase(log), KnowledgeBaseRetriever)

    class OnlyLive:
        async def live_activity(self, *, session_id: str, user_id: str) -> str:
            return ""

    assert not isinstance(OnlyLive(), ChatMemoryProvider)
    assert not isinstance(FakeMemory(log), KnowledgeBaseRetriever)
    assert not isinstance(object(), KnowledgeBaseRetriever)
