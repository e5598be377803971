"""Trigger ids and the default quick-reply body.

This module imports nothing else from ``autoplay_sdk.proactive.triggers``, so hosts (and
``autoplay_sdk.integrations``) can read the ids without loading the trigger machinery.  The
deprecated path ``autoplay_sdk.proactive_triggers.defaults`` is this very module object, so
``PROACTIVE_TRIGGER_IDS`` and ``ProactiveTriggerIds`` keep their identity through it.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoplay_sdk.integrations._constants import (
    DEFAULT_PROACTIVE_QUICK_REPLY_BODY as DEFAULT_PROACTIVE_QUICK_REPLY_BODY,
)

__all__ = [
    "DEFAULT_PROACTIVE_QUICK_REPLY_BODY",
    "PROACTIVE_TRIGGER_IDS",
    "TRIGGER_ID_CANONICAL_URL_PING_PONG",
    "TRIGGER_ID_SECTION_PLAYBOOK_MATCH",
    "TRIGGER_ID_USER_PAGE_DWELL",
    "ProactiveTriggerIds",
    "get_proactive_trigger_ids",
]


@dataclass(frozen=True)
class ProactiveTriggerIds:
    """The ids of the three built-in triggers."""

    canonical_ping_pong: str = "canonical_url_ping_pong"
    user_page_dwell: str = "user_page_dwell"
    section_playbook_match: str = "section_playbook_match"


PROACTIVE_TRIGGER_IDS = ProactiveTriggerIds()

TRIGGER_ID_CANONICAL_URL_PING_PONG = PROACTIVE_TRIGGER_IDS.canonical_ping_pong
TRIGGER_ID_USER_PAGE_DWELL = PROACTIVE_TRIGGER_IDS.user_page_dwell
TRIGGER_ID_SECTION_PLAYBOOK_MATCH = PROACTIVE_TRIGGER_IDS.section_playbook_match


def get_proactive_trigger_ids() -> ProactiveTriggerIds:
    """Return :data:`PROACTIVE_TRIGGER_IDS` (always the same object)."""
    return PROACTIVE_TRIGGER_IDS
