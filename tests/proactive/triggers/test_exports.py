"""The package surface, every canonical and deprecated path, and import order in fresh interpreters."""

from __future__ import annotations

import importlib
import pathlib
import subprocess
import sys
import warnings

import pytest

import autoplay_sdk.proactive.triggers as pkg
from autoplay_sdk.compat.shims import SHIM_MAP

SPEC_ALL = (  # noqa: SIM905  (pasted from the published list)
    "PendingTourOffer, ProactiveIntercomMessageRow, BUILTIN_TRIGGER_CATALOG, BuiltinTriggerCatalogEntry, "
    "RecentActionsPayloadSource, build_proactive_context_from_payloads, CanonicalPingPongTrigger, "
    "UserPageDwellTrigger, DEFAULT_PROACTIVE_CONTEXT_LOOKBACK_S, DEFAULT_PROACTIVE_CONTEXT_MAX_ACTIONS, "
    "LlmJudgeResult, META_JUDGE_REASONING, META_JUDGE_SCHEMA_VERSION, META_PROACTIVE_INTENT, "
    "META_PROACTIVE_VALID_TIMING, META_TRIGGERING_TYPE, PROACTIVE_BODY_MAX_CHARS, "
    "PredicateProactiveTrigger, PROACTIVE_TRIGGER_IDS, ResolvedBuiltinTriggerSpec, ProactiveScope, "
    "ProactiveTrigger, ProactiveTriggerContext, ProactiveTriggerEntity, ProactiveTriggerIds, "
    "ProactiveTriggerRegistry, ProactiveTriggerResult, ProactiveTriggerTimings, SCOPE_INVALID_EVENT, "
    "ScopePolicy, TRIGGERING_TYPE_INSTANT, TRIGGERING_TYPE_LLM_JUDGE, TRIGGER_ID_USER_PAGE_DWELL, "
    "TRIGGER_ID_CANONICAL_URL_PING_PONG, TRIGGER_ID_SECTION_PLAYBOOK_MATCH, attach_triggering_type, "
    "default_proactive_trigger_registry, get_proactive_trigger_ids, "
    "judge_result_to_proactive_trigger_result, list_builtin_trigger_catalog, log_scope_violation, "
    "parse_llm_judge_json, partition_results_by_triggering_type, TOUR_OFFER_QUICK_REPLY_BODY, "
    "effective_tour_flow_id_for_row, match_message_row_by_inbound_text, "
    "parse_proactive_intercom_messages, pending_offer_to_json, quick_reply_labels_from_messages_config, "
    "tour_offer_quick_reply_body, resolve_pending_redis_value, registry_from_builtin_specs, "
    "resolve_builtin_specs, should_deliver_after_judge, validate_or_truncate_proactive_body"
).split(", ")

LEAVES = [
    "builtin_catalog",
    "context_source",
    "defaults",
    "entity",
    "judge",
    "pending_tour_offer",
    "predicate_trigger",
    "proactive_intercom_config",
    "quick_reply_match",
    "registry",
    "scope",
    "section_activity",
    "tour_registry",
    "trigger_config",
    "types",
    "url_scope",
    "triggers.canonical_ping_pong",
    "triggers.scoped_canonical_ping_pong",
    "triggers.section_playbook",
    "triggers.user_page_dwell",
]
ROWS = [
    (r["old_module"], r["new_module"])
    for r in SHIM_MAP
    if r["old_module"].startswith("autoplay_sdk.proactive_triggers")
]


def test_package_all_is_the_published_list_in_order() -> None:
    assert pkg.__all__ == SPEC_ALL
    for name in SPEC_ALL:
        assert getattr(pkg, name) is not None


def test_ping_pong_and_dwell_are_served_lazily_from_the_triggers_subpackage() -> None:
    from autoplay_sdk.proactive.triggers import triggers

    assert "CanonicalPingPongTrigger" not in vars(pkg)
    assert pkg.CanonicalPingPongTrigger is triggers.CanonicalPingPongTrigger
    assert pkg.UserPageDwellTrigger is triggers.UserPageDwellTrigger
    assert {"CanonicalPingPongTrigger", "UserPageDwellTrigger"} <= set(dir(pkg))
    with pytest.raises(AttributeError, match=r"^module 'autoplay_sdk.proactive.triggers' has no attribute 'Nope'$"):
        pkg.Nope  # noqa: B018


def test_names_kept_out_of_the_package_live_in_their_modules() -> None:
    for name in (
        "SectionPlaybookTrigger",
        "ScopedCanonicalPingPongTrigger",
        "parse_tour_registry",
        "parse_proactive_trigger_configs",
        "find_trigger_config_by_criteria",
        "TourRegistry",
    ):
        assert name not in pkg.__all__
    from autoplay_sdk.proactive.triggers.triggers import __all__ as sub_all

    assert sub_all == [
        "TRIGGER_ID_CANONICAL_URL_PING_PONG",
        "TRIGGER_ID_SECTION_PLAYBOOK_MATCH",
        "TRIGGER_ID_USER_PAGE_DWELL",
        "CanonicalPingPongTrigger",
        "SectionPlaybookTrigger",
        "UserPageDwellTrigger",
    ]


def test_the_alias_table_covers_every_module_of_the_package() -> None:
    assert sorted(ROWS) == sorted(
        [
            ("autoplay_sdk.proactive_triggers", "autoplay_sdk.proactive.triggers"),
            ("autoplay_sdk.proactive_triggers.triggers", "autoplay_sdk.proactive.triggers.triggers"),
        ]
        + [(f"autoplay_sdk.proactive_triggers.{m}", f"autoplay_sdk.proactive.triggers.{m}") for m in LEAVES]
    )
    root = pathlib.Path(pkg.__file__).parent
    on_disk = {p.relative_to(root).with_suffix("").as_posix().replace("/", ".") for p in root.rglob("*.py")}
    public = {m for m in on_disk if not m.rsplit(".", 1)[-1].startswith("_")}  # private modules have no old path
    assert public == set(LEAVES)
    assert on_disk - public == {"__init__", "triggers.__init__", "_url_predicates"}


@pytest.mark.parametrize(("old", "new"), ROWS, ids=[r[0] for r in ROWS])
def test_every_deprecated_path_gives_the_canonical_objects(old: str, new: str) -> None:
    canonical = importlib.import_module(new)
    for name in [n for n in list(sys.modules) if n == old or n.startswith(old + ".")]:
        del sys.modules[name]
    for parent in ("autoplay_sdk.proactive_triggers", "autoplay_sdk.proactive_triggers.triggers"):
        sys.modules.pop(parent, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        aliased = importlib.import_module(old)
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert (
        f"`{old}` has moved to `{new}`. Update your imports before 1.0.0, when the old path will be removed."
        in messages
    )
    public = getattr(canonical, "__all__", [])
    assert public
    for name in public:
        assert getattr(aliased, name) is getattr(canonical, name)
    if old in ("autoplay_sdk.proactive_triggers", "autoplay_sdk.proactive_triggers.triggers"):  # package shims
        assert aliased is not canonical
    else:
        assert aliased is canonical


def test_defaults_alias_keeps_identity() -> None:
    from autoplay_sdk.proactive.triggers import defaults

    sys.modules.pop("autoplay_sdk.proactive_triggers.defaults", None)
    with pytest.warns(DeprecationWarning, match="proactive_triggers.defaults` has moved"):
        old = importlib.import_module("autoplay_sdk.proactive_triggers.defaults")
    assert old is defaults
    assert old.PROACTIVE_TRIGGER_IDS is defaults.PROACTIVE_TRIGGER_IDS
    assert old.get_proactive_trigger_ids() == defaults.PROACTIVE_TRIGGER_IDS


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "first",
    # tests/integrations covers the bare import orders; these also run a trigger on each side.
    ["autoplay_sdk.integrations.intercom", "autoplay_sdk.proactive.triggers.triggers.canonical_ping_pong"],
)
def test_import_order_in_a_fresh_interpreter(first: str) -> None:
    code = (
        f"import {first}\n"
        "import autoplay_sdk.integrations.intercom as i, autoplay_sdk.proactive.triggers as t\n"
        "assert t.CanonicalPingPongTrigger().evaluate(t.ProactiveTriggerContext(canonical_urls=['/a','/b','/a']))\n"
        "assert i.proactive_trigger_canonical_url_ping_pong(['/a', '/b', '/a'])\n"
    )
    result = _fresh(code)
    assert result.returncode == 0, result.stderr


def test_a_fresh_deprecated_leaf_import_warns_three_times() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "always::DeprecationWarning",
            "-c",
            "import autoplay_sdk.proactive_triggers.triggers.section_playbook",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("DeprecationWarning") == 3
