"""The assembled chat context (:class:`ChatContextAssembly`) and the pure text builders over it.

Every function here is pure: no I/O, no logging, no clock.  The exact layouts are contract (users
parse and snapshot them), so they are spelled out in each docstring.

The block markers are exact strings shared with the prompt templates of
:mod:`autoplay_sdk.prompts.adoption_copilot`, which tell the model how to read them:

- ``[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]`` - product activity newer than the previous user
  message (the delta; the strongest signal for the reply);
- ``[RECENT PRODUCT ACTIVITY]`` - the session's broader recent activity;
- ``[CURRENT USER MESSAGE]`` - the message being answered.

Knowledge-base records: titles and contents are used as the record gives them (``str``); no
escaping is applied, because the text goes to a model, not a parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_DELTA_HEADER = "[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]"
_RECENT_HEADER = "[RECENT PRODUCT ACTIVITY]"
_MESSAGE_HEADER = "[CURRENT USER MESSAGE]"
_KB_HEADER = "Knowledge base excerpts:"


@dataclass
class ChatContextAssembly:
    """Everything gathered for one chat reply, as text blocks plus where each part came from.

    The first six fields feed the prompt builders (:func:`build_user_prompt_block`,
    :func:`build_selected_context_for_rag_system_prompt` and the formatters).  The last four record
    the raw sources (local and memory-provider activity, the memory turns, the KB records) for
    debugging and dumps; only :func:`~autoplay_sdk.rag.query.pipeline.assemble_rag_chat_context`
    fills them.  A plain mutable dataclass: default ``repr`` and ``==``, no serialisation helpers.
    """

    recent_activity: str
    kb_records_text: str
    conversation_history_text: str
    user_message: str
    activity_since_last_chat_message: str = ""
    first_question_text: str = ""
    session_activity_local: str = ""
    zep_live_activity: str = ""
    zep_conversation_turns: list[dict[str, str]] = field(default_factory=list)
    kb_raw_records: list[dict[str, Any]] = field(default_factory=list)


IntercomPromptAssembly = ChatContextAssembly
"""Older name of :class:`ChatContextAssembly` (the same class object)."""


def format_kb_records_for_prompt(records: list[dict[str, Any]]) -> str:
    """Render knowledge-base records as a ``Knowledge base excerpts:`` block, or ``""`` for none.

    Layout: the header, then one ``--- <title> ---\\n<content>`` entry per record, entries joined
    by a blank line.  ``title`` is the record's truthy ``title`` or ``Doc <i>`` (``i`` is the
    1-based position among *all* records); ``content`` is stripped, and a record whose content is
    empty is skipped (it still uses up its ``i``).  A non-empty list whose contents are all empty
    gives the header alone.  Records must be mappings (``.get``).
    """
    if not records:
        return ""
    entries = [_KB_HEADER]
    for i, record in enumerate(records, start=1):
        title = record.get("title") or f"Doc {i}"
        body = (record.get("content") or "").strip()
        if body:
            entries.append(f"--- {title} ---\n{body}")
    return "\n\n".join(entries)


def format_history_for_prompt(history: list[dict[str, str]], *, section_header: str = "Prior conversation:") -> str:
    """Render chat turns as ``section_header`` followed by one ``<role>: <content>`` line per turn.

    ``""`` for an empty history.  Turns keep their input order (pass them oldest-first); a turn
    whose stripped ``content`` is empty is skipped, so all-empty turns give the header alone.  The
    role is the turn's truthy ``role`` used verbatim (no case change), else ``user``.
    """
    if not history:
        return ""
    lines = [section_header]
    for turn in history:
        content = (turn.get("content") or "").strip()
        if content:
            lines.append(f"{turn.get('role') or 'user'}: {content}")
    return "\n".join(lines)


def _context_parts(assembly: ChatContextAssembly, *, with_history: bool) -> list[str]:
    parts: list[str] = []
    delta = assembly.activity_since_last_chat_message.strip()
    if delta:
        parts.append(f"{_DELTA_HEADER}\n{delta}")
    recent = assembly.recent_activity.strip()
    if recent:
        parts.append(f"{_RECENT_HEADER}\n{recent}")
    if with_history:
        history = assembly.conversation_history_text.strip()
        if history:
            parts.append(history)
    kb = assembly.kb_records_text.strip()
    if kb:
        parts.append(kb)
    return parts


def build_user_prompt_block(assembly: ChatContextAssembly) -> str:
    """The user-message block for the LLM: context blocks, then the current message.

    Parts, each only when non-blank after stripping, joined by a blank line:
    ``[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]\\n<delta>``, ``[RECENT PRODUCT ACTIVITY]\\n<recent>``,
    the history text and the KB text (both carry their own headers); then always
    ``[CURRENT USER MESSAGE]\\n<user_message stripped>`` - present even when the message is empty.
    Every value is stripped.

    Raises:
        AttributeError: a text field is not a ``str`` (e.g. ``None``).
    """
    parts = _context_parts(assembly, with_history=True)
    parts.append(f"{_MESSAGE_HEADER}\n{assembly.user_message.strip()}")
    return "\n\n".join(parts)


def build_selected_context_for_rag_system_prompt(assembly: ChatContextAssembly) -> str:
    """The ``{selected_context}`` of the RAG system prompt: delta, recent activity and KB blocks.

    The same parts and rules as :func:`build_user_prompt_block` without the history and the current
    message; ``""`` when all three are blank.
    """
    return "\n\n".join(_context_parts(assembly, with_history=False))
