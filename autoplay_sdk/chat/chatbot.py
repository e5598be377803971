"""Chatbot delivery: the writer protocol and the base class of chatbot destinations.

:class:`BaseChatbotWriter` owns the delivery *policy*; a subclass supplies the destination I/O
through two hooks (``_post_note`` and ``_redact_part``).  The policy:

* before a session is linked to a conversation, actions wait in a sliding-window buffer
  (``pre_link_window_s``), with no I/O;
* :meth:`BaseChatbotWriter.on_session_linked` flushes that buffer as one note, binned by time;
* after linking, writes are debounced (trailing edge, ``post_link_debounce_s``) into one note.

Decisions (the differences from 0.7.5 are listed in ``docs/compatibility.md``):

* A new write only cancels a debounce task that is still *sleeping*.  Once the task has taken
  the buffer and is posting, it runs to completion, so those actions are never lost (0.7.5
  cancelled it mid-post).
* If ``_post_note`` raises while ``on_session_linked`` flushes the pre-link buffer, the link is
  undone (as for a falsy return) before the exception propagates, so the kept buffer is retried
  by the next ``on_session_linked``.
* Notes of one session are posted one at a time, in order: the link flush and every debounced
  flush of a session wait for the previous one to finish.  A debounced flush resolves the
  conversation when it posts, so it follows a re-link; if the link was undone meanwhile, its
  actions go back to the pre-link buffer.
* A failed post-link flush (falsy id or exception) is logged and not retried (as published).
* Logs carry ids and counts only, never action descriptions.

Conversation links and session stores are also served from this module (loaded on first use):
``ConversationEventType``, ``ConversationLink``, ``ConversationLinkStore``,
``InMemoryConversationLinkStore``, ``RedisConversationLinkStore``, ``link_conversation``,
``resolve_linked_conversation_id``, ``AutoplayChatbotManager``, and the *async* session stores
under the names ``InMemorySessionStateStore`` / ``RedisSessionStateStore`` (the classes of
:mod:`autoplay_sdk.agent_state.v2.async_store`; the sync stores with those names live in
:mod:`autoplay_sdk.agent_state.v2.state_store`).  ``ConversationWebhookEvent`` is
:class:`ConversationEvent` itself (one class, two names).

``class MyWriter(BaseChatbotWriter, strict_session_link=True)`` makes the class statement fail
with ``TypeError`` when the class lists ``SESSION_LINK_WEBHOOK_TOPICS`` but inherits the base
``_parse_session_link_webhook_payload`` (which parses nothing).  Without the keyword nothing is
checked.  Each class opts in itself; subclasses of an opted-in class are not checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib as _importlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from autoplay_sdk._logging import get_logger

logger = get_logger(__name__)

# Indirections so tests can drive time and the debounce without real waiting.
_now = time.time
_sleep = asyncio.sleep


def format_chatbot_note_header(session_id: str | None, timestamp_unix: float) -> str:
    """The two-line header of every note, followed by a blank line.

    Returns ``"session_id: <id or 'unknown'>\\ntimestamp: YYYY-mm-dd HH:MM:SS UTC\\n\\n"``; the
    time is UTC with fractions truncated.  Raises what ``datetime.fromtimestamp`` raises for an
    out-of-range timestamp.
    """
    stamp = datetime.fromtimestamp(timestamp_unix, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"session_id: {session_id or 'unknown'}\ntimestamp: {stamp}\n\n"


@dataclass
class ConversationEvent:
    """A normalised session-link webhook: the chat platform's conversation id and the user keys.

    ``external_id`` or ``email`` identify the user, to look up the analytics session to link.
    """

    conversation_id: str
    external_id: str = ""
    email: str = ""


# Names served by the module ``__getattr__`` (loaded on first access, not bound here, so that
# ``from autoplay_sdk.chat.chatbot import *`` binds what it bound before): name -> (module, attribute).
_LAZY: dict[str, tuple[str, str]] = {
    "ConversationWebhookEvent": (__name__, "ConversationEvent"),
    "ConversationEventType": ("autoplay_sdk.chat._links", "ConversationEventType"),
    "ConversationLink": ("autoplay_sdk.chat._links", "ConversationLink"),
    "ConversationLinkStore": ("autoplay_sdk.chat._links", "ConversationLinkStore"),
    "InMemoryConversationLinkStore": ("autoplay_sdk.chat._links", "InMemoryConversationLinkStore"),
    "link_conversation": ("autoplay_sdk.chat._links", "link_conversation"),
    "resolve_linked_conversation_id": ("autoplay_sdk.chat._links", "resolve_linked_conversation_id"),
    "RedisConversationLinkStore": ("autoplay_sdk.chat._redis_links", "RedisConversationLinkStore"),
    "AutoplayChatbotManager": ("autoplay_sdk.chat._manager", "AutoplayChatbotManager"),
    "InMemorySessionStateStore": ("autoplay_sdk.agent_state.v2.async_store", "AsyncInMemorySessionStateStore"),
    "RedisSessionStateStore": ("autoplay_sdk.agent_state.v2.async_store", "AsyncRedisSessionStateStore"),
}


if TYPE_CHECKING:  # the types the lazy names resolve to, for type checkers
    from autoplay_sdk.agent_state.v2.async_store import (
        AsyncInMemorySessionStateStore,
        AsyncRedisSessionStateStore,
    )
    from autoplay_sdk.chat._links import ConversationEventType as ConversationEventType
    from autoplay_sdk.chat._links import ConversationLink as ConversationLink
    from autoplay_sdk.chat._links import ConversationLinkStore as ConversationLinkStore
    from autoplay_sdk.chat._links import InMemoryConversationLinkStore as InMemoryConversationLinkStore
    from autoplay_sdk.chat._links import link_conversation as link_conversation
    from autoplay_sdk.chat._links import resolve_linked_conversation_id as resolve_linked_conversation_id
    from autoplay_sdk.chat._manager import AutoplayChatbotManager as AutoplayChatbotManager
    from autoplay_sdk.chat._redis_links import RedisConversationLinkStore as RedisConversationLinkStore

    ConversationWebhookEvent = ConversationEvent
    InMemorySessionStateStore = AsyncInMemorySessionStateStore
    RedisSessionStateStore = AsyncRedisSessionStateStore


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_importlib.import_module(target[0]), target[1])


_STRICT_LINK_ERROR = (
    "{name} sets SESSION_LINK_WEBHOOK_TOPICS but does not override _parse_session_link_webhook_payload. "
    "Add a classmethod override that returns ConversationWebhookEvent | None."
)


@runtime_checkable
class ConversationWriter(Protocol):
    """What a chatbot destination implements (structural; ``isinstance`` checks the two names)."""

    async def write_actions(
        self,
        conversation_id: str,
        session_id: str | None,
        slim_actions: list[dict[str, Any]],
        user_id: str | None = None,
        email: str | None = None,
    ) -> str | None:
        """Deliver a batch of wire action dicts for ``session_id``; may return a note id."""
        ...

    async def on_session_linked(self, session_id: str, conversation_id: str) -> None:
        """Record that ``session_id`` now belongs to ``conversation_id``."""
        ...


def _timestamp(action: dict[str, Any]) -> float:
    return float(action.get("timestamp_start") or 0.0)


class BaseChatbotWriter:
    """Delivery policy for chatbot destinations; subclasses implement ``_post_note``.

    Args:
        product_id: the product the writer serves (used in logs).
        pre_link_window_s: before linking, only actions whose ``timestamp_start`` (absolute Unix
            seconds) is at most this old are kept; actions without a timestamp are dropped.
        post_link_debounce_s: after linking, a note is posted this long after the *last* write
            (trailing edge; every write restarts the delay).
        bin_seconds: width of the time bins that separate groups of lines with a blank line in
            the pre-link flush note (bins aligned on the Unix epoch); ``0`` disables binning.

    The writer runs on one event loop, takes no locks and makes no HTTP calls itself.  Post-link
    writes need a running loop (``asyncio.create_task``).  Debounced actions still waiting when the
    loop stops are lost.
    """

    SESSION_LINK_WEBHOOK_TOPICS: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, *, strict_session_link: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if strict_session_link and cls.SESSION_LINK_WEBHOOK_TOPICS:
            resolved = getattr(cls._parse_session_link_webhook_payload, "__func__", None)
            if resolved is BaseChatbotWriter.__dict__["_parse_session_link_webhook_payload"].__func__:
                raise TypeError(_STRICT_LINK_ERROR.format(name=cls.__qualname__))

    def __init__(
        self,
        product_id: str,
        pre_link_window_s: float = 120.0,
        post_link_debounce_s: float = 0.150,
        bin_seconds: int = 3,
    ) -> None:
        self._product_id = product_id
        self._pre_link_window_s = pre_link_window_s
        self._post_link_debounce_s = post_link_debounce_s
        self._bin_seconds = bin_seconds
        self._conv_map: dict[str, str] = {}
        self._part_ids: defaultdict[str, list[str]] = defaultdict(list)
        self._pending: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self._debounce_buffer: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        # Only tasks still sleeping are registered here (they are the cancellable ones).
        self._debounce_tasks: dict[str, asyncio.Task[None]] = {}
        # Debounce tasks past their sleep: strong references until they finish posting.
        self._flushing_tasks: set[asyncio.Task[None]] = set()
        # Per session, the completion future of the latest queued note post (ordering chain).
        self._post_turns: dict[str, asyncio.Future[None]] = {}

    # ------------------------------------------------------------------ subclass hooks

    async def _post_note(self, conversation_id: str, body: str) -> str | None:
        """Post ``body`` as a note on ``conversation_id``; return its id, or a falsy value on failure."""
        raise NotImplementedError

    async def _redact_part(self, conversation_id: str, part_id: str) -> None:
        """Redact a posted note.  Never called by the base class; integrators call it themselves."""
        raise NotImplementedError

    @classmethod
    def _parse_session_link_webhook_payload(cls, payload: dict[str, Any]) -> ConversationEvent | None:
        """Turn a session-link webhook of a listed topic into a :class:`ConversationEvent`."""
        return None

    # ------------------------------------------------------------------ public API

    @classmethod
    def extract_conversation_event(cls, payload: dict[str, Any]) -> ConversationEvent | None:
        """Parse a chat-platform webhook if its ``topic`` is in ``SESSION_LINK_WEBHOOK_TOPICS``.

        Returns ``None`` for other topics (or when the class lists none); otherwise the result of
        ``_parse_session_link_webhook_payload``.  Not meant to be overridden.
        """
        topic = str(payload.get("topic", ""))
        if not cls.SESSION_LINK_WEBHOOK_TOPICS or topic not in cls.SESSION_LINK_WEBHOOK_TOPICS:
            return None
        return cls._parse_session_link_webhook_payload(payload)

    async def on_session_linked(self, session_id: str, conversation_id: str) -> None:
        """Link ``session_id`` to ``conversation_id`` and flush the pre-link buffer as one note.

        Idempotent: linking to the same conversation again does nothing.  Linking to another
        conversation re-maps the session.  A non-empty pre-link buffer is posted (binned by
        ``bin_seconds``) after any note of this session already being posted; on success the
        buffer is cleared and the note id appended to ``_part_ids[session_id]``.

        On a falsy note id, the link is undone, the buffer kept and a WARNING logged.  If
        ``_post_note`` raises, the link is likewise undone and the buffer kept, then the exception
        propagates.  Either way a later call retries the flush.  After a successful link, a
        debounce still sleeping is cancelled; its actions go out with the next post-link write.
        """
        if self._conv_map.get(session_id) == conversation_id:
            return
        self._conv_map[session_id] = conversation_id
        if self._pending.get(session_id):
            async with self._post_turn(session_id):
                # Re-read after our turn: a concurrent link may have flushed the buffer already.
                pending = list(self._pending.get(session_id, ()))
                part_id: str | None = None
                if pending:
                    logger.debug(
                        "base_writer: flushing %d pre-link actions session=%s conversation=%s product=%s",
                        len(pending),
                        session_id,
                        conversation_id,
                        self._product_id,
                    )
                    try:
                        part_id = await self._post_note(conversation_id, self._format_note(session_id, pending))
                    except BaseException:
                        self._unlink(session_id, conversation_id)
                        raise
            if pending and not part_id:
                logger.warning(
                    "base_writer: pre-link flush failed session=%s conversation=%s product=%s — buffer kept for retry",
                    session_id,
                    conversation_id,
                    self._product_id,
                )
                self._unlink(session_id, conversation_id)
                return
            if part_id:
                self._part_ids[session_id].append(part_id)
        self._pending.pop(session_id, None)
        task = self._debounce_tasks.pop(session_id, None)
        if task is not None and not task.done():
            task.cancel()

    async def write_actions(
        self,
        conversation_id: str,
        session_id: str | None,
        slim_actions: list[dict[str, Any]],
        user_id: str | None = None,
        email: str | None = None,
    ) -> str | None:
        """Buffer a batch of wire action dicts for the session's conversation.  Returns ``None``.

        ``conversation_id``, ``user_id`` and ``email`` are ignored: the conversation comes from
        :meth:`on_session_linked`.  Before linking, the actions join the pre-link buffer, which
        keeps only actions with ``timestamp_start`` within ``pre_link_window_s`` of now (no I/O).
        After linking, they join the debounce buffer and (re)start the session's debounce; when
        it elapses, the whole buffer is posted as one note.  Never blocks on the destination;
        needs a running event loop after linking.
        """
        if not slim_actions:
            return None
        sid = session_id or ""
        if self._conv_map.get(sid) is None:
            self._add_pending(sid, slim_actions)
            return None
        self._debounce_buffer[sid].extend(slim_actions)
        previous = self._debounce_tasks.pop(sid, None)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.create_task(self._debounced_flush(sid))
        task.add_done_callback(self._flush_done_callback(sid))
        self._debounce_tasks[sid] = task
        return None

    # ------------------------------------------------------------------ note body

    def _format_note(
        self, session_id: str | None, slim_actions: list[dict[str, Any]], bin_seconds: int | None = None
    ) -> str:
        """Render a note: the header, then ``[i] description`` lines in time order.

        ``bin_seconds=None`` uses the constructor's width; with a truthy width a blank line
        separates actions that fall into different epoch-aligned bins.  The header time is the
        earliest action's ``timestamp_start`` (now when there are no actions or it is ``None``).
        """
        width = self._bin_seconds if bin_seconds is None else bin_seconds
        if not slim_actions:
            return format_chatbot_note_header(session_id, _now())
        ordered = sorted(slim_actions, key=_timestamp)
        first_ts = ordered[0].get("timestamp_start")
        header = format_chatbot_note_header(session_id, _now() if first_ts is None else float(first_ts))
        lines: list[str] = []
        previous_bin: int | None = None
        for i, action in enumerate(ordered, start=1):
            if width:
                current_bin = int(_timestamp(action) // width)
                if previous_bin is not None and current_bin != previous_bin:
                    lines.append("")
                previous_bin = current_bin
            lines.append(f"[{i}] {action.get('description', '')}")
        return header + "\n".join(lines)

    # ------------------------------------------------------------------ internals

    def _add_pending(self, sid: str, slim_actions: list[dict[str, Any]]) -> None:
        buffer = self._pending[sid]
        buffer.extend(slim_actions)
        cutoff = _now() - self._pre_link_window_s
        self._pending[sid] = [a for a in buffer if _timestamp(a) >= cutoff]
        logger.debug(
            "base_writer: buffered pre-link actions session=%s kept=%d product=%s",
            sid,
            len(self._pending[sid]),
            self._product_id,
        )

    def _unlink(self, session_id: str, conversation_id: str) -> None:
        if self._conv_map.get(session_id) == conversation_id:
            del self._conv_map[session_id]

    @contextlib.asynccontextmanager
    async def _post_turn(self, session_id: str) -> AsyncIterator[None]:
        """Wait for the session's previous note post, and hold the turn until the block exits."""
        previous = self._post_turns.get(session_id)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._post_turns[session_id] = mine
        try:
            if previous is not None and not previous.done():
                # asyncio.wait never cancels what it waits on, even if this wait is cancelled.
                await asyncio.wait([previous])
            yield
        finally:
            mine.set_result(None)
            if self._post_turns.get(session_id) is mine:
                del self._post_turns[session_id]

    async def _debounced_flush(self, sid: str) -> None:
        try:
            await _sleep(self._post_link_debounce_s)
        except asyncio.CancelledError:
            return  # superseded by a newer write, or the session was re-linked
        # From here on the task is committed: no write may cancel it (that lost actions).
        task = asyncio.current_task()
        if task is not None:
            if self._debounce_tasks.get(sid) is task:
                del self._debounce_tasks[sid]
            self._flushing_tasks.add(task)
            task.add_done_callback(self._flushing_tasks.discard)
        async with self._post_turn(sid):
            actions = self._debounce_buffer.pop(sid, [])
            if not actions:
                return
            conv = self._conv_map.get(sid)
            if conv is None:
                # The link was undone while we waited for our turn: back to the pre-link buffer.
                self._add_pending(sid, actions)
                return
            part_id = await self._post_note(conv, self._format_note(sid, actions, bin_seconds=0))
        if part_id:
            self._part_ids[sid].append(part_id)
        else:
            logger.warning(
                "base_writer: post-link flush failed session=%s conversation=%s product=%s — %d actions not retried",
                sid,
                conv,
                self._product_id,
                len(actions),
            )

    def _flush_done_callback(self, sid: str) -> Callable[[asyncio.Task[None]], None]:
        product_id = self._product_id

        def _log_failure(task: asyncio.Task[None]) -> None:
            if task.cancelled():
                return
            exc = task.exception()
            if exc is not None:
                logger.error(
                    "base_writer: debounce flush failed session=%s product=%s: %s",
                    sid,
                    product_id,
                    exc,
                    exc_info=exc,
                )

        return _log_failure
