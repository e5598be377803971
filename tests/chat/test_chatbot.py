"""``autoplay_sdk.chat.chatbot``: note format, pre-link buffer, linking and debounce (spec 02 §5)."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
from typing import Any

import pytest

from autoplay_sdk.chat import chatbot
from autoplay_sdk.chat.chatbot import (
    BaseChatbotWriter,
    ConversationEvent,
    ConversationWriter,
    format_chatbot_note_header,
)

NOW = 1705322100.0  # 2024-01-15 12:35:00 UTC
WAIT = 5.0  # upper bound for awaited conditions; never reached when the code is right


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chatbot, "_now", lambda: NOW)


class GatedSleep:
    """Stands in for the debounce sleep: records the delay, then waits until released."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.gate = asyncio.Event()
        self.sleeping = asyncio.Event()

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        self.sleeping.set()
        await self.gate.wait()


@pytest.fixture
def gated_sleep(monkeypatch: pytest.MonkeyPatch) -> GatedSleep:
    sleep = GatedSleep()
    monkeypatch.setattr(chatbot, "_sleep", sleep)
    return sleep


class RecordingWriter(BaseChatbotWriter):
    """Posts notes into a list; each result can be scripted (id, falsy, exception or a gate)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notes: list[tuple[str, str]] = []
        self.results: list[Any] = []  # consumed per call; default is "part-<n>"
        self.gates: list[asyncio.Event | None] = []  # per call: wait on this event before returning
        self.post_started = asyncio.Event()
        self._changed = asyncio.Condition()

    async def _post_note(self, conversation_id: str, body: str) -> str | None:
        self.notes.append((conversation_id, body))
        call = len(self.notes)
        gate = self.gates.pop(0) if self.gates else None
        self.post_started.set()
        if gate is not None:
            await gate.wait()
        async with self._changed:
            self._changed.notify_all()
        result = self.results.pop(0) if self.results else f"part-{call}"
        if isinstance(result, BaseException):
            raise result
        return result

    async def wait_for_notes(self, count: int) -> None:
        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.notes) >= count)

        await asyncio.wait_for(_wait(), WAIT)


def action(description: Any, ts: float | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"description": description, **extra}
    if ts is not None:
        data["timestamp_start"] = ts
    return data


async def settle(writer: BaseChatbotWriter) -> None:
    """Wait until every debounce/flush task of the writer has finished."""
    tasks = [*writer._debounce_tasks.values(), *writer._flushing_tasks]
    if tasks:
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT)


# --------------------------------------------------------------------------- header and DTOs


def test_note_header_examples() -> None:
    assert format_chatbot_note_header("abc", 1705322090.7) == "session_id: abc\ntimestamp: 2024-01-15 12:34:50 UTC\n\n"
    assert format_chatbot_note_header(None, 0) == "session_id: unknown\ntimestamp: 1970-01-01 00:00:00 UTC\n\n"
    assert format_chatbot_note_header("", 59.999).startswith("session_id: unknown\ntimestamp: 1970-01-01 00:00:59")


def test_conversation_event_fields_and_defaults() -> None:
    assert [(f.name, f.default) for f in dataclasses.fields(ConversationEvent)] == [
        ("conversation_id", dataclasses.MISSING),
        ("external_id", ""),
        ("email", ""),
    ]
    event = ConversationEvent("c1")
    event.email = "a@b.co"  # mutable DTO
    assert event == ConversationEvent("c1", "", "a@b.co")


def test_writer_satisfies_the_protocol_structurally() -> None:
    assert isinstance(BaseChatbotWriter("p"), ConversationWriter)

    class OnlyWrites:
        async def write_actions(self, *args: Any) -> None:
            return None

    assert not isinstance(OnlyWrites(), ConversationWriter)


def test_constructor_signature_and_defaults() -> None:
    params = inspect.signature(BaseChatbotWriter).parameters
    assert [(p.name, p.default) for p in params.values()] == [
        ("product_id", inspect.Parameter.empty),
        ("pre_link_window_s", 120.0),
        ("post_link_debounce_s", 0.150),
        ("bin_seconds", 3),
    ]
    assert BaseChatbotWriter.SESSION_LINK_WEBHOOK_TOPICS == ()


async def test_base_hooks_are_abstract_by_raising() -> None:
    writer = BaseChatbotWriter("p")
    with pytest.raises(NotImplementedError):
        await writer._post_note("c", "body")
    with pytest.raises(NotImplementedError):
        await writer._redact_part("c", "part")


def test_extract_conversation_event_filters_by_topic() -> None:
    payload = {"topic": "conversation.user.created", "data": {"id": "c1"}}
    assert BaseChatbotWriter.extract_conversation_event(payload) is None  # no topics listed

    class IntercomLike(BaseChatbotWriter):
        SESSION_LINK_WEBHOOK_TOPICS = ("conversation.user.created",)

        @classmethod
        def _parse_session_link_webhook_payload(cls, payload: dict[str, Any]) -> ConversationEvent | None:
            return ConversationEvent(payload["data"]["id"], email="e@x.io")

    assert IntercomLike.extract_conversation_event(payload) == ConversationEvent("c1", "", "e@x.io")
    assert IntercomLike.extract_conversation_event({"topic": "conversation.admin.replied", "data": {}}) is None
    assert IntercomLike.extract_conversation_event({"data": {}}) is None


# --------------------------------------------------------------------------- pre-link buffer and link flush


async def test_pre_link_flush_note_is_binned_sorted_and_numbered() -> None:
    writer = RecordingWriter("prod")
    # Bins of 3 s aligned on the epoch: .2 and .9 share one bin, 92.0 starts the next.
    await writer.write_actions(
        "ignored",
        "abc123",
        [
            action("Submitted Payment form", 1705322092.0, index=9),
            action("Clicked Sign up", 1705322090.2, index=7),
        ],
    )
    await writer.write_actions("ignored", "abc123", [action("Clicked Confirm plan", 1705322090.9)])
    assert writer.notes == []  # nothing is sent before the link

    await writer.on_session_linked("abc123", "conv-1")

    assert writer.notes == [
        (
            "conv-1",
            "session_id: abc123\n"
            "timestamp: 2024-01-15 12:34:50 UTC\n"
            "\n"
            "[1] Clicked Sign up\n"
            "[2] Clicked Confirm plan\n"
            "\n"
            "[3] Submitted Payment form",
        )
    ]
    assert writer._part_ids["abc123"] == ["part-1"]
    assert "abc123" not in writer._pending


async def test_pre_link_window_drops_old_and_untimed_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = RecordingWriter("prod", pre_link_window_s=120.0, bin_seconds=0)
    await writer.write_actions(
        "c", "s", [action("old", NOW - 121), action("untimed", None), action("fresh", NOW - 100)]
    )
    assert [a["description"] for a in writer._pending["s"]] == ["fresh"]
    # The window applies to the whole buffer on every write: "fresh" ages out 50 s later.
    monkeypatch.setattr(chatbot, "_now", lambda: NOW + 50)
    await writer.write_actions("c", "s", [action("newer", NOW + 40)])
    assert [a["description"] for a in writer._pending["s"]] == ["newer"]


async def test_note_lines_use_description_as_given() -> None:
    writer = RecordingWriter("prod", bin_seconds=0)
    await writer.write_actions("c", None, [action(None, NOW - 3), {"timestamp_start": NOW - 2}])
    await writer.on_session_linked("", "conv")
    assert writer.notes[0][1].endswith("[1] None\n[2] ")
    assert writer.notes[0][1].startswith("session_id: unknown\n")


def test_format_note_of_no_actions_is_the_header_at_now() -> None:
    writer = BaseChatbotWriter("p")
    assert writer._format_note("s", []) == "session_id: s\ntimestamp: 2024-01-15 12:35:00 UTC\n\n"


def test_format_note_header_uses_now_when_the_first_timestamp_is_missing() -> None:
    writer = BaseChatbotWriter("p")
    note = writer._format_note("s", [action("a", None), action("b", 5.0)], bin_seconds=0)
    assert note == "session_id: s\ntimestamp: 2024-01-15 12:35:00 UTC\n\n[1] a\n[2] b"
    zero = writer._format_note("s", [action("a", 0)], bin_seconds=0)
    assert zero.startswith("session_id: s\ntimestamp: 1970-01-01 00:00:00 UTC")


async def test_link_is_idempotent_for_the_same_conversation(gated_sleep: GatedSleep) -> None:
    writer = RecordingWriter("prod")
    await writer.write_actions("c", "s", [action("a", NOW)])
    await writer.on_session_linked("s", "conv")
    await writer.write_actions("c", "s", [action("b", NOW)])
    await asyncio.wait_for(gated_sleep.sleeping.wait(), WAIT)

    await writer.on_session_linked("s", "conv")  # no flush, and the sleeping debounce survives

    assert len(writer.notes) == 1
    gated_sleep.gate.set()
    await writer.wait_for_notes(2)
    assert writer.notes[1][0] == "conv"
    assert writer.notes[1][1].endswith("[1] b")


async def test_falsy_note_id_on_link_unlinks_and_keeps_buffer(caplog: pytest.LogCaptureFixture) -> None:
    writer = RecordingWriter("prod", bin_seconds=0)
    writer.results = [None]
    await writer.write_actions("c", "s", [action("a", NOW)])
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.chat.chatbot"):
        await writer.on_session_linked("s", "conv")
    assert "s" not in writer._conv_map
    assert [a["description"] for a in writer._pending["s"]] == ["a"]
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert caplog.records[0].getMessage().startswith("autoplay_sdk: base_writer: pre-link flush failed session=s")

    await writer.write_actions("c", "s", [action("b", NOW)])  # still pre-link: buffered
    await writer.on_session_linked("s", "conv")  # the retry posts everything
    assert writer.notes[-1][1].endswith("[1] a\n[2] b")
    assert writer._part_ids["s"] == ["part-2"]


async def test_defect_7_post_note_raising_on_link_undoes_mapping_and_keeps_buffer() -> None:
    writer = RecordingWriter("prod", bin_seconds=0)
    writer.results = [RuntimeError("destination down")]
    await writer.write_actions("c", "s", [action("a", NOW)])

    with pytest.raises(RuntimeError, match="destination down"):
        await writer.on_session_linked("s", "conv")

    assert "s" not in writer._conv_map
    # Still unlinked, so a new write joins the kept buffer instead of a debounced post.
    await writer.write_actions("c", "s", [action("b", NOW)])
    assert writer._debounce_tasks == {}
    await writer.on_session_linked("s", "conv")
    assert writer.notes[-1] == ("conv", "session_id: s\ntimestamp: 2024-01-15 12:35:00 UTC\n\n[1] a\n[2] b")
    assert writer._conv_map["s"] == "conv"


async def test_link_with_empty_buffer_posts_nothing() -> None:
    writer = RecordingWriter("prod")
    await writer.write_actions("c", "s", [action("too old", NOW - 1000)])
    await writer.on_session_linked("s", "conv")
    assert writer.notes == []
    assert writer._conv_map == {"s": "conv"}


# --------------------------------------------------------------------------- post-link debounce


async def test_post_link_write_is_posted_after_the_debounce_without_bins(gated_sleep: GatedSleep) -> None:
    writer = RecordingWriter("prod", post_link_debounce_s=0.25, bin_seconds=3)
    await writer.on_session_linked("s", "conv")
    result = await writer.write_actions("other-conv", "s", [action("b", NOW - 1), action("a", NOW - 9)])
    assert result is None
    await asyncio.wait_for(gated_sleep.sleeping.wait(), WAIT)
    assert writer.notes == []  # nothing before the debounce elapses
    assert gated_sleep.delays == [0.25]

    gated_sleep.gate.set()
    await writer.wait_for_notes(1)
    await settle(writer)
    # Posted to the linked conversation (the argument is ignored), sorted, no blank bin lines.
    assert writer.notes == [("conv", "session_id: s\ntimestamp: 2024-01-15 12:34:51 UTC\n\n[1] a\n[2] b")]
    assert writer._part_ids["s"] == ["part-1"]


async def test_debounce_is_trailing_edge_and_merges_writes(gated_sleep: GatedSleep) -> None:
    writer = RecordingWriter("prod")
    await writer.on_session_linked("s", "conv")
    await writer.write_actions("c", "s", [action("first", NOW - 2)])
    await asyncio.wait_for(gated_sleep.sleeping.wait(), WAIT)
    first_task = writer._debounce_tasks["s"]
    await writer.write_actions("c", "s", [action("second", NOW - 1)])  # restarts the delay

    await asyncio.wait_for(asyncio.gather(first_task, return_exceptions=True), WAIT)
    assert first_task.cancelled() or first_task.done()
    assert writer.notes == []
    gated_sleep.gate.set()
    await writer.wait_for_notes(1)
    await settle(writer)
    assert len(writer.notes) == 1
    assert writer.notes[0][1].endswith("[1] first\n[2] second")
    assert gated_sleep.delays == [0.150, 0.150]


async def test_empty_write_does_nothing() -> None:
    writer = RecordingWriter("prod")
    await writer.on_session_linked("s", "conv")
    assert await writer.write_actions("c", "s", []) is None
    assert writer._debounce_tasks == {}
    await writer.write_actions("c", "u", [])
    assert "u" not in writer._pending


async def test_defect_6_write_during_post_does_not_cancel_inflight_flush() -> None:
    writer = RecordingWriter("prod", post_link_debounce_s=0)
    posting = asyncio.Event()
    writer.gates = [posting]
    await writer.on_session_linked("s", "conv")
    await writer.write_actions("c", "s", [action("one", NOW - 2)])
    await asyncio.wait_for(writer.post_started.wait(), WAIT)  # the first flush is mid-post

    await writer.write_actions("c", "s", [action("two", NOW - 1)])
    posting.set()
    await writer.wait_for_notes(2)
    await settle(writer)

    bodies = [body for _, body in writer.notes]
    assert bodies[0].endswith("[1] one")
    assert bodies[1].endswith("[1] two")
    assert writer._part_ids["s"] == ["part-1", "part-2"]


async def test_notes_of_a_session_are_posted_in_order() -> None:
    # The pre-link flush is slow; a post-link write arriving meanwhile must be posted after it.
    writer = RecordingWriter("prod", post_link_debounce_s=0, bin_seconds=0)
    link_post = asyncio.Event()
    writer.gates = [link_post]
    await writer.write_actions("c", "s", [action("before link", NOW - 5)])
    link = asyncio.create_task(writer.on_session_linked("s", "conv"))
    await asyncio.wait_for(writer.post_started.wait(), WAIT)
    await writer.write_actions("c", "s", [action("after link", NOW - 1)])
    for _ in range(5):  # give the debounce every chance to overtake (it must not)
        await asyncio.sleep(0)
    assert len(writer.notes) == 1

    link_post.set()
    await asyncio.wait_for(link, WAIT)
    await writer.wait_for_notes(2)
    await settle(writer)
    assert [body.rsplit("\n", 1)[-1] for _, body in writer.notes] == ["[1] before link", "[1] after link"]


async def test_writes_during_a_failed_link_flush_rejoin_the_pre_link_buffer() -> None:
    writer = RecordingWriter("prod", post_link_debounce_s=0, bin_seconds=0)
    link_post = asyncio.Event()
    writer.gates = [link_post]
    writer.results = [None]  # the link flush fails
    await writer.write_actions("c", "s", [action("before link", NOW - 5)])
    link = asyncio.create_task(writer.on_session_linked("s", "conv"))
    await asyncio.wait_for(writer.post_started.wait(), WAIT)
    await writer.write_actions("c", "s", [action("during link", NOW - 1)])  # mapped: debounced

    link_post.set()
    await asyncio.wait_for(link, WAIT)
    await settle(writer)
    assert len(writer.notes) == 1  # nothing was posted to a conversation the session is not linked to
    assert [a["description"] for a in writer._pending["s"]] == ["before link", "during link"]

    await writer.on_session_linked("s", "conv")
    assert writer.notes[-1][1].endswith("[1] before link\n[2] during link")


async def test_relink_cancels_a_sleeping_debounce_and_keeps_its_actions(gated_sleep: GatedSleep) -> None:
    writer = RecordingWriter("prod")
    await writer.on_session_linked("s", "conv-1")
    await writer.write_actions("c", "s", [action("a", NOW - 2)])
    await asyncio.wait_for(gated_sleep.sleeping.wait(), WAIT)
    sleeping = writer._debounce_tasks["s"]

    await writer.on_session_linked("s", "conv-2")

    await asyncio.wait_for(asyncio.gather(sleeping, return_exceptions=True), WAIT)
    assert "s" not in writer._debounce_tasks
    assert [a["description"] for a in writer._debounce_buffer["s"]] == ["a"]
    await writer.write_actions("c", "s", [action("b", NOW - 1)])
    gated_sleep.gate.set()
    await writer.wait_for_notes(1)
    await settle(writer)
    assert writer.notes == [("conv-2", "session_id: s\ntimestamp: 2024-01-15 12:34:58 UTC\n\n[1] a\n[2] b")]


async def test_falsy_post_link_result_is_logged_and_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    writer = RecordingWriter("prod", post_link_debounce_s=0)
    writer.results = [""]
    await writer.on_session_linked("s", "conv")
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.chat.chatbot"):
        await writer.write_actions("c", "s", [action("private click text", NOW)])
        await writer.wait_for_notes(1)
        await settle(writer)
    assert writer._part_ids["s"] == []
    assert writer._debounce_buffer.get("s", []) == []
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    message = caplog.records[0].getMessage()
    assert message.startswith("autoplay_sdk: base_writer: post-link flush failed session=s conversation=conv")
    assert "private click text" not in message


async def test_post_link_exception_is_logged_by_the_done_callback(caplog: pytest.LogCaptureFixture) -> None:
    writer = RecordingWriter("prod", post_link_debounce_s=0)
    writer.results = [RuntimeError("boom")]
    await writer.on_session_linked("s", "conv")
    with caplog.at_level(logging.ERROR, logger="autoplay_sdk.chat.chatbot"):
        await writer.write_actions("c", "s", [action("a", NOW)])
        await writer.wait_for_notes(1)
        await settle(writer)
        await asyncio.sleep(0)  # let the done-callback run
    assert [r.getMessage() for r in caplog.records] == [
        "autoplay_sdk: base_writer: debounce flush failed session=s product=prod: boom"
    ]
    # The writer keeps working afterwards.
    await writer.write_actions("c", "s", [action("b", NOW)])
    await writer.wait_for_notes(2)
    await settle(writer)
    assert writer._part_ids["s"] == ["part-2"]


async def test_sessions_are_independent() -> None:
    writer = RecordingWriter("prod", post_link_debounce_s=0, bin_seconds=0)
    await writer.on_session_linked("s1", "conv-1")
    await writer.write_actions("c", "s1", [action("one", NOW)])
    await writer.write_actions("c", "s2", [action("two", NOW)])  # s2 is not linked
    await writer.wait_for_notes(1)
    await settle(writer)
    assert writer.notes == [("conv-1", "session_id: s1\ntimestamp: 2024-01-15 12:35:00 UTC\n\n[1] one")]
    assert [a["description"] for a in writer._pending["s2"]] == ["two"]
