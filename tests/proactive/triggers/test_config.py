"""Config parsing: built-in specs, trigger configs, tour registries and Intercom proactive config.

Table tests pin each documented message; ``hypothesis`` throws random JSON-like values at every
parser, which must return a valid object or raise the documented error, nothing else.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.proactive.triggers import (
    BUILTIN_TRIGGER_CATALOG,
    ProactiveIntercomMessageRow,
    ProactiveTriggerEntity,
    ProactiveTriggerRegistry,
    ResolvedBuiltinTriggerSpec,
    effective_tour_flow_id_for_row,
    list_builtin_trigger_catalog,
    match_message_row_by_inbound_text,
    parse_proactive_intercom_messages,
    quick_reply_labels_from_messages_config,
    registry_from_builtin_specs,
    resolve_builtin_specs,
    tour_offer_quick_reply_body,
)
from autoplay_sdk.proactive.triggers.proactive_intercom_config import (
    find_trigger_config_by_criteria,
    parse_proactive_trigger_configs,
    parse_tour_registry,
    resolve_tour_offer_for_inbound,
)
from autoplay_sdk.proactive.triggers.tour_registry import TourDefinition, TourRegistry
from autoplay_sdk.proactive.triggers.trigger_config import (
    CriteriaGroup,
    CriteriaLeaf,
    ProactiveTriggerConfig,
    TriggerMessage,
    criteria_from_dict,
)

PP = {"id": "canonical_url_ping_pong", "name": "PP", "description": "d"}

# --------------------------------------------------------------------------- built-in catalog


def test_catalog_entries() -> None:
    assert list(BUILTIN_TRIGGER_CATALOG) == ["canonical_url_ping_pong", "user_page_dwell", "section_playbook_match"]
    rows = list_builtin_trigger_catalog()
    assert [r["id"] for r in rows] == ["canonical_url_ping_pong", "section_playbook_match", "user_page_dwell"]
    assert rows[0] == {
        "id": "canonical_url_ping_pong",
        "name": "URL ping-pong (hesitation)",
        "description": "User hesitates with repeated back-and-forth navigation across canonical URLs (ping-pong"
        " pattern) before asking for help.",
        "interaction_timeout_s": 10.0,
        "cooldown_s": 30.0,
        "default_triggering_type": "llm_judge_validation",
    }
    built = BUILTIN_TRIGGER_CATALOG["user_page_dwell"].build(None)
    assert isinstance(built, ProactiveTriggerEntity)
    assert built.triggering_type == "llm_judge_validation"
    assert BUILTIN_TRIGGER_CATALOG["user_page_dwell"].build(
        None, triggering_type="instant_trigger"
    ).triggering_type == ("instant_trigger")


def test_resolve_specs_strips_and_defaults() -> None:
    (spec,) = resolve_builtin_specs(
        [
            {
                "id": " user_page_dwell ",
                "name": " N ",
                "description": " D ",
                "extra": 1,
                "cooldown_s": "45",
                "triggering_type": " instant_trigger ",
            }
        ]
    )
    assert spec == ResolvedBuiltinTriggerSpec("user_page_dwell", "N", "D", 10.0, 45.0, "instant_trigger")


def test_registry_from_specs_in_order_with_duplicates() -> None:
    registry = registry_from_builtin_specs([PP, {**PP, "interaction_timeout_s": 3}, {**PP, "id": "user_page_dwell"}])
    assert isinstance(registry, ProactiveTriggerRegistry)
    assert [t.trigger_id for t in registry.triggers] == ["canonical_url_ping_pong"] * 2 + ["user_page_dwell"]
    assert [t.timings.interaction_timeout_s for t in registry.triggers] == [10.0, 3.0, 10.0]  # type: ignore[attr-defined]


BAD_SPECS: list[tuple[Any, str]] = [
    ([], "builtins list must be non-empty \u2014 omit 'builtins' to use the legacy default registry"),
    ([{**PP, "id": 7}], "builtin trigger spec row 0 field 'id' must be a string, got int"),
    ([PP, {**PP, "name": None}], "builtin trigger spec row 1 field 'name' must be a string, got NoneType"),
    ([{**PP, "description": "  "}], "builtin trigger spec row 0 must include non-empty string 'description'"),
    ([{"name": "n", "description": "d"}], "builtin trigger spec row 0 field 'id' must be a string, got NoneType"),
    (
        [{**PP, "id": "nope"}],
        "unknown proactive builtin trigger id 'nope'; known ids: "
        "['canonical_url_ping_pong', 'section_playbook_match', 'user_page_dwell']",
    ),
    (
        [{**PP, "interaction_timeout_s": "soon"}],
        "builtin trigger spec field 'interaction_timeout_s' must be a positive number, got 'soon'",
    ),
    ([{**PP, "cooldown_s": 0}], "builtin trigger spec field 'cooldown_s' must be > 0, got 0"),
    ([{**PP, "cooldown_s": -2.5}], "builtin trigger spec field 'cooldown_s' must be > 0, got -2.5"),
    ([{**PP, "triggering_type": 1}], "builtin trigger spec row 0 field 'triggering_type' must be a string"),
    (
        [{**PP, "triggering_type": "later"}],
        "builtin trigger spec row 0 triggering_type must be 'instant_trigger' or 'llm_judge_validation', got 'later'",
    ),
    (["ping"], "builtin trigger spec row 0 must be a mapping, got str"),
    ("ping", "builtin trigger specs must be a list of mappings, got str"),
]


@pytest.mark.parametrize(("specs", "message"), BAD_SPECS)
def test_bad_specs_log_then_raise_sdk_config_error(specs: Any, message: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="autoplay_sdk.proactive.triggers.builtin_catalog")
    with pytest.raises(SdkConfigError) as err:
        registry_from_builtin_specs(specs)
    assert str(err.value) == message
    (record,) = caplog.records
    assert record.event == "proactive_builtin_spec_invalid"  # type: ignore[attr-defined]
    assert message in record.getMessage()


def test_a_bad_number_chains_its_cause() -> None:
    with pytest.raises(SdkConfigError) as err:
        resolve_builtin_specs([{**PP, "cooldown_s": "x"}])
    assert isinstance(err.value.__cause__, ValueError)


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=10,
)
spec_rows = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from([*BUILTIN_TRIGGER_CATALOG, " user_page_dwell ", ""]) | json_values,
        "name": st.text(max_size=5) | json_values,
        "description": st.text(max_size=5) | json_values,
        "interaction_timeout_s": json_scalars,
        "cooldown_s": json_scalars,
        "triggering_type": st.sampled_from(["instant_trigger", "llm_judge_validation", " x "]) | json_scalars,
    },
)
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.lists(spec_rows | json_values, max_size=4) | json_values)
def test_fuzz_registry_from_specs_builds_everything_or_raises_config_error(specs: Any) -> None:
    try:
        registry = registry_from_builtin_specs(specs)
    except SdkConfigError as exc:
        assert str(exc)
        return
    assert len(registry.triggers) == len(specs) > 0
    for t in registry.triggers:
        assert isinstance(t, ProactiveTriggerEntity)
        assert t.timings.interaction_timeout_s > 0 and t.timings.cooldown_s > 0


# --------------------------------------------------------------------------- trigger_config

CONFIG = {
    "id": "cfg1",
    "name": "Stuck on GitHub",
    "proactive_criteria": {
        "id": "crit1",
        "name": "all",
        "operator": "AND",
        "conditions": [
            {"id": "l1", "name": "pp", "type": "canonical_url_ping_pong"},
            {
                "id": "g2",
                "name": "any",
                "operator": "OR",
                "conditions": [{"id": "l2", "name": "dwell", "type": "user_page_dwell"}],
            },
        ],
    },
    "messages": [
        {"id": "m1", "label": "Show me", "user_tour_exists": True, "user_tour_id": "flow-1"},
        {"id": "m2", "label": "No thanks", "user_tour_exists": False},
    ],
}


def test_trigger_config_round_trip() -> None:
    config = ProactiveTriggerConfig.from_dict(CONFIG)
    assert isinstance(config.proactive_criteria, CriteriaGroup)
    assert isinstance(config.proactive_criteria.conditions[0], CriteriaLeaf)
    assert config.to_dict() == CONFIG
    assert TriggerMessage("m", "l").to_dict() == {"id": "m", "label": "l", "user_tour_exists": False}


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda: TriggerMessage("m1", "l", True),
            ValueError,
            "TriggerMessage 'm1': user_tour_id is required when user_tour_exists is True",
        ),
        (
            lambda: CriteriaGroup("g", "n", "and", [CriteriaLeaf("a", "b", "c")]),
            ValueError,
            "CriteriaGroup 'g': operator must be 'AND' or 'OR', got 'and'",
        ),
        (
            lambda: CriteriaGroup("g", "n", "OR", []),
            ValueError,
            "CriteriaGroup 'g': conditions must be a non-empty list",
        ),
        (
            lambda: criteria_from_dict({"id": "g", "operator": "OR", "conditions": {}}),
            ValueError,
            "CriteriaGroup 'g': 'conditions' must be a non-empty list",
        ),
        (
            lambda: criteria_from_dict({"id": "l", "name": "n"}),
            ValueError,
            "CriteriaLeaf 'l': 'type' field is required for leaf nodes",
        ),
        (lambda: criteria_from_dict({"name": "n", "type": "t"}), KeyError, "'id'"),
        (
            lambda: ProactiveTriggerConfig.from_dict({**CONFIG, "messages": []}),
            ValueError,
            "ProactiveTriggerConfig 'cfg1': must have at least 1 message",
        ),
        (
            lambda: ProactiveTriggerConfig.from_dict({**CONFIG, "messages": [{"id": "m", "label": "l"}] * 4}),
            ValueError,
            "ProactiveTriggerConfig 'cfg1': max 3 messages, got 4",
        ),
        (
            lambda: ProactiveTriggerConfig.from_dict({k: v for k, v in CONFIG.items() if k != "name"}),
            KeyError,
            "'name'",
        ),
    ],
)
def test_trigger_config_errors(build: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as err:
        build()
    assert str(err.value) == message


@FUZZ
@given(
    st.fixed_dictionaries(
        {},
        optional={"id": json_values, "name": json_values, "proactive_criteria": json_values, "messages": json_values},
    )
    | json_values
)
def test_fuzz_trigger_config_from_dict(d: Any) -> None:
    try:
        config = ProactiveTriggerConfig.from_dict(d)
    except (KeyError, ValueError):
        return
    assert 1 <= len(config.messages) <= 3


# --------------------------------------------------------------------------- tour registry


def test_tour_registry_defaults_and_lookup(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="autoplay_sdk.proactive.triggers.tour_registry")
    reg = TourRegistry.from_dict(
        {
            "product_id": "p1",
            "default_interaction_timeout_s": 40,
            "tours": [
                {"id": "t1", "user_tour_id": "f1", "label": "legacy"},
                "junk",
                {"user_tour_id": "f2"},
                {"id": "t3", "interaction_timeout_s": None, "cooldown_period_s": 5},
            ],
        }
    )
    assert [t.id for t in reg.tours] == ["t1", "t3"]
    assert reg.get("t1") == TourDefinition("t1", "f1", None, 40, 120.0)
    assert reg.get("t3") == TourDefinition("t3", None, None, None, 5)  # type: ignore[arg-type]
    assert reg.get_by_user_tour_id("f1") is reg.tours[0] and reg.get_by_user_tour_id("") is None
    events = [(r.event_type, r.index) for r in caplog.records]  # type: ignore[attr-defined]
    assert events == [("tour_registry_entry_invalid_type", 1), ("tour_registry_entry_parse_error", 2)]
    assert caplog.records[0].got_type == "str"  # type: ignore[attr-defined]
    assert reg.to_dict()["tours"][0] == {
        "id": "t1",
        "interaction_timeout_s": 40,
        "cooldown_period_s": 120.0,
        "user_tour_id": "f1",
    }
    again = TourRegistry.from_dict(reg.to_dict())
    assert json.dumps(again.to_dict(), default=repr) == json.dumps(reg.to_dict(), default=repr)  # NaN-safe
    with pytest.raises(KeyError):
        TourRegistry.from_dict({"tours": []})


@FUZZ
@given(
    st.dictionaries(st.sampled_from(["tour_registry", "proactive_intercom", "tour_offer_body", "x"]), json_values)
    | json_values,
    st.text(max_size=20),
)
def test_fuzz_intercom_config_parsers_never_raise(cfg: Any, message: str) -> None:
    rows = parse_proactive_intercom_messages(cfg)
    assert rows is None or (rows and all(isinstance(r, ProactiveIntercomMessageRow) and r.label for r in rows))
    labels = quick_reply_labels_from_messages_config(cfg)
    assert labels is None or labels == tuple(r.label for r in rows or ())
    flow = resolve_tour_offer_for_inbound(cfg, message)
    assert flow is None or isinstance(flow, str)
    assert isinstance(tour_offer_quick_reply_body(cfg), str)
    for config in parse_proactive_trigger_configs(cfg):
        assert isinstance(config, ProactiveTriggerConfig)
    registry = parse_tour_registry(cfg, "p1")
    assert registry is None or isinstance(registry, TourRegistry)


# --------------------------------------------------------------------------- Intercom proactive config


def test_v2_list_rows_restart_their_index_and_concatenate() -> None:
    cfg = {
        "proactive_intercom": [
            {
                "messages": [
                    {"label": " Yes "},
                    "junk",
                    {"id": "", "label": "Show me", "offers_tour": 1, "flow_id": " f9 "},
                ]
            },
            "junk",
            {"messages": [{"label": "Later", "user_tour_exists": "false", "user_tour_id": None, "flow_id": "ignored"}]},
        ]
    }
    rows = parse_proactive_intercom_messages(cfg)
    assert rows == (
        ProactiveIntercomMessageRow("msg_0", "Yes", False, None),
        ProactiveIntercomMessageRow("msg_2", "Show me", True, "f9"),
        ProactiveIntercomMessageRow("msg_0", "Later", True, None),  # "false" is truthy
    )
    assert rows[1].offers_tour and rows[1].flow_id == "f9"
    assert quick_reply_labels_from_messages_config(cfg) == ("Yes", "Show me", "Later")
    assert match_message_row_by_inbound_text(rows, " show ME ") == (1, rows[1])
    assert match_message_row_by_inbound_text(rows, "nope") == (None, None)
    assert resolve_tour_offer_for_inbound(cfg, "show me") == "f9"
    assert resolve_tour_offer_for_inbound(cfg, "later", default_flow_id=" d ") == "d"
    assert resolve_tour_offer_for_inbound(cfg, "later") == ""
    assert resolve_tour_offer_for_inbound(cfg, "yes") is None
    assert effective_tour_flow_id_for_row(rows[0], default_flow_id="d") is None


@pytest.mark.parametrize(
    "cfg",
    [
        None,
        {},
        {"proactive_intercom": "x"},
        {"proactive_intercom": {"messages": []}},
        {"proactive_intercom": {"messages": [{"label": " "}]}},
        {"proactive_intercom": []},
    ],
)
def test_no_rows_is_none(cfg: Any) -> None:
    assert parse_proactive_intercom_messages(cfg) is None
    assert quick_reply_labels_from_messages_config(cfg) is None


def test_legacy_dict_shape() -> None:
    rows = parse_proactive_intercom_messages({"proactive_intercom": {"messages": [{"id": "a", "label": "Go"}]}})
    assert rows == (ProactiveIntercomMessageRow("a", "Go", False, None),)


def test_tour_offer_body() -> None:
    assert tour_offer_quick_reply_body() == "Would you like me to show you?"
    assert tour_offer_quick_reply_body({"tour_offer_body": "  Take the tour?  "}) == "Take the tour?"


def test_trigger_configs_skip_bad_entries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    configs = parse_proactive_trigger_configs({"proactive_intercom": [CONFIG, 3, {**CONFIG, "messages": []}]})
    assert [c.id for c in configs] == ["cfg1"]
    assert [r.event_type for r in caplog.records] == [  # type: ignore[attr-defined]
        "proactive_trigger_config_invalid_type",
        "proactive_trigger_config_parse_error",
    ]
    assert find_trigger_config_by_criteria(configs, "crit1") is configs[0]
    assert find_trigger_config_by_criteria(configs, "l1") is None
    assert parse_proactive_trigger_configs({"proactive_intercom": {"messages": []}}) == []


def test_parse_tour_registry(caplog: pytest.LogCaptureFixture) -> None:
    reg = parse_tour_registry({"tour_registry": [{"id": "t", "user_tour_id": "f"}]}, "p9")
    assert reg is not None and reg.product_id == "p9" and reg.get_by_user_tour_id("f") is not None
    assert parse_tour_registry({"tour_registry": {"id": "t"}}) is None
    assert parse_tour_registry(None) is None


@FUZZ
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "product_id": json_values,
            "tours": st.lists(
                st.dictionaries(st.sampled_from(["id", "user_tour_id", "interaction_timeout_s"]), json_values)
                | json_values,
                max_size=4,
            )
            | json_values,
            "default_interaction_timeout_s": json_scalars,
        },
    )
)
def test_fuzz_tour_registry_from_dict(d: dict[str, Any]) -> None:
    try:
        reg = TourRegistry.from_dict(d)
    except (KeyError, ValueError):
        return
    assert all(isinstance(t, TourDefinition) for t in reg.tours)
    again = TourRegistry.from_dict(reg.to_dict())
    assert json.dumps(again.to_dict(), default=repr) == json.dumps(reg.to_dict(), default=repr)  # NaN-safe
