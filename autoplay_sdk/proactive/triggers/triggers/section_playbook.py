"""Section playbook: a deterministic nudge written per product section.

The host supplies, in ``ctx.context_extra``, a ``section_playbook`` (section id → body string,
or a dict with ``body``/``proactive_body`` and ``reply_option_labels``/``quick_reply_labels``)
and the signals that pick the section (``current_section_id``, ``product_section_playbook``;
see :func:`~autoplay_sdk.proactive.triggers.section_activity.resolve_section_id_for_playbook`).
The trigger applies no URL rules itself.
"""

from __future__ import annotations

from autoplay_sdk.proactive.triggers.defaults import TRIGGER_ID_SECTION_PLAYBOOK_MATCH
from autoplay_sdk.proactive.triggers.judge import validate_or_truncate_proactive_body
from autoplay_sdk.proactive.triggers.section_activity import resolve_section_id_for_playbook
from autoplay_sdk.proactive.triggers.types import ProactiveTriggerContext, ProactiveTriggerResult

__all__ = ["SectionPlaybookTrigger"]


class SectionPlaybookTrigger:
    """Fires with the playbook's body for the resolved section; ``metadata={"section_id": sid}``."""

    @property
    def trigger_id(self) -> str:
        return TRIGGER_ID_SECTION_PLAYBOOK_MATCH

    def evaluate(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None:
        extra = ctx.context_extra or {}
        book = extra.get("section_playbook")
        if not isinstance(book, dict):
            return None
        sid = resolve_section_id_for_playbook(extra)
        if not sid:
            return None
        row = book.get(sid)
        labels: tuple[str, ...] = ()
        if isinstance(row, str):
            body = row.strip()
        elif isinstance(row, dict):
            body = str(row.get("body") or row.get("proactive_body") or "").strip()
            raw_labels = row.get("reply_option_labels") or row.get("quick_reply_labels")
            if isinstance(raw_labels, (list, tuple)):
                labels = tuple(str(x) for x in raw_labels if str(x).strip())
        else:
            return None
        if not body:
            return None
        return ProactiveTriggerResult(
            TRIGGER_ID_SECTION_PLAYBOOK_MATCH,
            validate_or_truncate_proactive_body(body),
            labels,
            metadata={"section_id": sid},
        )

    def __repr__(self) -> str:
        return "SectionPlaybookTrigger()"
