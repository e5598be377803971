"""Section activity, URL scope, quick-reply matching and pending tour offers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk.proactive.triggers import ProactiveTriggerResult, pending_offer_to_json, resolve_pending_redis_value
from autoplay_sdk.proactive.triggers.quick_reply_match import match_quick_reply_label, messages_match_quick_reply_pair
from autoplay_sdk.proactive.triggers.section_activity import (
    build_product_section_playbook,
    iso8601_utc_z,
    resolve_section_id,
    resolve_section_id_for_playbook,
    top_playbook_section_id,
    total_dwell_seconds,
)
from autoplay_sdk.proactive.triggers.url_scope import (
    canonical_urls_touch_substring,
    filter_ping_pong_hits_by_canonical_url_contains,
)

from ._helpers import ORIGIN, act, urls_ctx

RULES = [
    {"prefix": " ", "section_id": "blank"},
    {"prefix": ORIGIN + "/settings/billing", "section_id": " billing "},
    {"prefix": ORIGIN + "/settings", "section_id": "settings"},
    {"prefix": ORIGIN + "/x", "section_id": ""},
]


@pytest.mark.parametrize(
    ("url", "section"),
    [
        (ORIGIN + "/settings/billing/plans", "billing"),
        (ORIGIN + "/settings/team", "settings"),
        (ORIGIN + "/x/1", None),
        ("", None),
        (ORIGIN + "/dash", None),
    ],
)
def test_resolve_section_id_first_matching_rule(url: str, section: str | None) -> None:
    assert resolve_section_id(url, RULES) == section


def test_build_product_section_playbook_visits_and_dwell() -> None:
    actions = [
        act("/settings/team", 0, 10),
        act("/settings/team", 10, 15),  # one settings visit: 15 s
        act("/dash", 15, 20),  # other
        act("/settings/billing", 20, 50),
        act("/settings", 50, 52),  # a second settings visit
    ]
    psp = build_product_section_playbook(actions, rules=RULES)
    assert psp["runtime"] == {"current_section_id": "settings"}
    assert list(psp["sections"]) == ["settings", "other", "billing"]
    assert psp["sections"]["settings"] == {
        "visit_count": 2,
        "dwell_seconds_per_visit": [15.0, 2.0],
        "first_visited_at": "1970-01-01T00:00:00Z",
        "last_visited_at": "1970-01-01T00:00:52Z",
    }
    assert build_product_section_playbook(actions, rules=RULES, fallback_id=" misc ")["sections"].keys() >= {"misc"}
    assert build_product_section_playbook(actions, rules=[]) == {"runtime": {"current_section_id": ""}, "sections": {}}
    assert build_product_section_playbook([], rules=RULES)["runtime"] == {"current_section_id": ""}


def test_section_helpers() -> None:
    assert iso8601_utc_z(0) == "1970-01-01T00:00:00Z"
    assert iso8601_utc_z(1.9) == "1970-01-01T00:00:01Z"
    assert total_dwell_seconds({"dwell_seconds_per_visit": [1, "2.5"]}) == 3.5
    assert total_dwell_seconds({"dwell_seconds_per_visit": "3"}) == 0.0
    assert top_playbook_section_id("x", {}) is None  # type: ignore[arg-type]
    assert top_playbook_section_id({"sections": {}}, {"a": "b"}) is None


def test_the_playbook_built_from_actions_drives_the_resolution() -> None:
    actions = [act("/settings/billing", 0, 100), act("/settings/team", 100, 110)]
    book = {"billing": "Plans?", "settings": "Settings?"}
    psp = build_product_section_playbook(actions, rules=RULES)
    assert resolve_section_id_for_playbook({"section_playbook": book, "product_section_playbook": psp}) == "billing"


def test_url_scope() -> None:
    assert canonical_urls_touch_substring(["/a", None, " "], " ")
    assert canonical_urls_touch_substring([None, "/billing/x"], "billing")
    assert not canonical_urls_touch_substring([None, "  "], "billing")
    pp = ProactiveTriggerResult("canonical_url_ping_pong", "b")
    other = ProactiveTriggerResult("user_page_dwell", "b")
    hits = [pp, other]
    c = urls_ctx("/a", "/b", "/a")
    assert filter_ping_pong_hits_by_canonical_url_contains(c, hits, "") is hits
    assert filter_ping_pong_hits_by_canonical_url_contains(c, hits, "billing") == [other]
    assert filter_ping_pong_hits_by_canonical_url_contains(c, hits, "/b") == hits


def test_quick_reply_match() -> None:
    assert match_quick_reply_label("  YES ", ["No", "yes", "Yes"]) == 1
    assert match_quick_reply_label("", [""]) is None
    assert match_quick_reply_label("maybe", ["No"]) is None
    assert messages_match_quick_reply_pair(" yes") == "yes"
    assert messages_match_quick_reply_pair("NO") == "no"
    assert messages_match_quick_reply_pair("ok", yes_label="OK", no_label="ok") == "yes"
    assert messages_match_quick_reply_pair(" ") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "d"),
        ("  ", "d"),
        (" 1 ", "d"),
        ('{"flow_id": " f1 "}', "f1"),
        ('{"flow_id": 3}', "d"),
        ('{"flow_id": "  "}', "d"),
        ("[1]", "d"),
        ("{nope", "d"),
    ],
)
def test_resolve_pending_redis_value(raw: str | None, expected: str) -> None:
    assert resolve_pending_redis_value(raw, default_flow_id=" d ") == expected


def test_pending_offer_to_json() -> None:
    assert pending_offer_to_json(" f1 ") == '{"flow_id": "f1"}'
    assert resolve_pending_redis_value(pending_offer_to_json("f2"), default_flow_id="") == "f2"


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.none(), st.text()), st.text())
def test_resolve_pending_never_raises(raw: str | None, default: str) -> None:
    assert isinstance(resolve_pending_redis_value(raw, default_flow_id=default), str)
