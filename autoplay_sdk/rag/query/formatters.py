"""Fill the prompt templates of :mod:`autoplay_sdk.prompts` from a :class:`ChatContextAssembly`.

Each formatter is ``template_content.format(**values)``, so:

- a replacement field in the template that the formatter does not supply raises ``KeyError``;
- literal braces in a template must be doubled;
- supplied values the template does not use are ignored, and a template without fields comes back
  unchanged.

Pass your own ``template_content`` to use a customised prompt with the same placeholders.  The
functions are pure: no LLM call, no I/O, no logging.

The KB preview line of :func:`previews_for_reasoning_from_assembly` cuts the *title* to 200
characters (the ``- `` bullet is not counted), and non-string titles are rendered with ``str()``.
"""

from __future__ import annotations

from typing import Any

# Re-exported explicitly: 0.7.5 users import these two from this module too.
from autoplay_sdk.rag.query.assembly import ChatContextAssembly as ChatContextAssembly
from autoplay_sdk.rag.query.assembly import (
    build_selected_context_for_rag_system_prompt as build_selected_context_for_rag_system_prompt,
)

_NONE = "(none)"
_KB_PREVIEW_RECORDS = 5
_KB_PREVIEW_TITLE_CHARS = 200
_KB_PREVIEW_TEXT_CHARS = 8000


def format_rag_system_prompt(
    *,
    template_content: str,
    assembly: ChatContextAssembly,
    user_question: str,
    reasoning_intent: str = "Single-pass RAG; routing call not used.",
    reasoning_sources: str = "(none)",
    reasoning_explanation: str = "Use all provided context blocks below.",
    selected_task_context: str = "",
) -> str:
    """Fill a RAG system-prompt template (e.g. ``RAG_SYSTEM_PROMPT["content"]``) for the answering call.

    Values: ``user_question`` stripped; ``first_question`` = the assembly's stripped
    ``first_question_text``, or the stripped ``user_question`` when that is empty;
    ``selected_task_context`` stripped (may be empty); ``conversation_history`` = the assembly's
    stripped history text or ``(none)``; the three ``reasoning_*`` values verbatim (the defaults
    describe a single-pass call with no routing step); ``selected_context`` =
    :func:`~autoplay_sdk.rag.query.assembly.build_selected_context_for_rag_system_prompt`
    stripped, or ``(none)``.  ``None`` text values count as ``""``.

    Raises:
        KeyError: the template has a replacement field not listed above.
        ValueError: the template has malformed braces.
    """
    question = user_question.strip()
    first_question = (assembly.first_question_text or "").strip() or question
    history = (assembly.conversation_history_text or "").strip() or _NONE
    selected = build_selected_context_for_rag_system_prompt(assembly).strip() or _NONE
    return template_content.format(
        user_question=question,
        first_question=first_question,
        selected_task_context=(selected_task_context or "").strip(),
        conversation_history=history,
        reasoning_intent=reasoning_intent,
        reasoning_sources=reasoning_sources,
        reasoning_explanation=reasoning_explanation,
        selected_context=selected,
    )


def format_reasoning_prompt(
    *,
    template_content: str,
    user_question: str,
    first_question: str,
    conversation_history: str,
    ui_actions_preview: str = "(none)",
    kb_articles_preview: str = "(none)",
    past_session_preview: str = "(none)",
    task_analysis_preview: str = "(none)",
    matched_actions_preview: str = "(none)",
    selected_task_preview: str = "(none)",
) -> str:
    """Fill a routing template (e.g. ``REASONING_PROMPT["content"]``) for the source-selection call.

    ``user_question`` is stripped; ``first_question`` is the argument if truthy, else
    ``user_question``, then stripped (so a whitespace-only ``first_question`` gives ``""``);
    ``conversation_history`` is stripped, or ``(none)`` when empty.  The six ``*_preview`` values
    are used verbatim; :func:`previews_for_reasoning_from_assembly` builds them.

    Raises:
        KeyError: the template has a replacement field not listed above.
        ValueError: the template has malformed braces.
    """
    return template_content.format(
        user_question=user_question.strip(),
        first_question=(first_question or user_question).strip(),
        conversation_history=(conversation_history or "").strip() or _NONE,
        ui_actions_preview=ui_actions_preview,
        kb_articles_preview=kb_articles_preview,
        past_session_preview=past_session_preview,
        task_analysis_preview=task_analysis_preview,
        matched_actions_preview=matched_actions_preview,
        selected_task_preview=selected_task_preview,
    )


def format_response_prompt(
    *,
    template_content: str,
    company_overview: str,
    terra_catalog: str,
    ai_input_summary: str,
    past_session_context: str,
    user_question: str,
) -> str:
    """Fill a single-call fallback template (e.g. ``RESPONSE_PROMPT["content"]``).

    ``company_overview``, ``terra_catalog`` and ``ai_input_summary`` are used as given if truthy
    (not stripped), else ``(none)``; ``past_session_context`` is stripped and may end up empty (it
    is its own paragraph in the template); ``user_question`` is stripped.

    Raises:
        KeyError: the template has a replacement field not listed above.
        ValueError: the template has malformed braces.
    """
    return template_content.format(
        company_overview=company_overview or _NONE,
        terra_catalog=terra_catalog or _NONE,
        ai_input_summary=ai_input_summary or _NONE,
        past_session_context=(past_session_context or "").strip(),
        user_question=user_question.strip(),
    )


def previews_for_reasoning_from_assembly(
    *,
    assembly: ChatContextAssembly,
    ui_actions_preview: str | None = None,
    kb_records: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """The six ``*_preview`` values for :func:`format_reasoning_prompt`, derived from an assembly.

    Keys, in order: ``ui_actions_preview``, ``kb_articles_preview``, ``past_session_preview``,
    ``task_analysis_preview``, ``matched_actions_preview``, ``selected_task_preview`` (the last
    four are always ``(none)``); pass the dict as ``**kwargs``.

    - ``ui_actions_preview``: the argument verbatim when not ``None`` (even ``""``); else the
      stripped delta under ``Most recent actions (since last chat message):`` and the stripped
      recent activity under ``Earlier in session / broader activity:`` (most recent first, each
      only when non-blank, joined by a blank line), or ``(none)``.
    - ``kb_articles_preview``: with ``kb_records``, one ``- <title>`` line for each of the first 5
      records (title: truthy ``title`` or ``Doc <i>``, cut to 200 characters); else the stripped
      ``kb_records_text`` cut to 8000 characters; else ``(none)``.
    """
    if ui_actions_preview is None:
        parts: list[str] = []
        delta = assembly.activity_since_last_chat_message.strip()
        if delta:
            parts.append(f"Most recent actions (since last chat message):\n{delta}")
        recent = assembly.recent_activity.strip()
        if recent:
            parts.append(f"Earlier in session / broader activity:\n{recent}")
        ui_actions_preview = "\n\n".join(parts) or _NONE

    if kb_records:
        kb_preview = "\n".join(
            f"- {str(record.get('title') or f'Doc {i}')[:_KB_PREVIEW_TITLE_CHARS]}"
            for i, record in enumerate(kb_records[:_KB_PREVIEW_RECORDS], start=1)
        )
    else:
        kb_preview = assembly.kb_records_text.strip()[:_KB_PREVIEW_TEXT_CHARS] or _NONE

    return {
        "ui_actions_preview": ui_actions_preview,
        "kb_articles_preview": kb_preview,
        "past_session_preview": _NONE,
        "task_analysis_preview": _NONE,
        "matched_actions_preview": _NONE,
        "selected_task_preview": _NONE,
    }
