"""The four built-in triggers: URL ping-pong (plain and scoped), page dwell and section playbook.

Each is stateless, sets no ``triggering_type`` and returns results with the default timings
(10 s / 30 s); wrap one in :class:`~autoplay_sdk.proactive.triggers.ProactiveTriggerEntity` to
change that.
"""

from autoplay_sdk.proactive.triggers.defaults import (
    TRIGGER_ID_CANONICAL_URL_PING_PONG,
    TRIGGER_ID_SECTION_PLAYBOOK_MATCH,
    TRIGGER_ID_USER_PAGE_DWELL,
)
from autoplay_sdk.proactive.triggers.triggers.canonical_ping_pong import CanonicalPingPongTrigger
from autoplay_sdk.proactive.triggers.triggers.section_playbook import SectionPlaybookTrigger
from autoplay_sdk.proactive.triggers.triggers.user_page_dwell import UserPageDwellTrigger

__all__ = [
    "TRIGGER_ID_CANONICAL_URL_PING_PONG",
    "TRIGGER_ID_SECTION_PLAYBOOK_MATCH",
    "TRIGGER_ID_USER_PAGE_DWELL",
    "CanonicalPingPongTrigger",
    "SectionPlaybookTrigger",
    "UserPageDwellTrigger",
]
