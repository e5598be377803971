"""Proactive triggers: decide when a copilot should speak first, and what it proposes to say.

* Contexts and results: :class:`ProactiveTriggerContext` (built from a session's recent
  ``ActionsPayload`` s with :func:`build_proactive_context_from_payloads`) and
  :class:`ProactiveTriggerResult`.
* Triggers: the :class:`ProactiveTrigger` protocol, :class:`PredicateProactiveTrigger`, the
  built-ins (:class:`CanonicalPingPongTrigger`, :class:`UserPageDwellTrigger`; the section and
  scoped ping-pong triggers live in :mod:`.triggers`), :class:`ProactiveTriggerEntity` (timings
  and triggering type) and :class:`ProactiveTriggerRegistry`.
* The catalog: :data:`BUILTIN_TRIGGER_CATALOG`, :func:`registry_from_builtin_specs` (JSON-like
  rows, validated) and :func:`default_proactive_trigger_registry`.
* LLM judge: :func:`partition_results_by_triggering_type`, :func:`parse_llm_judge_json` (never
  raises), :func:`judge_result_to_proactive_trigger_result`.
* Configuration: quick-reply rows and tour offers (:mod:`.proactive_intercom_config`), trigger
  configs (:mod:`.trigger_config`), tours (:mod:`.tour_registry`).

Everything is pure: no I/O, no locks.  To run triggers on the live stream, see
:class:`autoplay_sdk.proactive.copilot.ProactiveCopilot`.  ``CanonicalPingPongTrigger`` and
``UserPageDwellTrigger`` are resolved lazily from :mod:`.triggers`.
"""

from __future__ import annotations

import importlib
from typing import Any

from autoplay_sdk.proactive.triggers.builtin_catalog import (
    BUILTIN_TRIGGER_CATALOG,
    BuiltinTriggerCatalogEntry,
    ResolvedBuiltinTriggerSpec,
    list_builtin_trigger_catalog,
    registry_from_builtin_specs,
    resolve_builtin_specs,
)
from autoplay_sdk.proactive.triggers.context_source import (
    RecentActionsPayloadSource,
    build_proactive_context_from_payloads,
)
from autoplay_sdk.proactive.triggers.defaults import (
    PROACTIVE_TRIGGER_IDS,
    TRIGGER_ID_CANONICAL_URL_PING_PONG,
    TRIGGER_ID_SECTION_PLAYBOOK_MATCH,
    TRIGGER_ID_USER_PAGE_DWELL,
    ProactiveTriggerIds,
    get_proactive_trigger_ids,
)
from autoplay_sdk.proactive.triggers.entity import ProactiveTriggerEntity
from autoplay_sdk.proactive.triggers.judge import (
    META_JUDGE_REASONING,
    META_JUDGE_SCHEMA_VERSION,
    META_PROACTIVE_INTENT,
    META_PROACTIVE_VALID_TIMING,
    META_TRIGGERING_TYPE,
    TRIGGERING_TYPE_INSTANT,
    TRIGGERING_TYPE_LLM_JUDGE,
    LlmJudgeResult,
    attach_triggering_type,
    judge_result_to_proactive_trigger_result,
    parse_llm_judge_json,
    partition_results_by_triggering_type,
    should_deliver_after_judge,
    validate_or_truncate_proactive_body,
)
from autoplay_sdk.proactive.triggers.pending_tour_offer import (
    PendingTourOffer,
    pending_offer_to_json,
    resolve_pending_redis_value,
)
from autoplay_sdk.proactive.triggers.predicate_trigger import PredicateProactiveTrigger
from autoplay_sdk.proactive.triggers.proactive_intercom_config import (
    TOUR_OFFER_QUICK_REPLY_BODY,
    ProactiveIntercomMessageRow,
    effective_tour_flow_id_for_row,
    match_message_row_by_inbound_text,
    parse_proactive_intercom_messages,
    quick_reply_labels_from_messages_config,
    tour_offer_quick_reply_body,
)
from autoplay_sdk.proactive.triggers.registry import ProactiveTriggerRegistry
from autoplay_sdk.proactive.triggers.scope import SCOPE_INVALID_EVENT, ProactiveScope, ScopePolicy, log_scope_violation
from autoplay_sdk.proactive.triggers.types import (
    DEFAULT_PROACTIVE_CONTEXT_LOOKBACK_S,
    DEFAULT_PROACTIVE_CONTEXT_MAX_ACTIONS,
    PROACTIVE_BODY_MAX_CHARS,
    ProactiveTrigger,
    ProactiveTriggerContext,
    ProactiveTriggerResult,
    ProactiveTriggerTimings,
)

__all__ = [  # noqa: RUF022  (the published order)
    "PendingTourOffer",
    "ProactiveIntercomMessageRow",
    "BUILTIN_TRIGGER_CATALOG",
    "BuiltinTriggerCatalogEntry",
    "RecentActionsPayloadSource",
    "build_proactive_context_from_payloads",
    "CanonicalPingPongTrigger",
    "UserPageDwellTrigger",
    "DEFAULT_PROACTIVE_CONTEXT_LOOKBACK_S",
    "DEFAULT_PROACTIVE_CONTEXT_MAX_ACTIONS",
    "LlmJudgeResult",
    "META_JUDGE_REASONING",
    "META_JUDGE_SCHEMA_VERSION",
    "META_PROACTIVE_INTENT",
    "META_PROACTIVE_VALID_TIMING",
    "META_TRIGGERING_TYPE",
    "PROACTIVE_BODY_MAX_CHARS",
    "PredicateProactiveTrigger",
    "PROACTIVE_TRIGGER_IDS",
    "ResolvedBuiltinTriggerSpec",
    "ProactiveScope",
    "ProactiveTrigger",
    "ProactiveTriggerContext",
    "ProactiveTriggerEntity",
    "ProactiveTriggerIds",
    "ProactiveTriggerRegistry",
    "ProactiveTriggerResult",
    "ProactiveTriggerTimings",
    "SCOPE_INVALID_EVENT",
    "ScopePolicy",
    "TRIGGERING_TYPE_INSTANT",
    "TRIGGERING_TYPE_LLM_JUDGE",
    "TRIGGER_ID_USER_PAGE_DWELL",
    "TRIGGER_ID_CANONICAL_URL_PING_PONG",
    "TRIGGER_ID_SECTION_PLAYBOOK_MATCH",
    "attach_triggering_type",
    "default_proactive_trigger_registry",
    "get_proactive_trigger_ids",
    "judge_result_to_proactive_trigger_result",
    "list_builtin_trigger_catalog",
    "log_scope_violation",
    "parse_llm_judge_json",
    "partition_results_by_triggering_type",
    "TOUR_OFFER_QUICK_REPLY_BODY",
    "effective_tour_flow_id_for_row",
    "match_message_row_by_inbound_text",
    "parse_proactive_intercom_messages",
    "pending_offer_to_json",
    "quick_reply_labels_from_messages_config",
    "tour_offer_quick_reply_body",
    "resolve_pending_redis_value",
    "registry_from_builtin_specs",
    "resolve_builtin_specs",
    "should_deliver_after_judge",
    "validate_or_truncate_proactive_body",
]

_LAZY = {"CanonicalPingPongTrigger", "UserPageDwellTrigger"}


def default_proactive_trigger_registry() -> ProactiveTriggerRegistry:
    """A new registry with the catalog's ping-pong trigger alone (timings 10/30, LLM-judge gated)."""
    entry = BUILTIN_TRIGGER_CATALOG[TRIGGER_ID_CANONICAL_URL_PING_PONG]
    return registry_from_builtin_specs([{"id": entry.id, "name": entry.name, "description": entry.description}])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module("autoplay_sdk.proactive.triggers.triggers"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
