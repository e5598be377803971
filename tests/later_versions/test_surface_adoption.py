"""Cross-session storage, user adoption state, its prompts, the added skills and packaging, checked
as tables: module ``__all__`` lists, signatures, dataclass fields and frozenness, enum and constant
values, exact messages and key formats."""

from __future__ import annotations

import json
import logging
import math
import string
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.later_versions._surface import field_layout, fresh, is_frozen, resolve, signature

_S = "autoplay_sdk.storage"
_U = "autoplay_sdk.user_adoption_state"
_PU = "autoplay_sdk.prompts.user_adoption"

ADOPTION_ALL = [
    "JourneyState",
    "MasteryLevel",
    "WorkflowStatus",
    "Mastery",
    "WorkflowProgress",
    "StepProgress",
    "WORKFLOW_PROGRESS_SOURCE_TOUR",
    "WORKFLOW_PROGRESS_SOURCE_ACTIVITY",
    "WORKFLOW_PROGRESS_SOURCE_JUDGE",
    "WORKFLOW_PROGRESS_SOURCE_FOLLOWUP",
    "WORKFLOW_PROGRESS_SOURCE_MANUAL",
    "WORKFLOW_PROGRESS_SOURCE_UNKNOWN",
    "COMPLETION_RATE_DENOMINATOR_ALL_CATALOG",
    "COMPLETION_RATE_DENOMINATOR_ASSIGNED",
    "StepInAssessment",
    "OnboardingState",
    "SessionIndexEntry",
    "SessionSnapshot",
    "UserAdoptionState",
    "ExplorationGateConfig",
    "evaluate_hard_gate",
    "OnboardingWorkflow",
    "WorkflowStep",
    "OnboardingPlan",
    "split_workflows",
    "is_plan_complete",
    "step_completion_ratio",
    "ActivitySignalRule",
    "ActivitySignals",
    "ActivityMatch",
    "StepActivityMatch",
    "detect_completed_workflows_from_activity",
    "detect_completed_steps_from_activity",
    "TourCatalogEntry",
    "TourMatchResult",
    "build_tour_match_input",
    "parse_tour_match_output",
    "build_onboarding_summary_input",
]

MODULE_ALL = [
    (
        _S,
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
    ),
    (f"{_S}.base", ["AutoplayStorageAdapter"]),
    (f"{_S}.keys", ["user_state_key", "session_key"]),
    (f"{_S}.manager", ["StorageManager"]),
    (f"{_S}.lifecycle", ["Summarizer", "init_user_state", "on_session_start", "on_session_end", "build_agent_context"]),
    (f"{_S}.adapters", ["InMemoryStorageAdapter", "RedisStorageAdapter"]),
    (f"{_S}.adapters.memory", ["InMemoryStorageAdapter"]),
    (f"{_S}.adapters.redis", ["RedisStorageAdapter"]),
    (f"{_S}.adapters.amplitude", ["AmplitudeStorageAdapter"]),
    (f"{_S}.adapters.posthog", ["PostHogStorageAdapter"]),
    (f"{_S}.adapters._common", ["workflow_ids_by_status", "best_effort_post"]),
    (_U, ADOPTION_ALL),
    (
        _PU,
        [
            "ADOPTION_STATE_JUDGE_PROMPT",
            "TOUR_MATCH_PROMPT",
            "ONBOARDING_WELCOME_PROMPT",
            "ONBOARDING_FOLLOWUP_PROMPT",
            "ONBOARDING_SUMMARY_PROMPT",
            "PromptVoice",
        ],
    ),
]


@pytest.mark.parametrize(("module", "expected"), MODULE_ALL, ids=[m for m, _ in MODULE_ALL])
def test_module_all(module: str, expected: list[str]) -> None:
    mod = resolve(module)
    assert list(mod.__all__) == expected
    for name in expected:
        assert hasattr(mod, name), name


@pytest.mark.parametrize(
    "sub",
    ["types", "models", "exploration_gate", "onboarding_plan", "tour_matching", "activity_detector", "session_summary"],
)
def test_adoption_submodules_exist(sub: str) -> None:
    assert resolve(f"{_U}.{sub}").__name__ == f"{_U}.{sub}"


def test_sinks_are_deep_imports_only_and_storage_loads_no_redis() -> None:
    adapters = resolve(f"{_S}.adapters")
    assert not hasattr(adapters, "AmplitudeStorageAdapter") or "AmplitudeStorageAdapter" not in adapters.__all__
    out = fresh("import sys, autoplay_sdk.storage, autoplay_sdk.user_adoption_state\nprint('redis' in sys.modules)")
    assert out.strip() == "False"


def test_summarizer_type_is_importable_from_the_package() -> None:
    assert resolve(f"{_S}:Summarizer") is resolve(f"{_S}.lifecycle:Summarizer")
    assert "Summarizer" not in resolve(_S).__all__


def test_redis_classes_import_redis_only_when_built() -> None:
    code = (
        "import sys\n"
        "import autoplay_sdk.chat.chatbot as c\n"
        "c.RedisConversationLinkStore, c.RedisSessionStateStore, c.AutoplayChatbotManager\n"
        "import autoplay_sdk.storage.adapters.redis, autoplay_sdk.storage.adapters.amplitude\n"
        "import autoplay_sdk.storage.adapters.posthog, autoplay_sdk.admin.hosted\n"
        "print('redis' in sys.modules, 'fastapi' in sys.modules)"
    )
    assert fresh(code).strip() == "False False"


@pytest.mark.parametrize(
    "path",
    [
        f"{_S}:InMemoryStorageAdapter",
        f"{_S}:RedisStorageAdapter",
        f"{_S}.adapters.amplitude:AmplitudeStorageAdapter",
        f"{_S}.adapters.posthog:PostHogStorageAdapter",
    ],
)
def test_built_in_adapters_subclass_the_protocol(path: str) -> None:
    assert resolve(f"{_S}:AutoplayStorageAdapter") in resolve(path).__mro__


def test_prompts_serve_adoption_names_outside_all() -> None:
    prompts = resolve("autoplay_sdk.prompts")
    for name in resolve(_PU).__all__:
        assert getattr(prompts, name) is getattr(resolve(_PU), name)
        assert name not in prompts.__all__


SIGNATURES: list[tuple[str, str]] = [
    (f"{_S}:StorageManager", "(adapters)"),
    (f"{_S}:RedisStorageAdapter", "(redis_url, *, ttl_s=None, client=None)"),
    (f"{_S}:InMemoryStorageAdapter", "()"),
    (f"{_S}:user_state_key", "(product_id, user_id)"),
    (f"{_S}:session_key", "(product_id, user_id, session_id)"),
    (f"{_S}:init_user_state", "(user_id, *, metadata=None)"),
    (f"{_S}:on_session_start", "(product_id, user_id, session_id, storage)"),
    (f"{_S}:on_session_end", "(product_id, user_id, session_snapshot, storage, *, summarizer=None, summary=None)"),
    (f"{_S}:build_agent_context", "(state, onboarding_session=None)"),
    (f"{_S}.adapters._common:best_effort_post", "(url, payload, *, label, client=None)"),
    (f"{_S}.adapters._common:workflow_ids_by_status", "(state)"),
    (
        f"{_S}.adapters.amplitude:AmplitudeStorageAdapter",
        "(api_key, *, property_prefix='', base_url='https://api2.amplitude.com/2/httpapi', client=None)",
    ),
    (
        f"{_S}.adapters.posthog:PostHogStorageAdapter",
        "(api_key, *, host='https://app.posthog.com', property_prefix='', client=None)",
    ),
    (f"{_S}.base:AutoplayStorageAdapter.save_user_state", "(self, product_id, user_id, state)"),
    (f"{_S}.base:AutoplayStorageAdapter.get_user_state", "(self, product_id, user_id)"),
    (f"{_S}.base:AutoplayStorageAdapter.save_session_snapshot", "(self, product_id, user_id, session_id, snapshot)"),
    (f"{_S}.base:AutoplayStorageAdapter.get_session_snapshot", "(self, product_id, user_id, session_id)"),
    (
        f"{_U}:OnboardingState.upsert_workflow_progress",
        "(self, workflow_id, *, status, confidence, evidence='', source=None, now=None)",
    ),
    (f"{_U}:WorkflowProgress.upsert_step_progress", "(self, step_id, *, status, confidence, evidence='', now=None)"),
    (f"{_U}:OnboardingState.mark_onboarding_complete", "(self, *, now=None)"),
    (f"{_U}:OnboardingState.outstanding_workflow_ids", "(self, plan_workflow_ids)"),
    (f"{_U}:OnboardingState.record_step_in", "(self, assessment)"),
    (f"{_U}:UserAdoptionState.set_journey_state", "(self, new_state, *, reason='')"),
    (f"{_U}:UserAdoptionState.set_mastery", "(self, *, rating, level, description='')"),
    (f"{_U}:UserAdoptionState.record_discovered_features", "(self, features)"),
    (f"{_U}:UserAdoptionState.mark_welcomed", "(self, *, now=None)"),
    (f"{_U}:UserAdoptionState.mark_judged", "(self, *, now=None)"),
    (f"{_U}:UserAdoptionState.set_current_session", "(self, session_id)"),
    (f"{_U}:UserAdoptionState.record_session", "(self, entry)"),
    (f"{_U}:UserAdoptionState.to_prompt_block", "(self)"),
    (f"{_U}:UserAdoptionState.from_dict", "(d)"),
    (
        f"{_U}:SessionSnapshot.from_adoption_state",
        "(state, *, session_id, session_number, started_at, catalog_workflow_ids, "
        "completion_rate_denominator='all_catalog_workflows', now=None)",
    ),
    (f"{_U}:SessionSnapshot.from_dict", "(d)"),
    (f"{_U}:evaluate_hard_gate", "(state, *, now, seconds_on_app, distinct_features_seen, cfg)"),
    (
        f"{_U}:ExplorationGateConfig",
        "(role_allowlist=frozenset(), min_seconds_on_app=60.0, min_distinct_features=3, welcome_cooldown_s=600.0, "
        "max_proactive_support=3)",
    ),
    (f"{_U}:OnboardingPlan.for_role", "(self, role)"),
    (f"{_U}:OnboardingPlan.next_eligible_workflows", "(self, completed_ids)"),
    (f"{_U}:OnboardingPlan.from_config", "(raw)"),
    (f"{_U}:split_workflows", "(plan, workflow_progress)"),
    (f"{_U}:is_plan_complete", "(plan, workflow_progress)"),
    (f"{_U}:step_completion_ratio", "(workflow, wp)"),
    (
        f"{_U}:build_tour_match_input",
        "(*, user_query, conversation_history='', role=None, current_page=None, tour_catalog)",
    ),
    (f"{_U}:parse_tour_match_output", "(raw, *, tour_catalog, role=None)"),
    (f"{_U}:detect_completed_workflows_from_activity", "(workflows, actions, already_completed=())"),
    (f"{_U}:detect_completed_steps_from_activity", "(workflow, actions, already_completed_step_ids=())"),
    (f"{_U}:build_onboarding_summary_input", "(snapshot)"),
    (f"{_U}:WorkflowStep", "(step_id, name='', description='', required=True, activity_signals=None)"),
    (
        f"{_U}:OnboardingWorkflow",
        "(workflow_id, name='', description='', why='', role=None, steps=(), prerequisite_workflow_ids=(), "
        "activity_signals=None)",
    ),
    (f"{_U}:OnboardingPlan", "(workflows=<factory>)"),
    (f"{_U}:TourCatalogEntry", "(tour_id, name='', use_when='', role=None)"),
    (f"{_U}:TourMatchResult", "(primary_tour_id=None, related_tour_ids=<factory>, reasoning='')"),
    (
        f"{_U}:ActivitySignalRule",
        "(event_type=None, canonical_url_glob=None, canonical_url_prefix=None, title_contains=None, type=None, "
        "min_count=1)",
    ),
    (f"{_U}:ActivitySignals", "(any_of=(), completion_threshold=1)"),
    (f"{_U}:ActivityMatch", "(workflow_id, matched_rule, match_count=1, rules_fired=1)"),
    (f"{_U}:StepActivityMatch", "(step_id, matched_rule, match_count=1)"),
    (f"{_U}:ActivitySignalRule.matches_action", "(self, action)"),
    (f"{_PU}:PromptVoice.render_path_examples", "(self)"),
    (f"{_PU}:PromptVoice.from_config", "(raw)"),
]


@pytest.mark.parametrize(("path", "expected"), SIGNATURES, ids=[p for p, _ in SIGNATURES])
def test_signature(path: str, expected: str) -> None:
    assert signature(resolve(path)) == expected


# (class, field names in order, frozen)
DATACLASSES: list[tuple[str, list[str], bool]] = [
    (f"{_U}:Mastery", ["rating", "level", "description"], False),
    (
        f"{_U}:StepProgress",
        ["step_id", "status", "confidence", "evidence", "completed_at", "last_evaluated_at"],
        False,
    ),
    (
        f"{_U}:WorkflowProgress",
        [
            "workflow_id",
            "status",
            "confidence",
            "evidence",
            "source",
            "first_detected_at",
            "completed_at",
            "last_evaluated_at",
            "steps",
        ],
        False,
    ),
    (
        f"{_U}:StepInAssessment",
        ["decided_at", "should_step_in", "timing_assessment", "reason", "suggested_workflow_ids"],
        False,
    ),
    (
        f"{_U}:OnboardingState",
        [
            "welcomed",
            "exploration_started_at",
            "distinct_features_seen",
            "explore_gate_passed",
            "workflow_progress",
            "last_step_in",
            "last_reasoned_at",
            "last_welcome_at",
            "proactive_support_count",
            "onboarding_completed_at",
            "summary",
            "completion_rate",
        ],
        False,
    ),
    (
        f"{_U}:UserAdoptionState",
        [
            "user_id",
            "metadata",
            "journey_state",
            "mastery",
            "discovered_features",
            "onboarding",
            "first_seen_at",
            "last_updated_at",
            "last_judged_at",
            "sessions_count",
            "current_session_id",
            "sessions_index",
            "_v",
        ],
        False,
    ),
    (f"{_U}:SessionIndexEntry", ["session_id", "session_number", "started_at", "captured_at"], False),
    (
        f"{_U}:SessionSnapshot",
        [
            "session_id",
            "session_number",
            "user_id",
            "started_at",
            "captured_at",
            "duration_s",
            "journey_state",
            "mastery",
            "proactive_support_count",
            "distinct_features_seen",
            "discovered_features",
            "reached_onboarding_complete",
            "completion_rate",
            "completion_rate_denominator",
            "total_catalog_workflows",
            "completed_workflow_ids",
            "in_progress_workflow_ids",
            "untouched_workflow_ids",
            "workflow_progress",
            "_frozen",
            "_v",
        ],
        False,
    ),
    (
        f"{_U}:ExplorationGateConfig",
        [
            "role_allowlist",
            "min_seconds_on_app",
            "min_distinct_features",
            "welcome_cooldown_s",
            "max_proactive_support",
        ],
        True,
    ),
    (f"{_U}:WorkflowStep", ["step_id", "name", "description", "required", "activity_signals"], True),
    (
        f"{_U}:OnboardingWorkflow",
        [
            "workflow_id",
            "name",
            "description",
            "why",
            "role",
            "steps",
            "prerequisite_workflow_ids",
            "activity_signals",
        ],
        True,
    ),
    (f"{_U}:OnboardingPlan", ["workflows"], False),
    (f"{_U}:TourCatalogEntry", ["tour_id", "name", "use_when", "role"], True),
    (f"{_U}:TourMatchResult", ["primary_tour_id", "related_tour_ids", "reasoning"], False),
    (
        f"{_U}:ActivitySignalRule",
        ["event_type", "canonical_url_glob", "canonical_url_prefix", "title_contains", "type", "min_count"],
        True,
    ),
    (f"{_U}:ActivitySignals", ["any_of", "completion_threshold"], True),
    (f"{_U}:ActivityMatch", ["workflow_id", "matched_rule", "match_count", "rules_fired"], True),
    (f"{_U}:StepActivityMatch", ["step_id", "matched_rule", "match_count"], True),
    (
        f"{_PU}:PromptVoice",
        [
            "voice_anchor_phrase",
            "workflow_example_a_name",
            "workflow_example_a_id",
            "workflow_example_b_name",
            "workflow_example_b_id",
            "path_to_language_examples",
            "previous_session_callback_example",
            "why_it_mattered_example",
            "closer_fallback_text",
        ],
        True,
    ),
]


@pytest.mark.parametrize(("path", "names", "frozen"), DATACLASSES, ids=[p for p, _, _ in DATACLASSES])
def test_dataclass_fields_and_frozenness(path: str, names: list[str], frozen: bool) -> None:
    cls = resolve(path)
    assert [n for n, _, _ in field_layout(cls)] == names
    assert is_frozen(cls) is frozen


ENUMS = [
    ("JourneyState", [("ONBOARDING", "onboarding"), ("ONBOARDED", "onboarded")]),
    (
        "MasteryLevel",
        [
            ("NOVICE", "novice"),
            ("BEGINNER", "beginner"),
            ("INTERMEDIATE", "intermediate"),
            ("PROFICIENT", "proficient"),
            ("POWER_USER", "power_user"),
        ],
    ),
    ("WorkflowStatus", [("NOT_STARTED", "not_started"), ("IN_PROGRESS", "in_progress"), ("COMPLETED", "completed")]),
]


@pytest.mark.parametrize(("name", "members"), ENUMS)
def test_enum_values(name: str, members: list[tuple[str, str]]) -> None:
    enum = resolve(f"{_U}:{name}")
    assert [(m.name, m.value) for m in enum] == members
    assert issubclass(enum, str)
    assert resolve(f"{_U}.types:{name}") is enum


CONSTANTS = [
    ("WORKFLOW_PROGRESS_SOURCE_TOUR", "tour"),
    ("WORKFLOW_PROGRESS_SOURCE_ACTIVITY", "activity"),
    ("WORKFLOW_PROGRESS_SOURCE_JUDGE", "judge"),
    ("WORKFLOW_PROGRESS_SOURCE_FOLLOWUP", "followup"),
    ("WORKFLOW_PROGRESS_SOURCE_MANUAL", "manual"),
    ("WORKFLOW_PROGRESS_SOURCE_UNKNOWN", "unknown"),
    ("COMPLETION_RATE_DENOMINATOR_ALL_CATALOG", "all_catalog_workflows"),
    ("COMPLETION_RATE_DENOMINATOR_ASSIGNED", "assigned_workflows"),
]


@pytest.mark.parametrize(("name", "value"), CONSTANTS)
def test_constant_values(name: str, value: str) -> None:
    assert resolve(f"{_U}:{name}") == value


# --------------------------------------------------------------------------------------------
# Storage: messages, keys, formats
# --------------------------------------------------------------------------------------------


def test_storage_keys_and_manager_message() -> None:
    assert resolve(f"{_S}:user_state_key")("p", "u:1") == "autoplay:user:p:u:1:state"
    assert resolve(f"{_S}:session_key")("p", "u", "s") == "autoplay:user:p:u:session:s"
    with pytest.raises(ValueError) as info:
        resolve(f"{_S}:StorageManager")([])
    assert str(info.value) == (
        "StorageManager requires at least one storage adapter. Put your primary (readable) adapter first, "
        "e.g. StorageManager([RedisStorageAdapter(redis_url=...)])."
    )
    adapters = [resolve(f"{_S}:InMemoryStorageAdapter")()]
    manager = resolve(f"{_S}:StorageManager")(adapters)
    assert manager.adapters == adapters and manager.adapters is not adapters
    assert isinstance(manager, resolve(f"{_S}:AutoplayStorageAdapter"))


@pytest.mark.parametrize("cls", ["RedisStorageAdapter", "AsyncRedisSessionStateStore"])
def test_missing_redis_extra_messages(cls: str) -> None:
    module = _S if cls == "RedisStorageAdapter" else "autoplay_sdk.agent_state.v2.async_store"
    code = (
        "import sys\n"
        "sys.modules['redis'] = None; sys.modules['redis.asyncio'] = None\n"
        f"from {module} import {cls}\n"
        "try:\n"
        f"    {cls}('redis://127.0.0.1:1/0')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    assert fresh(code).strip() == (
        f'{cls} requires the redis package. Install it with: pip install "autoplay-sdk[redis]"'
    )


@pytest.mark.parametrize("ttl", [0, -5, 1.5, True])
def test_redis_storage_adapter_rejects_bad_ttl(ttl: Any) -> None:
    with pytest.raises(ValueError):
        resolve(f"{_S}:RedisStorageAdapter")("redis://127.0.0.1:1/0", ttl_s=ttl)


async def test_redis_storage_adapter_formats_and_write_once(redis_url: str) -> None:
    import redis.asyncio as aioredis

    adapter = resolve(f"{_S}:RedisStorageAdapter")(redis_url, ttl_s=100)
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        await adapter.save_user_state("laterp", "u", {"a": 1})
        assert json.loads(await client.get("autoplay:user:laterp:u:state")) == {"a": 1}
        assert 0 < await client.ttl("autoplay:user:laterp:u:state") <= 100
        await adapter.save_session_snapshot("laterp", "u", "s", {"n": 1})
        await adapter.save_session_snapshot("laterp", "u", "s", {"n": 2})
        assert await adapter.get_session_snapshot("laterp", "u", "s") == {"n": 1}
        await client.set("autoplay:user:laterp:u:state", "[1, 2]")
        assert await adapter.get_user_state("laterp", "u") is None
        await client.set("autoplay:user:laterp:u:state", "")
        assert await adapter.get_user_state("laterp", "u") is None
    finally:
        await client.delete("autoplay:user:laterp:u:state", "autoplay:user:laterp:u:session:s")
        await client.aclose()
        await adapter.aclose()


async def test_build_agent_context_keys_and_returning_user() -> None:
    storage = resolve(_S)
    ua = resolve(_U)
    state = storage.init_user_state("u", metadata={"role": "admin"})
    ctx = storage.build_agent_context(state)
    assert ctx == {
        "user_journey_state": "onboarding",
        "user_mastery_level": "novice",
        "user_mastery_rating": 0,
        "session_count": 0,
        "is_returning_user": False,
    }
    state.record_session(ua.SessionIndexEntry("s1", 1, 1.0, 2.0))
    state.onboarding.summary = "did things"
    snap = ua.SessionSnapshot("s1", 1, "u", 1.0, in_progress_workflow_ids=["w1"], untouched_workflow_ids=["w2"])
    ctx = storage.build_agent_context(state, snap)
    assert ctx["is_returning_user"] is True and ctx["session_count"] == 1
    assert ctx["onboarding_summary"] == "did things"
    assert ctx["onboarding_session_in_progress_workflows"] == ["w1"]
    assert ctx["onboarding_session_untouched_workflows"] == ["w2"]
    with pytest.raises(ValueError):
        storage.init_user_state("")


def test_workflow_ids_by_status() -> None:
    split = resolve(f"{_S}.adapters._common:workflow_ids_by_status")
    state = {
        "onboarding": {
            "workflow_progress": {
                "a": {"status": "completed"},
                "b": {"status": "in_progress"},
                "c": {"status": "not_started"},
                "d": "junk",
            }
        }
    }
    assert split(state) == (["a"], ["b"])
    assert split({}) == ([], []) and split({"onboarding": []}) == ([], [])


# --------------------------------------------------------------------------------------------
# User adoption: messages, key orders, reasons
# --------------------------------------------------------------------------------------------


def test_user_adoption_state_messages_and_to_dict_order(caplog: pytest.LogCaptureFixture) -> None:
    ua = resolve(_U)
    with pytest.raises(ValueError) as info:
        ua.UserAdoptionState(user_id="")
    assert str(info.value) == "UserAdoptionState requires a non-empty user_id. Use: UserAdoptionState(user_id=your_id)"
    state = ua.UserAdoptionState(user_id="u")
    d = state.to_dict()
    assert list(d) == [
        "_v",
        "user_id",
        "metadata",
        "journey_state",
        "mastery",
        "discovered_features",
        "onboarding",
        "first_seen_at",
        "last_updated_at",
        "last_judged_at",
        "sessions",
    ]
    assert list(d["sessions"]) == ["count", "current_session_id", "index"]
    assert list(d["mastery"]) == ["rating", "level", "description"]
    with caplog.at_level(logging.WARNING), pytest.raises(ValueError) as bad:
        ua.UserAdoptionState.from_dict({**d, "_v": 2})
    assert str(bad.value) == "Unknown UserAdoptionState snapshot version: 2"
    assert any(r.msg == "user_adoption_state: unknown snapshot version %r — cannot restore" for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert ua.UserAdoptionState.from_dict({**d, "user_id": ""}).user_id == ""
    assert [r.getMessage() for r in caplog.records] == [
        "user_adoption_state: from_dict loaded snapshot with empty user_id"
    ]
    block = ua.UserAdoptionState(user_id="u", metadata={"role": "admin"}).to_prompt_block().split("\n")
    assert block[:4] == ["[USER ADOPTION STATE]", "role: admin", "journey: onboarding", "mastery: novice (0/10)"]
    assert len(block) == 5 and block[4].startswith("guidance: ")


def test_snapshot_to_dict_order_and_catalog_bounded_rate() -> None:
    ua = resolve(_U)
    state = ua.UserAdoptionState(user_id="u")
    for wid in ("a", "outside"):
        state.onboarding.upsert_workflow_progress(wid, status=ua.WorkflowStatus.COMPLETED, confidence=2.0)
    assert state.onboarding.workflow_progress["a"].confidence == 1.0
    snap = ua.SessionSnapshot.from_adoption_state(
        state, session_id="s", session_number=1, started_at=float("nan"), catalog_workflow_ids=["a", "b"], now=100.0
    )
    assert snap.completion_rate == 0.5 and snap.untouched_workflow_ids == ["b"] and snap.total_catalog_workflows == 2
    assert snap.duration_s == 0.0 and snap.started_at == 100.0
    d = snap.to_dict()
    assert list(d)[:3] == ["_v", "_frozen", "session_id"]
    assert ua.SessionSnapshot.from_dict(d).completion_rate == 0.5
    bad = ua.SessionSnapshot.from_adoption_state(
        state,
        session_id="s",
        session_number=1,
        started_at=1.0,
        catalog_workflow_ids=[],
        completion_rate_denominator="x",
    )
    assert bad.completion_rate_denominator == "all_catalog_workflows" and bad.completion_rate == 0.0


GATE = [
    ({"journey": "onboarded"}, (False, "already_onboarded")),
    ({"allow": frozenset({" Admin "}), "role": " Viewer "}, (False, "role_not_allowed:Viewer")),
    ({"allow": frozenset({"admin"})}, (False, "role_not_allowed:unknown")),
    ({"support": 3}, (False, "nudge_cap_reached")),
    ({"welcomed_at": 990.0}, (False, "within_cooldown")),
    ({"seconds": 59.0}, (False, "exploring_min_time_not_met")),
    ({"features": 2}, (False, "exploring_min_features_not_met")),
    ({"allow": frozenset({"ADMIN"}), "role": "admin"}, (True, "ok")),
    ({}, (True, "ok")),
]


@pytest.mark.parametrize(("case", "expected"), GATE)
def test_exploration_gate_reasons(case: dict[str, Any], expected: tuple[bool, str]) -> None:
    ua = resolve(_U)
    meta = {"role": case["role"]} if "role" in case else {}
    state = ua.UserAdoptionState(user_id="u", metadata=meta)
    if case.get("journey") == "onboarded":
        state.journey_state = ua.JourneyState.ONBOARDED
    state.onboarding.proactive_support_count = case.get("support", 0)
    state.onboarding.last_welcome_at = case.get("welcomed_at")
    cfg = ua.ExplorationGateConfig(role_allowlist=case.get("allow", frozenset()))
    got = ua.evaluate_hard_gate(
        state,
        now=1000.0,
        seconds_on_app=case.get("seconds", 60.0),
        distinct_features_seen=case.get("features", 3),
        cfg=cfg,
    )
    assert got == expected


def test_activity_rule_messages_and_summary() -> None:
    ua = resolve(_U)
    with pytest.raises(ValueError) as none_set:
        ua.ActivitySignalRule()
    assert str(none_set.value) == (
        "ActivitySignalRule must specify at least one matchable field (event_type, canonical_url_glob, "
        "canonical_url_prefix, title_contains, or type)"
    )
    with pytest.raises(ValueError) as low:
        ua.ActivitySignalRule(type="click", min_count=0)
    assert str(low.value) == "ActivitySignalRule.min_count must be >= 1, got 0"
    rule = ua.ActivitySignalRule(
        event_type="e",
        canonical_url_glob="/a/*",
        canonical_url_prefix="/a",
        title_contains="T",
        type="click",
        min_count=2,
    )
    assert rule.summary() == "event=e,url~/a/*,url^/a,title~T,type=click,x2"
    assert ua.ActivitySignalRule(type="click").to_dict() == {"type": "click"}
    match = ua.ActivityMatch("w", ua.ActivitySignalRule(type="click"), 3)
    assert match.evidence_string == "activity_signal[type=click] matched x3"
    with pytest.raises(ValueError):
        ua.ActivitySignals()
    assert ua.ActivitySignals.from_dict({"any_of": []}) is None


def test_tour_match_input_keys_and_parse_errors(caplog: pytest.LogCaptureFixture) -> None:
    ua = resolve(_U)
    catalog = [{"user_tour_id": "t1", "user_tour_name": "One", "description": "when stuck"}, {"name": "no id"}]
    got = ua.build_tour_match_input(user_query="q", tour_catalog=catalog)
    assert got == {
        "user_query": "q",
        "conversation_history": "(none)",
        "role": "unknown",
        "current_page": "unknown",
        "tour_catalog_text": "t1 :: One :: when stuck",
        "allowed_tour_ids": ["t1"],
    }
    assert ua.build_tour_match_input(user_query="q", tour_catalog=[])["tour_catalog_text"] == "(no tours available)"
    assert ua.build_tour_match_input(user_query="q", tour_catalog=[{"tour_id": "x"}])["tour_catalog_text"] == "x"
    with caplog.at_level(logging.WARNING):
        bad = ua.parse_tour_match_output("not json", tour_catalog=catalog)
    assert bad == ua.TourMatchResult(reasoning="parse_error")
    assert caplog.records[0].msg == "tour_matching: failed to parse output — returning empty match: %s"
    assert caplog.records[0].event_type == "tour_match_parse_error"  # type: ignore[attr-defined]
    ok = ua.parse_tour_match_output(
        '{"primary_tour_id": "t1", "related_tour_ids": ["t1", "zz", "t1"], "reasoning": "r"}', tour_catalog=catalog
    )
    assert ok == ua.TourMatchResult("t1", [], "r")


def test_onboarding_summary_input_keys() -> None:
    ua = resolve(_U)
    snap = ua.SessionSnapshot("s", 2, "u", 0.0, duration_s=90.0, discovered_features=["x"])
    got = ua.build_onboarding_summary_input(snap)
    assert list(got) == [
        "session_number",
        "duration_minutes",
        "journey_state",
        "mastery_level",
        "mastery_rating",
        "reached_onboarding_complete",
        "completion_rate",
        "completed_workflow_ids_json",
        "in_progress_workflow_ids_json",
        "untouched_workflow_ids_json",
        "discovered_features_json",
    ] or set(got) == {
        "session_number",
        "duration_minutes",
        "journey_state",
        "mastery_level",
        "mastery_rating",
        "reached_onboarding_complete",
        "completion_rate",
        "completed_workflow_ids_json",
        "in_progress_workflow_ids_json",
        "untouched_workflow_ids_json",
        "discovered_features_json",
    }
    assert got["duration_minutes"] == 1.5 and got["discovered_features_json"] == '["x"]'
    assert got["journey_state"] == "onboarding" and got["mastery_level"] == "novice"


# --------------------------------------------------------------------------------------------
# Prompts
# --------------------------------------------------------------------------------------------

PROMPTS = [
    ("ADOPTION_STATE_JUDGE_PROMPT", "adoption_state_judge", "0.1", {"role", "user_activity_text", "signals_json"}),
    (
        "TOUR_MATCH_PROMPT",
        "tour_match",
        "0.1",
        {"role", "current_page", "conversation_history", "user_query", "tour_catalog_text"},
    ),
    (
        "ONBOARDING_WELCOME_PROMPT",
        "onboarding_welcome",
        "0.8",
        {
            "role",
            "role_label",
            "seconds_on_app",
            "distinct_features_seen",
            "proactive_support_count",
            "required_workflows_json",
            "completed_workflow_ids_json",
            "next_eligible_workflow_ids_json",
            "discovered_features_json",
            "recent_activity_text",
            "previous_session_summary",
            "voice_anchor_phrase",
            "workflow_example_a_name",
            "workflow_example_a_id",
            "workflow_example_b_name",
            "workflow_example_b_id",
            "path_to_language_examples_text",
            "previous_session_callback_example",
        },
    ),
    (
        "ONBOARDING_FOLLOWUP_PROMPT",
        "onboarding_followup",
        "0.7",
        {
            "role",
            "event",
            "abandoned_at_step",
            "just_completed_workflow_json",
            "required_workflows_json",
            "completed_workflow_ids_json",
            "outstanding_workflow_ids_json",
            "next_eligible_workflow_ids_json",
            "discovered_features_json",
            "recent_activity_text",
            "why_it_mattered_example",
        },
    ),
    (
        "ONBOARDING_SUMMARY_PROMPT",
        "onboarding_summary",
        "0.1",
        {
            "session_number",
            "duration_minutes",
            "journey_state",
            "mastery_level",
            "mastery_rating",
            "reached_onboarding_complete",
            "completion_rate",
            "completed_workflow_ids_json",
            "in_progress_workflow_ids_json",
            "untouched_workflow_ids_json",
            "discovered_features_json",
        },
    ),
]


@pytest.mark.parametrize(("const", "name", "version", "fields"), PROMPTS)
def test_prompt_registry_entries(const: str, name: str, version: str, fields: set[str]) -> None:
    prompt = resolve(f"{_PU}:{const}")
    assert list(prompt) == ["name", "description", "version", "content"]
    assert (prompt["name"], prompt["version"]) == (name, version)
    found = {f for _, f, _, _ in string.Formatter().parse(prompt["content"]) if f is not None}
    assert found == fields
    prompt["content"].format(**dict.fromkeys(fields, "x"))


def test_summary_prompt_fields_are_the_summary_input_keys() -> None:
    ua = resolve(_U)
    keys = set(ua.build_onboarding_summary_input(ua.SessionSnapshot("s", 1, "u", 0.0)))
    found = {f for _, f, _, _ in string.Formatter().parse(resolve(f"{_PU}:ONBOARDING_SUMMARY_PROMPT")["content"]) if f}
    assert found == keys


def test_prompt_voice_values() -> None:
    voice_cls = resolve(f"{_PU}:PromptVoice")
    voice = voice_cls()
    assert field_layout(voice_cls)[0] == ("voice_anchor_phrase", "'get up and running quickly'", False)
    assert voice.path_to_language_examples == (("/dashboard", "the dashboard"), ("/settings", "your settings"))
    assert voice.closer_fallback_text == (
        "Nice — you're all set up. I'll be right here in the chat — anything you'd like to ask?"
    )
    assert voice.render_path_examples() == '    "/dashboard" → "the dashboard"\n    "/settings" → "your settings"'
    assert voice_cls(path_to_language_examples=()).render_path_examples() == "(no path translation hints provided)"
    custom = voice_cls.from_config({"voice_anchor_phrase": 7, "path_to_language_examples": [["/x", "X"], ["bad"]]})
    assert custom.voice_anchor_phrase == "7" and custom.path_to_language_examples == (("/x", "X"),)
    assert voice_cls.from_config({"path_to_language_examples": [["bad"]]}).path_to_language_examples == (
        voice.path_to_language_examples
    )


# --------------------------------------------------------------------------------------------
# Skills and packaging
# --------------------------------------------------------------------------------------------

NEW_SKILLS = [
    "activity-amplitude",
    "chatbot-zendesk",
    "chatbot-rasa",
    "chatbot-inkeep",
    "chatbot-plain",
    "chatbot-maven",
    "chatbot-TEMPLATE",
]


def test_installer_dicts() -> None:
    skills = resolve("autoplay_sdk.install_skills")
    assert skills.CHATBOT_SKILLS == {
        "ada": "chatbot-ada",
        "intercom": "chatbot-intercom",
        "botpress": "chatbot-botpress",
        "dify": "chatbot-dify",
        "crisp": "chatbot-crisp",
        "landbot": "chatbot-landbot",
        "tidio": "chatbot-tidio",
    }
    assert skills.ACTIVITY_SKILLS == {"fullstory": "activity-fullstory", "posthog": "activity-posthog"}
    assert skills.EXTRA_CHATBOT_SKILLS == {
        "zendesk": "chatbot-zendesk",
        "maven": "chatbot-maven",
        "rasa": "chatbot-rasa",
        "inkeep": "chatbot-inkeep",
        "plain": "chatbot-plain",
    }
    assert skills.EXTRA_ACTIVITY_SKILLS == {"amplitude": "activity-amplitude"}


def _front_matter(text: str) -> dict[str, str]:
    assert text.startswith("---\n")
    block = text.split("---\n", 2)[1]
    keys: dict[str, str] = {}
    for line in block.splitlines():
        if line and not line.startswith(" ") and ":" in line:
            key, _, value = line.partition(":")
            keys[key] = value.strip()
    return keys


@pytest.mark.parametrize("folder", NEW_SKILLS)
def test_new_skills_front_matter(folder: str) -> None:
    from importlib import resources

    text = resources.files("autoplay_sdk").joinpath("skills", folder, "SKILL.md").read_text("utf-8")
    meta = _front_matter(text)
    assert list(meta) == [
        "skill",
        "family",
        "version",
        "sdk_min",
        "tags",
        "name",
        "description",
        "disable-model-invocation",
    ]
    assert meta["name"] == ("chatbot-template" if folder == "chatbot-TEMPLATE" else folder)
    assert meta["family"] == folder.split("-")[0]
    assert meta["disable-model-invocation"] == "true" and meta["tags"].startswith("[")
    assert "autoplay-core" in text


def test_skills_catalog_lists_every_installable_skill() -> None:
    from importlib import resources

    root = resources.files("autoplay_sdk").joinpath("skills")
    catalog = json.loads(root.joinpath("skills-catalog.json").read_text("utf-8"))
    assert set(catalog) == {"generated_at", "skills"}
    folders = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert set(catalog["skills"]) == folders - {"chatbot-TEMPLATE"}
    for entry in catalog["skills"].values():
        assert set(entry) == {"version", "updated_at", "sdk_min", "family", "tags"}
        assert entry["family"] in {"core", "activity", "chatbot"} and isinstance(entry["tags"], list)


def test_packaging_extras_and_python() -> None:
    root = Path(__file__).resolve().parents[2]
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+: the other Pythons run the rest of the file
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["optional-dependencies"]["analytics"] == ["httpx>=0.27.0"]
    assert project["requires-python"].replace(" ", "") == ">=3.10"
    core = {d.split(">")[0].split("=")[0].split("[")[0].strip().lower() for d in project["dependencies"]}
    assert core <= {"httpx", "httpx-sse", "rich", "typing-extensions"}, core  # the last: Python 3.10 only
    assert sys.version_info >= (3, 10) and math.isfinite(1.0)
