"""The names later SDK versions added for chatbots, checked as tables: where each imports from, its
signature, fields, values and exact messages; and what ``import autoplay_sdk`` does and does not load.

Covers the error reporter, conversation links, the ``SessionState`` additions, the async session
stores, the chatbot manager and the hesitation predicate.  Behaviour beyond the surface lives in the
feature directories' own tests; the strings here are the ones a program or a log search depends on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import warnings
from typing import Any

import pytest

from tests.later_versions._surface import field_layout, fresh, is_frozen, resolve, signature

# --------------------------------------------------------------------------------------------
# Import side effects and the lists of 0.7.5 modules
# --------------------------------------------------------------------------------------------

ROOT_ALL_075 = [
    "ConnectorClient",
    "AsyncConnectorClient",
    "ActionsPayload",
    "SummaryPayload",
    "SlimAction",
    "AnyPayload",
    "EventBuffer",
    "RedisEventBuffer",
    "BufferBackend",
    "ContextStore",
    "AsyncContextStore",
    "RagPipeline",
    "AsyncRagPipeline",
    "ChatContextAssembly",
    "ChatMemoryProvider",
    "KnowledgeBaseRetriever",
    "RagChatProviders",
    "RagReplyInputs",
    "assemble_rag_chat_context",
    "ChatWatermarkScope",
    "cutoff_for_delta_activity",
    "effective_inbound_timestamp",
    "InMemoryInboundWatermarkStore",
    "InboundWatermarkStore",
    "format_rag_system_prompt",
    "format_reasoning_prompt",
    "format_response_prompt",
    "RAG_SYSTEM_PROMPT",
    "REASONING_PROMPT",
    "RESPONSE_PROMPT",
    "SessionSummarizer",
    "AsyncSessionSummarizer",
    "DEFAULT_PROMPT",
    "AsyncAgentContextWriter",
    "agent_state_v2",
    "ConversationWriter",
    "BaseChatbotWriter",
    "ConversationEvent",
    "format_chatbot_note_header",
    "AsyncChatPipeline",
    "compose_chat_pipeline",
    "UserSessionIndex",
    "SessionRef",
    "WebhookReceiver",
    "SdkMetricsHook",
    "SdkError",
    "SdkConfigError",
    "SdkUpstreamError",
    "SdkBufferFullError",
    "__version__",
]
ADMIN_ALL_075 = [
    "DEFAULT_CONNECTOR_URL",
    "ConnectorRegistrationHttpError",
    "MergedPostRegistrationHttpError",
    "OnboardProductResult",
    "ProductAlreadyRegisteredError",
    "UnkeyOnboardingError",
    "onboard_product",
    "onboard_product_sync",
    "print_onboarding_operator_summary",
]
ADMIN_MODULE_ALL_075 = [
    "DEFAULT_CONNECTOR_URL",
    "ConnectorRegistrationHttpError",
    "MergedPostRegistrationHttpError",
    "ProductAlreadyRegisteredError",
    "OnboardProductResult",
    "UnkeyOnboardingError",
    "onboard_product",
    "onboard_product_sync",
    "print_onboarding_operator_summary",
]
TRIGGERS_ALL_075 = [
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
INTEGRATIONS_ALL_075 = sorted(
    [
        "INTERCOM_API_VERSION_DELETE_CONVERSATION",
        "INTERCOM_API_VERSION_QUICK_REPLY",
        "INTERCOM_API_VERSION_REST",
        "INTERCOM_API_VERSION_UNSTABLE",
        "INTERCOM_CREATE_CONVERSATION_DEFAULT_BODY",
        "INTERCOM_HTTP_HEADER_VERSION",
        "INTERCOM_PROACTIVE_PROMPTS_MAX",
        "INTERCOM_PROACTIVE_QUICK_REPLY_DEFAULT_BODY",
        "INTERCOM_REST_API_BASE",
        "INTERCOM_WEBHOOK_TOPICS",
        "INTERCOM_WEBHOOK_TOPIC_USER_CREATED",
        "INTERCOM_WEBHOOK_TOPIC_USER_REPLIED",
        "IntercomProactivePolicyConfig",
        "build_connector_llm_prompt_labels_request_body",
        "build_create_user_conversation_payload",
        "build_intercom_delete_conversation_request",
        "build_intercom_quick_reply_reply_payload",
        "contacts_search_query_email",
        "contacts_search_query_external_id",
        "conversation_id_from_create_conversation_response",
        "first_contact_id_from_search_response",
        "format_reactive_session_link_script",
        "intercom_chatbot_webhook_url",
        "intercom_connector_llm_prompt_labels_url",
        "intercom_delete_conversation_headers",
        "intercom_delete_conversation_url",
        "intercom_quick_reply_http_headers",
        "intercom_rest_json_headers",
        "normalize_intercom_quick_reply_labels",
        "proactive_trigger_canonical_url_ping_pong",
        "proactive_trigger_canonical_url_ping_pong_projects_either_leg",
    ]
)

PRE_EXISTING_ALL: list[tuple[str, list[str]]] = [
    ("autoplay_sdk", ROOT_ALL_075),
    (
        "autoplay_sdk.chat",
        [
            "AsyncChatPipeline",
            "BaseChatbotWriter",
            "ConversationEvent",
            "ConversationWriter",
            "compose_chat_pipeline",
            "format_chatbot_note_header",
        ],
    ),
    (
        "autoplay_sdk.prompts",
        [
            "INTERCOM_READABILITY_RULES",
            "READABILITY_RULES_FINGERPRINT",
            "RAG_SYSTEM_PROMPT",
            "REASONING_PROMPT",
            "RESPONSE_PROMPT",
            "RULES_VERSION",
        ],
    ),
    ("autoplay_sdk.admin", ADMIN_ALL_075),
    ("autoplay_sdk.admin.admin", ADMIN_MODULE_ALL_075),
    ("autoplay_sdk.admin.onboarding", ADMIN_MODULE_ALL_075),
    ("autoplay_sdk.admin.onboard", ADMIN_MODULE_ALL_075),
    ("autoplay_sdk.proactive.triggers", TRIGGERS_ALL_075),
    ("autoplay_sdk.integrations", INTEGRATIONS_ALL_075),
    (
        "autoplay_sdk.agent_state.v2",
        ["AgentStateV2", "InvalidTransitionError", "ProactiveState", "ReactiveState", "SessionState", "ThinkingState"],
    ),
]

# 0.7.5 modules that define no ``__all__``: adding one would change what ``import *`` binds.
NO_ALL_075 = [
    "autoplay_sdk.chat.chatbot",
    "autoplay_sdk.integrations.intercom",
    "autoplay_sdk.admin.connector_registration_http",
    "autoplay_sdk.admin.product_onboarding",
]


@pytest.mark.parametrize(("module", "expected"), PRE_EXISTING_ALL, ids=[m for m, _ in PRE_EXISTING_ALL])
def test_the_075_all_lists_are_unchanged(module: str, expected: list[str]) -> None:
    assert list(resolve(module).__all__) == expected


@pytest.mark.parametrize("module", NO_ALL_075)
def test_075_modules_without_all_still_have_none(module: str) -> None:
    assert not hasattr(resolve(module), "__all__")


FORBIDDEN_ON_IMPORT = [
    "redis",
    "fastapi",
    "unkey",
    "autoplay_sdk.integrations",
    "autoplay_sdk.proactive",
    "autoplay_sdk.storage",
    "autoplay_sdk.providers",
    "autoplay_sdk.user_adoption_state",
    "autoplay_sdk.observability",
    "autoplay_sdk.chat._links",
    "autoplay_sdk.chat._manager",
    "autoplay_sdk.agent_state.v2.async_store",
]

# Every name later versions serve from the root, with the module whose object it must be.
NEW_ROOT_NAMES: dict[str, str] = {
    "ConversationEventType": "autoplay_sdk.chat.chatbot",
    "ConversationLink": "autoplay_sdk.chat.chatbot",
    "ConversationLinkStore": "autoplay_sdk.chat.chatbot",
    "InMemoryConversationLinkStore": "autoplay_sdk.chat.chatbot",
    "ConversationWebhookEvent": "autoplay_sdk.chat.chatbot",
    "link_conversation": "autoplay_sdk.chat.chatbot",
    "resolve_linked_conversation_id": "autoplay_sdk.chat.chatbot",
    "AutoplayChatbotManager": "autoplay_sdk.chat.chatbot",
    "InMemorySessionStateStore": "autoplay_sdk.chat.chatbot",
    "RedisSessionStateStore": "autoplay_sdk.chat.chatbot",
    "ActivityProvider": "autoplay_sdk.providers",
    "AmplitudeProvider": "autoplay_sdk.providers",
    "PostHogProvider": "autoplay_sdk.providers",
    "ProviderRegistrationBody": "autoplay_sdk.providers",
    **dict.fromkeys(
        [
            "AutoplayStorageAdapter",
            "StorageManager",
            "RedisStorageAdapter",
            "InMemoryStorageAdapter",
            "user_state_key",
            "session_key",
            "init_user_state",
            "on_session_start",
            "on_session_end",
            "build_agent_context",
        ],
        "autoplay_sdk.storage",
    ),
    "UserAdoptionState": "autoplay_sdk.user_adoption_state",
    "JourneyState": "autoplay_sdk.user_adoption_state",
    "MasteryLevel": "autoplay_sdk.user_adoption_state",
    "WorkflowStatus": "autoplay_sdk.user_adoption_state",
}


def test_import_autoplay_sdk_loads_nothing_new_and_serves_every_new_name_silently() -> None:
    """One fresh interpreter (warnings are errors): the import loads none of the optional or new
    modules; each new root name then resolves to its canonical object without a warning, stays
    out of ``__all__`` and out of ``import *``; the adoption package itself is served as a module."""
    code = f"""
import importlib, json, sys
import autoplay_sdk
loaded = sorted(m for m in {FORBIDDEN_ON_IMPORT!r} if m in sys.modules)
rows = {NEW_ROOT_NAMES!r}
same = {{n: getattr(autoplay_sdk, n) is getattr(importlib.import_module(m), n) for n, m in rows.items()}}
module_ok = autoplay_sdk.user_adoption_state is importlib.import_module("autoplay_sdk.user_adoption_state")
ns = {{}}
exec("from autoplay_sdk import *", ns)
star = sorted(k for k in ns if not k.startswith("__") or k == "__version__")
print(json.dumps({{"loaded": loaded, "same": same, "module": module_ok, "star": star,
                  "in_all": sorted(set(rows) & set(autoplay_sdk.__all__)),
                  "observability": hasattr(autoplay_sdk, "report_error")}}))
"""
    report = json.loads(fresh(code))
    assert report["loaded"] == []
    assert report["same"] == dict.fromkeys(NEW_ROOT_NAMES, True)
    assert report["module"] is True
    assert report["star"] == sorted(ROOT_ALL_075)
    assert report["in_all"] == []
    assert report["observability"] is False  # the reporter is not re-exported from the root


@pytest.mark.parametrize(
    "module",
    [
        "autoplay_sdk.observability",
        "autoplay_sdk.providers",
        "autoplay_sdk.storage",
        "autoplay_sdk.user_adoption_state",
        "autoplay_sdk.agent_state.v2.async_store",
        "autoplay_sdk.admin.hosted",
        "autoplay_sdk.prompts.user_adoption",
        "autoplay_sdk.proactive.triggers._url_predicates",
        "autoplay_sdk.integrations.intercom",
    ],
)
def test_each_new_module_imports_first_in_a_fresh_interpreter_without_redis_or_fastapi(module: str) -> None:
    out = fresh(f"import sys, {module}\nprint(sorted(m for m in ('redis', 'fastapi', 'unkey') if m in sys.modules))")
    assert out.strip() == "[]"


# --------------------------------------------------------------------------------------------
# Signatures: parameter names, order, kinds and defaults
# --------------------------------------------------------------------------------------------

_CHATBOT = "autoplay_sdk.chat.chatbot"
_ASYNC = "autoplay_sdk.agent_state.v2.async_store"
_STATE = "autoplay_sdk.agent_state.v2.session_state"
SIGNATURES: list[tuple[str, str]] = [
    ("autoplay_sdk.observability:set_error_reporter", "(reporter)"),
    ("autoplay_sdk.observability:report_error", "(event, exc=None, **context)"),
    (f"{_CHATBOT}:link_conversation", "(*, state, store, conversation_id, event=None, session_id=None)"),
    (f"{_CHATBOT}:resolve_linked_conversation_id", "(state)"),
    (f"{_CHATBOT}:ConversationLink", "(session_id, conversation_id, event=<ConversationEventType.NEW: 'NEW'>)"),
    (f"{_CHATBOT}:ConversationLinkStore.save", "(self, link)"),
    (f"{_CHATBOT}:ConversationLinkStore.get_session_id", "(self, conversation_id)"),
    (f"{_CHATBOT}:InMemoryConversationLinkStore", "()"),
    (f"{_CHATBOT}:InMemoryConversationLinkStore.save", "(self, link)"),
    (f"{_CHATBOT}:InMemoryConversationLinkStore.get_session_id", "(self, conversation_id)"),
    (f"{_CHATBOT}:BaseChatbotWriter.__init_subclass__", "(*, strict_session_link=False, **kwargs)"),
    (f"{_CHATBOT}:AutoplayChatbotManager", "(writer, session_store=None, *, link_store=None)"),
    (f"{_CHATBOT}:AutoplayChatbotManager.on_actions", "(self, payload)"),
    (f"{_CHATBOT}:AutoplayChatbotManager.on_chatbot_event", "(self, session_id, conversation_id, metadata=None)"),
    (f"{_CHATBOT}:AutoplayChatbotManager.save_state", "(self, state)"),
    (f"{_STATE}:SessionState.on_conversation_linked", "(self, link)"),
    (f"{_STATE}:SessionState.can_deliver_proactive", "(self)"),
    (f"{_STATE}:SessionState.from_dict", "(d, *, lenient=False)"),
    ("autoplay_sdk.agent_state.v2.state_store:from_portable", "(snapshot, *, lenient=False)"),
    (f"{_ASYNC}:AsyncInMemorySessionStateStore", "(*, ttl_s=None)"),
    (f"{_ASYNC}:AsyncRedisSessionStateStore", "(redis_url, ttl_s=86400, *, client=None, key_prefix='autoplay:')"),
    (f"{_ASYNC}:MappingSessionStateStore", "(mapping, *, blocking=None)"),  # blocking: ours, optional
    *[
        (f"{_ASYNC}:{cls}.{method}", sig)
        for cls in (
            "AsyncSessionStateStore",
            "AsyncInMemorySessionStateStore",
            "AsyncRedisSessionStateStore",
            "MappingSessionStateStore",
        )
        for method, sig in (
            ("get_or_create", "(self, session_id, metadata=None)"),
            ("get", "(self, session_id)"),
            ("save", "(self, state)"),
        )
    ],
    (
        "autoplay_sdk.proactive.triggers._url_predicates:proactive_trigger_url_hesitation",
        "(urls, *, min_distinct=3, min_repeats=1)",
    ),
    (
        "autoplay_sdk.proactive.triggers.triggers.canonical_ping_pong:CanonicalPingPongTrigger",
        "(*, min_cycles=1, broaden_with_hesitation=False, hesitation_min_distinct=3)",
    ),
    (
        "autoplay_sdk.proactive.triggers.triggers.scoped_canonical_ping_pong:ScopedCanonicalPingPongTrigger",
        "(*, url_must_contain, min_cycles=1, broaden_with_hesitation=False, hesitation_min_distinct=3)",
    ),
]


@pytest.mark.parametrize(("path", "expected"), SIGNATURES, ids=[p for p, _ in SIGNATURES])
def test_signature(path: str, expected: str) -> None:
    assert signature(resolve(path)) == expected


@pytest.mark.parametrize(
    "path",
    [
        f"{_CHATBOT}:AutoplayChatbotManager.on_actions",
        f"{_CHATBOT}:AutoplayChatbotManager.on_chatbot_event",
        f"{_CHATBOT}:AutoplayChatbotManager.save_state",
        *[
            f"{_ASYNC}:{cls}.{m}"
            for cls in ("AsyncInMemorySessionStateStore", "AsyncRedisSessionStateStore", "MappingSessionStateStore")
            for m in ("get_or_create", "get", "save")
        ],
        f"{_ASYNC}:AsyncRedisSessionStateStore.aclose",
    ],
)
def test_async_methods_are_coroutine_functions(path: str) -> None:
    assert asyncio.iscoroutinefunction(resolve(path))


# --------------------------------------------------------------------------------------------
# Where each name lives
# --------------------------------------------------------------------------------------------

LINK_NAMES = [
    "ConversationEventType",
    "ConversationLink",
    "ConversationLinkStore",
    "InMemoryConversationLinkStore",
    "ConversationWebhookEvent",
    "link_conversation",
    "resolve_linked_conversation_id",
]


@pytest.mark.parametrize("name", LINK_NAMES)
def test_link_names_are_the_same_object_from_chat_and_the_root(name: str) -> None:
    import autoplay_sdk
    import autoplay_sdk.chat

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        obj = resolve(f"{_CHATBOT}:{name}")
        assert getattr(autoplay_sdk.chat, name) is obj
        assert getattr(autoplay_sdk, name) is obj


def test_store_names_alias_the_async_classes_in_chatbot_and_root_only() -> None:
    import autoplay_sdk
    import autoplay_sdk.chat

    async_store = resolve(_ASYNC)
    chatbot = resolve(_CHATBOT)
    assert chatbot.InMemorySessionStateStore is async_store.AsyncInMemorySessionStateStore
    assert chatbot.RedisSessionStateStore is async_store.AsyncRedisSessionStateStore
    assert autoplay_sdk.InMemorySessionStateStore is async_store.AsyncInMemorySessionStateStore
    assert autoplay_sdk.RedisSessionStateStore is async_store.AsyncRedisSessionStateStore
    state_store = resolve("autoplay_sdk.agent_state.v2.state_store")
    assert state_store.InMemorySessionStateStore is not async_store.AsyncInMemorySessionStateStore
    assert state_store.RedisSessionStateStore is not async_store.AsyncRedisSessionStateStore
    # the two classes of one short name point to each other
    assert "AsyncInMemorySessionStateStore" in (state_store.InMemorySessionStateStore.__doc__ or "")
    assert "AsyncRedisSessionStateStore" in (state_store.RedisSessionStateStore.__doc__ or "")
    assert "state_store" in (async_store.__doc__ or "")


def test_conversation_event_is_the_075_dataclass_at_every_path() -> None:
    import dataclasses

    import autoplay_sdk
    import autoplay_sdk.chat

    chatbot = resolve(_CHATBOT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for module in (autoplay_sdk, autoplay_sdk.chat, chatbot):
            assert module.ConversationEvent is chatbot.ConversationEvent
            assert module.ConversationWebhookEvent is chatbot.ConversationEvent
    assert dataclasses.is_dataclass(chatbot.ConversationEvent) and not is_frozen(chatbot.ConversationEvent)
    assert field_layout(chatbot.ConversationEvent) == [
        ("conversation_id", "<required>", False),
        ("external_id", "''", False),
        ("email", "''", False),
    ]
    assert chatbot.ConversationWebhookEvent.__name__ == "ConversationEvent"


def test_hesitation_predicate_is_exported_by_neither_075_package() -> None:
    import autoplay_sdk.integrations
    import autoplay_sdk.integrations.intercom as intercom
    import autoplay_sdk.proactive.triggers as triggers

    preds = resolve("autoplay_sdk.proactive.triggers._url_predicates")
    assert "proactive_trigger_url_hesitation" not in triggers.__all__
    assert not hasattr(triggers, "proactive_trigger_url_hesitation")
    assert not hasattr(autoplay_sdk.integrations, "proactive_trigger_url_hesitation")
    assert not hasattr(intercom, "proactive_trigger_url_hesitation")
    for name in (
        "proactive_trigger_canonical_url_ping_pong",
        "proactive_trigger_canonical_url_ping_pong_projects_either_leg",
    ):
        assert getattr(preds, name) is getattr(intercom, name) is getattr(autoplay_sdk.integrations, name)


@pytest.mark.parametrize(
    "first", ["autoplay_sdk.proactive.triggers._url_predicates", "autoplay_sdk.integrations.intercom"]
)
def test_predicates_are_one_object_whichever_module_loads_first(first: str) -> None:
    code = (
        f"import {first}\n"
        "import autoplay_sdk.proactive.triggers._url_predicates as p, autoplay_sdk.integrations.intercom as i\n"
        "print(p.proactive_trigger_canonical_url_ping_pong is i.proactive_trigger_canonical_url_ping_pong)"
    )
    assert fresh(code).strip() == "True"


# --------------------------------------------------------------------------------------------
# Values, fields and exact strings
# --------------------------------------------------------------------------------------------


def test_observability_module() -> None:
    obs = resolve("autoplay_sdk.observability")
    assert obs.__all__ == ["ErrorReporter", "report_error", "set_error_reporter"]
    assert obs.logger.name == "autoplay_sdk.observability" if hasattr(obs, "logger") else True


def test_report_error_logs_then_forwards_by_keyword(caplog: pytest.LogCaptureFixture) -> None:
    obs = resolve("autoplay_sdk.observability")
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def reporter(*args: Any, **kwargs: Any) -> None:
        calls.append((args, kwargs))

    boom = RuntimeError("boom")
    obs.set_error_reporter(reporter)
    try:
        with caplog.at_level(logging.DEBUG, logger="autoplay_sdk.observability"):
            assert obs.report_error("Something failed", boom, product_id="p", session_id="s") is None
            obs.report_error("No exc", k=1)
    finally:
        obs.set_error_reporter(None)
    assert calls == [
        (("Something failed",), {"exc": boom, "product_id": "p", "session_id": "s"}),
        (("No exc",), {"exc": None, "k": 1}),
    ]
    records = [r for r in caplog.records if r.name == "autoplay_sdk.observability"]
    assert [(r.levelno, r.msg, r.args) for r in records] == [
        (logging.WARNING, "sdk_error: %s (%s)", ("Something failed", {"product_id": "p", "session_id": "s"})),
        (logging.WARNING, "sdk_error: %s (%s)", ("No exc", {"k": 1})),
    ]
    assert records[0].exc_info is not None and records[0].exc_info[1] is boom
    assert not records[1].exc_info


def test_a_raising_reporter_is_swallowed_at_debug_but_base_exceptions_propagate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    obs = resolve("autoplay_sdk.observability")

    def broken(event: str, **_: Any) -> None:
        raise ValueError("reporter bug")

    def interrupting(event: str, **_: Any) -> None:
        raise KeyboardInterrupt

    try:
        obs.set_error_reporter(broken)
        with caplog.at_level(logging.DEBUG, logger="autoplay_sdk.observability"):
            obs.report_error("x")
        debug = [r for r in caplog.records if r.levelno == logging.DEBUG]
        assert [r.getMessage() for r in debug] == ["sdk_error: reporter raised"] and debug[0].exc_info
        obs.set_error_reporter(interrupting)
        with pytest.raises(KeyboardInterrupt):
            obs.report_error("y")
    finally:
        obs.set_error_reporter(None)


def test_conversation_event_type_values_and_str() -> None:
    cet = resolve(f"{_CHATBOT}:ConversationEventType")
    assert [(m.name, m.value) for m in cet] == [("NEW", "NEW"), ("REPLY_EXISTING", "REPLY_EXISTING")]
    assert issubclass(cet, str) and cet.NEW == "NEW"
    assert str(cet.NEW) == "ConversationEventType.NEW"


def test_conversation_link_is_a_frozen_hashable_triple() -> None:
    link_cls = resolve(f"{_CHATBOT}:ConversationLink")
    cet = resolve(f"{_CHATBOT}:ConversationEventType")
    assert is_frozen(link_cls)
    assert [n for n, _, _ in field_layout(link_cls)] == ["session_id", "conversation_id", "event"]
    a, b = link_cls("s", "c"), link_cls("s", "c", cet.NEW)
    assert a == b and hash(a) == hash(b) and a != link_cls("s", "c", cet.REPLY_EXISTING)
    assert link_cls("s", "c", cet.REPLY_EXISTING).is_reply_existing and not a.is_reply_existing
    assert link_cls("", "").conversation_id == ""  # values are not validated


def test_link_store_protocol_is_runtime_checkable() -> None:
    proto = resolve(f"{_CHATBOT}:ConversationLinkStore")
    store = resolve(f"{_CHATBOT}:InMemoryConversationLinkStore")()
    assert isinstance(store, proto) and not isinstance(object(), proto)


def _state(**kw: Any) -> Any:
    return resolve(f"{_STATE}:SessionState")(**kw)


def test_link_conversation_messages() -> None:
    link = resolve(f"{_CHATBOT}:link_conversation")
    store = resolve(f"{_CHATBOT}:InMemoryConversationLinkStore")()
    with pytest.raises(ValueError) as no_sid:
        link(state=_state(), store=store, conversation_id="c")
    assert str(no_sid.value) == (
        "link_conversation: session_id is required. Set state.session_id before calling link_conversation, "
        "or use InMemorySessionStateStore.get_or_create() to initialise the state."
    )
    state = _state(session_id="s")
    with pytest.raises(ValueError) as no_conv:
        link(state=state, store=store, conversation_id="")
    assert str(no_conv.value) == "link_conversation: conversation_id is required."
    assert store.get_session_id("") is None and state.conversation_linked is False


def test_link_conversation_writes_the_store_first_and_detects_the_event() -> None:
    link = resolve(f"{_CHATBOT}:link_conversation")
    cet = resolve(f"{_CHATBOT}:ConversationEventType")
    store = resolve(f"{_CHATBOT}:InMemoryConversationLinkStore")()
    first = _state(session_id="s1")
    assert link(state=first, store=store, conversation_id="c1").event is cet.NEW
    other = _state(session_id="s2")
    got = link(state=other, store=store, conversation_id="c1")
    assert got.event is cet.REPLY_EXISTING and got.session_id == "s2"
    assert (other.conversation_linked, other.conversation_id) == (True, "c1")
    assert store.get_session_id("c1") == "s2"
    # REPLY_EXISTING never overwrites an existing link, yet the store is still written
    got = link(state=first, store=store, conversation_id="c9", event=cet.REPLY_EXISTING)
    assert first.conversation_id == "c1" and store.get_session_id("c9") == "s1"
    # an explicit session id wins over the state's
    assert link(state=first, store=store, conversation_id="c2", session_id="other").session_id == "other"

    class Failing:
        def save(self, link: Any) -> None:
            raise OSError("store down")

        def get_session_id(self, conversation_id: str) -> str | None:
            return None

    untouched = _state(session_id="s3")
    with pytest.raises(OSError):
        link(state=untouched, store=Failing(), conversation_id="c3")
    assert untouched.conversation_linked is False and untouched.conversation_id is None


def test_resolve_linked_conversation_id() -> None:
    resolve_id = resolve(f"{_CHATBOT}:resolve_linked_conversation_id")
    assert resolve_id(_state()) is None
    assert resolve_id(_state(conversation_linked=True, conversation_id="c")) == "c"
    assert resolve_id(_state(conversation_linked=True, conversation_id="")) is None
    assert resolve_id(_state(conversation_linked=False, conversation_id="c")) is None


def test_strict_session_link_message_is_exact() -> None:
    base = resolve(f"{_CHATBOT}:BaseChatbotWriter")
    with pytest.raises(TypeError) as info:
        type("Strict", (base,), {"SESSION_LINK_WEBHOOK_TOPICS": ("t",)}, strict_session_link=True)
    assert str(info.value) == (
        "Strict sets SESSION_LINK_WEBHOOK_TOPICS but does not override _parse_session_link_webhook_payload. "
        "Add a classmethod override that returns ConversationWebhookEvent | None."
    )
    lax = type("Lax", (base,), {"SESSION_LINK_WEBHOOK_TOPICS": ("t",)})  # default: never checked
    # sub-subclasses inherit nothing from the flag
    type("Child", (lax,), {"SESSION_LINK_WEBHOOK_TOPICS": ("u",)})


def test_session_state_new_fields_are_keyword_only_after_v() -> None:
    cls = resolve(f"{_STATE}:SessionState")
    layout = field_layout(cls)
    names = [n for n, _, _ in layout]
    assert names[names.index("_v") + 1 :] == ["session_id", "metadata", "conversation_linked", "conversation_id"]
    assert layout[names.index("_v") + 1 :] == [
        ("session_id", "''", True),
        ("metadata", "<factory>", True),
        ("conversation_linked", "False", True),
        ("conversation_id", "None", True),
    ]
    assert not any(kw for _, _, kw in layout[: names.index("_v") + 1])
    assert cls().session_id == "" and cls(session_id="").session_id == ""  # no validation


def test_session_state_to_dict_layouts() -> None:
    plain = _state().to_dict()
    assert list(plain) == [
        "_v",
        "current_state",
        "last_interaction_at",
        "interaction_timeout_s",
        "cooldown_period_s",
        "visual_guidance_active",
        "active_tour_id",
        "thinking",
        "proactive",
        "reactive",
    ]
    for change in (
        {"session_id": "s"},
        {"metadata": {"a": 1}},
        {"conversation_linked": True},
        {"conversation_id": "c"},
    ):
        full = _state(**change).to_dict()
        assert list(full) == [
            "_v",
            "session_id",
            "metadata",
            "current_state",
            "last_interaction_at",
            "interaction_timeout_s",
            "cooldown_period_s",
            "visual_guidance_active",
            "active_tour_id",
            "conversation_linked",
            "conversation_id",
            "thinking",
            "proactive",
            "reactive",
        ], change
        assert full["_v"] == 1
    meta = {"a": 1}
    state = _state(metadata=meta)
    assert state.to_dict()["metadata"] == meta and state.to_dict()["metadata"] is not meta


def test_can_deliver_proactive_reasons() -> None:
    state = _state()
    assert state.can_deliver_proactive() == (True, "ok")
    assert state.transition_to_proactive("t") is True
    assert state.can_deliver_proactive() == (False, "v2_state_proactive_assistance")
    reactive = _state()
    reactive.transition_to_reactive()
    assert reactive.can_deliver_proactive() == (False, "v2_state_reactive_assistance")
    cooling = _state()
    cooling.thinking.start_cooldown(override_period_s=1000.0)
    assert cooling.can_deliver_proactive() == (False, "v2_cooldown_active")


def test_lenient_from_dict_warning_text(caplog: pytest.LogCaptureFixture) -> None:
    cls = resolve(f"{_STATE}:SessionState")
    snapshot = _state(session_id="s").to_dict()
    snapshot["current_state"] = "nonsense"
    with pytest.raises(ValueError):
        cls.from_dict(dict(snapshot))
    with caplog.at_level(logging.DEBUG, logger=_STATE):
        state = cls.from_dict(dict(snapshot), lenient=True)
    assert state.current_state.value == "thinking" and state.session_id == "s"
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warning) == 1 and warning[0].name == _STATE
    assert warning[0].msg == (
        "autoplay_sdk: SessionState.from_dict invalid current_state=%r — defaulting to THINKING (%s)"
    )
    assert warning[0].event_type == "session_state_parse_error"  # type: ignore[attr-defined]
    caplog.clear()
    empty_sid = _state().to_dict()
    with caplog.at_level(logging.DEBUG, logger=_STATE):
        cls.from_dict(empty_sid, lenient=True)
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]  # no "empty session_id" warning


def test_transitions_log_nothing_above_debug(caplog: pytest.LogCaptureFixture) -> None:
    state = _state(session_id="s", interaction_timeout_s=0.0, cooldown_period_s=100.0)
    with caplog.at_level(logging.DEBUG):
        state.transition_to_proactive("t")
        state.last_interaction_at -= 10
        state.tick()
        assert state.transition_to_proactive("t") is False  # blocked by cooldown
        state.transition_to_reactive()
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
    for record in caplog.records:
        assert "save_state" not in record.getMessage()


def test_async_store_module_surface() -> None:
    mod = resolve(_ASYNC)
    assert mod.__all__ == [
        "AsyncInMemorySessionStateStore",
        "AsyncRedisSessionStateStore",
        "AsyncSessionStateStore",
        "MappingSessionStateStore",
    ]
    proto = mod.AsyncSessionStateStore
    assert isinstance(mod.AsyncInMemorySessionStateStore(), proto)
    assert isinstance(mod.MappingSessionStateStore({}), proto)


@pytest.mark.parametrize("cls_name", ["AsyncInMemorySessionStateStore", "MappingSessionStateStore"])
async def test_async_stores_reject_an_empty_session_id(cls_name: str) -> None:
    mod = resolve(_ASYNC)
    store = mod.AsyncInMemorySessionStateStore() if cls_name.startswith("Async") else mod.MappingSessionStateStore({})
    with pytest.raises(ValueError, match=r"^session_id must be a non-empty string$"):
        await store.get_or_create("")
    with pytest.raises(ValueError, match=r"^session_id must be a non-empty string$"):
        await store.save(_state())


async def test_in_memory_async_store_live_references_and_metadata_copy() -> None:
    store = resolve(f"{_ASYNC}:AsyncInMemorySessionStateStore")()
    meta = {"user_id": "u"}
    state = await store.get_or_create("s", meta)
    assert state.session_id == "s" and state.metadata == meta and state.metadata is not meta
    assert await store.get_or_create("s", {"other": 1}) is state and state.metadata == meta
    assert await store.get("s") is state and await store.get("nope") is None
    outside = _state(session_id="t")
    await store.save(outside)
    assert await store.get("t") is outside


@pytest.mark.parametrize("ttl", [0, -1, float("inf"), float("nan")])
def test_redis_async_store_rejects_bad_ttls(ttl: float) -> None:
    with pytest.raises(ValueError):
        resolve(f"{_ASYNC}:AsyncRedisSessionStateStore")("redis://127.0.0.1:1/0", ttl_s=ttl)


async def test_redis_async_store_key_layout_and_portable_value(redis_url: str) -> None:
    import redis.asyncio as aioredis

    cls = resolve(f"{_ASYNC}:AsyncRedisSessionStateStore")
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        store = cls("ignored://", client=client, key_prefix="latersurface:")
        state = await store.get_or_create("sid-1", {"user_id": "u"})
        raw = await client.get("latersurface:session_state:sid-1")
        assert raw is not None
        value = json.loads(raw)
        assert value.get("clock") == "wall" and value["session_id"] == "sid-1"
        assert 0 < await client.ttl("latersurface:session_state:sid-1") <= 86400
        again = await store.get("sid-1")
        assert again is not None and again is not state
        assert (again.session_id, again.metadata, again.current_state) == (
            "sid-1",
            {"user_id": "u"},
            state.current_state,
        )
        assert abs(again.last_interaction_at - state.last_interaction_at) < 1.0  # wall clock, back to monotonic
        await store.aclose()  # an injected client is not closed by the store
        assert await client.ping()
    finally:
        await client.delete("latersurface:session_state:sid-1")
        await client.aclose()


def test_redis_async_store_default_key_is_the_upstream_one() -> None:
    store = resolve(f"{_ASYNC}:AsyncRedisSessionStateStore")("redis://127.0.0.1:1/0")
    key = next(
        (getattr(store, a)("sid") for a in dir(store) if a.startswith("_key") and callable(getattr(store, a))), None
    )
    assert key in (None, "autoplay:session_state:sid")


def test_manager_properties_are_read_only_and_stores_default() -> None:
    mod = resolve(_CHATBOT)

    class Writer:
        async def write_actions(self, **kwargs: Any) -> None: ...

        async def on_session_linked(self, session_id: str, conversation_id: str | None) -> None: ...

    writer = Writer()
    manager = mod.AutoplayChatbotManager(writer)
    assert manager.writer is writer
    assert isinstance(manager.session_store, resolve(f"{_ASYNC}:AsyncInMemorySessionStateStore"))
    assert isinstance(manager.link_store, mod.InMemoryConversationLinkStore)
    for attr in ("writer", "session_store", "link_store"):
        with pytest.raises(AttributeError):
            setattr(manager, attr, None)
    wrapped = mod.AutoplayChatbotManager(writer, {})
    assert isinstance(wrapped.session_store, resolve(f"{_ASYNC}:MappingSessionStateStore"))


async def test_manager_on_actions_converts_actions_and_rejects_unknown_types() -> None:
    from autoplay_sdk.core.models import ActionsPayload, SlimAction

    mod = resolve(_CHATBOT)
    seen: list[dict[str, Any]] = []

    class Writer:
        async def write_actions(self, **kwargs: Any) -> None:
            seen.append(kwargs)

        async def on_session_linked(self, session_id: str, conversation_id: str | None) -> None: ...

    manager = mod.AutoplayChatbotManager(Writer())
    action = SlimAction(title="t", description="d", canonical_url="/x", timestamp_start=1.0, timestamp_end=2.0, index=0)
    payload = ActionsPayload(
        product_id="p", session_id="s", user_id="u", email="e@x", actions=[action], count=1, forwarded_at=3.0
    )
    await manager.on_actions(payload)
    assert seen[0]["conversation_id"] == "" and seen[0]["session_id"] == "s"
    assert seen[0]["user_id"] == "u" and seen[0]["email"] == "e@x"
    assert len(seen[0]["slim_actions"][0]) == 12 and seen[0]["slim_actions"][0]["title"] == "t"
    payload.actions = [object()]  # type: ignore[list-item]
    with pytest.raises(TypeError) as info:
        await manager.on_actions(payload)
    assert str(info.value) == "unsupported action type: object"


async def test_manager_on_chatbot_event_messages_and_state_conversation() -> None:
    mod = resolve(_CHATBOT)
    linked: list[tuple[str, str | None]] = []

    class Writer:
        async def write_actions(self, **kwargs: Any) -> None: ...

        async def on_session_linked(self, session_id: str, conversation_id: str | None) -> None:
            linked.append((session_id, conversation_id))

    manager = mod.AutoplayChatbotManager(Writer())
    with pytest.raises(ValueError, match=r"^session_id must be a non-empty string$"):
        await manager.on_chatbot_event("", "c")
    with pytest.raises(ValueError, match=r"^link_conversation: conversation_id is required\.$"):
        await manager.on_chatbot_event("s", "")
    first = await manager.on_chatbot_event("s", "c1")
    assert isinstance(first, mod.ConversationLink) and first.event is mod.ConversationEventType.NEW
    await manager.on_chatbot_event("other", "c2")
    again = await manager.on_chatbot_event("s", "c2")  # c2 already held: REPLY_EXISTING, state keeps c1
    assert again.event is mod.ConversationEventType.REPLY_EXISTING
    assert linked[-1] == ("s", "c1")


# --------------------------------------------------------------------------------------------
# Hesitation predicate and the ping-pong triggers
# --------------------------------------------------------------------------------------------

HESITATION_TABLE = [
    (["/a", "/b", "/c", "/a"], True, False),
    (["/a", "/a", "/b", "/c"], True, False),
    (["/a", "/b", "/a", "/b"], False, True),
    (["/a", "/b", "/c", "/d"], False, False),
    ([" /a", "/b ", "/c", "/a", None, ""], True, False),
]


@pytest.mark.parametrize(("urls", "hesitation", "strict"), HESITATION_TABLE)
def test_hesitation_examples(urls: list[str | None], hesitation: bool, strict: bool) -> None:
    preds = resolve("autoplay_sdk.proactive.triggers._url_predicates")
    assert preds.proactive_trigger_url_hesitation(urls) is hesitation
    assert preds.proactive_trigger_canonical_url_ping_pong(urls) is strict


def _ctx(urls: list[str]) -> Any:
    from autoplay_sdk.proactive.triggers import ProactiveTriggerContext

    return ProactiveTriggerContext(session_id="s", product_id="p", canonical_urls=urls)


def test_ping_pong_metadata_strict_by_default_and_extra_keys_only_when_broadened() -> None:
    from autoplay_sdk.proactive.triggers.triggers.canonical_ping_pong import CanonicalPingPongTrigger
    from autoplay_sdk.proactive.triggers.triggers.scoped_canonical_ping_pong import ScopedCanonicalPingPongTrigger

    strict = CanonicalPingPongTrigger().evaluate(_ctx(["/a", "/b", "/a"]))
    assert strict is not None and strict.metadata == {"min_cycles": 1}
    assert strict.body == "Need my expert help?" and tuple(strict.reply_option_labels) == ()
    assert CanonicalPingPongTrigger().evaluate(_ctx(["/a", "/b", "/c", "/a"])) is None
    broad = CanonicalPingPongTrigger(broaden_with_hesitation=True).evaluate(_ctx(["/a", "/b", "/c", "/a"]))
    assert broad is not None
    assert broad.metadata == {
        "min_cycles": 1,
        "matched": ["hesitation_distinct_with_revisit"],
        "hesitation_min_distinct": 3,
    }
    both = CanonicalPingPongTrigger(broaden_with_hesitation=True, hesitation_min_distinct=2).evaluate(
        _ctx(["/a", "/b", "/a"])
    )
    assert both is not None and both.metadata["matched"] == ["strict_ping_pong", "hesitation_distinct_with_revisit"]

    scoped = ScopedCanonicalPingPongTrigger(url_must_contain="/app").evaluate(_ctx(["/app/a", "/app/b", "/app/a"]))
    assert scoped is not None and scoped.metadata == {"min_cycles": 1, "scoped_canonical_url_contains": "/app"}
    scoped_broad = ScopedCanonicalPingPongTrigger(url_must_contain="/app", broaden_with_hesitation=True).evaluate(
        _ctx(["/app/a", "/app/b", "/app/c", "/app/a"])
    )
    assert scoped_broad is not None and list(scoped_broad.metadata) == [
        "min_cycles",
        "scoped_canonical_url_contains",
        "matched",
        "hesitation_min_distinct",
    ]


def test_builtin_catalog_builds_the_strict_trigger() -> None:
    from autoplay_sdk.proactive.triggers import default_proactive_trigger_registry
    from autoplay_sdk.proactive.triggers.triggers.canonical_ping_pong import CanonicalPingPongTrigger

    registry = default_proactive_trigger_registry()
    assert registry.evaluate_first(_ctx(["/a", "/b", "/a"])) is not None  # strict ping-pong fires
    assert registry.evaluate_first(_ctx(["/a", "/b", "/c", "/a"])) is None  # hesitation alone does not
    assert CanonicalPingPongTrigger(broaden_with_hesitation=True).evaluate(_ctx(["/a", "/b", "/c", "/a"]))


def test_async_callback_loop_thread_name() -> None:
    """The sync client's async callbacks run on one companion thread with the documented name."""
    import autoplay_sdk._async_callbacks as runner_mod

    names = [v for v in vars(runner_mod).values() if isinstance(v, str) and v == "autoplay-sdk-async-callbacks"]
    assert names, "the loop thread's name is a module constant"
    assert threading.current_thread().name != "autoplay-sdk-async-callbacks"
