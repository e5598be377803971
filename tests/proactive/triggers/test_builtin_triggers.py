"""Table tests for the four built-in triggers, straight from their documented rules."""

from __future__ import annotations

from typing import Any

import pytest

from autoplay_sdk.proactive.triggers import CanonicalPingPongTrigger, UserPageDwellTrigger
from autoplay_sdk.proactive.triggers.triggers.scoped_canonical_ping_pong import ScopedCanonicalPingPongTrigger
from autoplay_sdk.proactive.triggers.triggers.section_playbook import SectionPlaybookTrigger

from ._helpers import ORIGIN, act, ctx, urls_ctx

# --------------------------------------------------------------------------- ping-pong

PING_PONG = [
    (["/a", "/b", "/a"], 1, True),
    (["/a", "/b", "/b", "/a"], 1, False),  # consecutive repeats are not collapsed
    (["/a", "/a", "/b", "/a"], 1, True),
    (["/a", "/b"], 1, False),  # fewer than three
    (["/a", None, "/b", "  ", "/a"], 1, True),  # None and blanks are dropped
    ([" /a ", "/b", "/a"], 1, True),  # stripped
    (["/a", "/b", "/a", "/b"], 2, True),  # overlapping triples: two cycles
    (["/a", "/b", "/a", "/b"], 3, False),
    (["/a", "/b", "/a", "/b", "/a"], 3, True),
    (["/a", "/a", "/a"], 1, False),  # A == B is no bounce
    ([], 1, False),
    (["/a", "/b", "/a"], 0, True),
]


@pytest.mark.parametrize(("urls", "min_cycles", "fires"), PING_PONG)
def test_canonical_ping_pong(urls: list[str | None], min_cycles: int, fires: bool) -> None:
    result = CanonicalPingPongTrigger(min_cycles=min_cycles).evaluate(urls_ctx(*urls))
    assert (result is not None) is fires
    if result is not None:
        assert result.trigger_id == "canonical_url_ping_pong"
        assert result.body == "Need my expert help?"
        assert result.metadata == {"min_cycles": min_cycles}
        assert tuple(result.reply_option_labels) == ()
        assert (result.interaction_timeout_s, result.cooldown_s) == (10.0, 30.0)
        assert "triggering_type" not in result.metadata


@pytest.mark.parametrize(
    ("sub", "urls", "fires"),
    [
        ("billing", ["/billing", "/plans", "/billing"], True),
        ("billing", ["/a", "/b", "/a"], False),  # the substring is nowhere
        ("billing", ["/a", "/b", "/a", "/billing"], True),  # touched anywhere, bounce anywhere
        ("billing", ["/billing", "/x"], False),  # touched but no bounce
        ("  ", ["/a", "/b", "/a"], True),  # blank: unrestricted
        ("Billing", ["/billing", "/plans", "/billing"], False),  # case-sensitive
    ],
)
def test_scoped_canonical_ping_pong(sub: str, urls: list[str], fires: bool) -> None:
    trigger = ScopedCanonicalPingPongTrigger(url_must_contain=sub)
    result = trigger.evaluate(urls_ctx(*urls))
    assert trigger.trigger_id == "canonical_url_ping_pong"
    assert (result is not None) is fires
    if result is not None:
        assert result.metadata == {"min_cycles": 1, "scoped_canonical_url_contains": sub.strip()}


# --------------------------------------------------------------------------- dwell

DWELL: list[tuple[str, list[Any], dict[str, Any], bool]] = [
    ("span of 60 s on one page fires", [act("/a", 0, 5), act("/p", 100, 130), act("/p", 130, 160)], {}, True),
    ("59.9 s does not", [act("/p", 100, 130), act("/p", 130, 159.9)], {}, False),
    ("exactly the threshold fires", [act("/p", 0, 60)], {"eval_now": 0}, True),
    ("5 actions is the sparse limit", [act("/p", i * 20, i * 20 + 20) for i in range(5)], {}, True),
    ("6 actions is too busy", [act("/p", i * 20, i * 20 + 20) for i in range(6)], {}, False),
    (
        "max_actions from context_extra",
        [act("/p", i * 20, i * 20 + 20) for i in range(6)],
        {"user_page_dwell_max_actions": "6"},
        True,
    ),
    (
        "invalid max_actions falls back to 5",
        [act("/p", i * 20, i * 20 + 20) for i in range(6)],
        {"user_page_dwell_max_actions": "lots"},
        False,
    ),
    (
        "non-positive max_actions falls back to 5",
        [act("/p", i * 20, i * 20 + 20) for i in range(6)],
        {"user_page_dwell_max_actions": 0},
        False,
    ),
    ("a single action with no span uses now", [act("/p", 1000)], {"eval_now": 1060}, True),
    ("… and not before the threshold", [act("/p", 1000)], {"eval_now": 1059}, False),
    ("two actions with no span do not use now", [act("/p", 1000), act("/p", 1000)], {"eval_now": 5000}, False),
    ("threshold from context_extra", [act("/p", 0, 30)], {"dwell_threshold_seconds": 30, "eval_now": 0}, True),
    ("threshold <= 0 disables", [act("/p", 0, 300)], {"dwell_threshold_seconds": 0}, False),
    ("an empty last URL never fires", [act("/p", 0, 100), act("", 100, 300)], {}, False),
    ("the run is the suffix on the last URL", [act("/p", 0, 200), act("/q", 200, 210)], {"eval_now": 0}, False),
    ("no actions", [], {}, False),
]


@pytest.mark.parametrize(("case", "actions", "extra", "fires"), DWELL, ids=[d[0] for d in DWELL])
def test_user_page_dwell(case: str, actions: list[Any], extra: dict[str, Any], fires: bool) -> None:
    result = UserPageDwellTrigger().evaluate(ctx(*actions, **extra))
    assert (result is not None) is fires, case


def test_dwell_result_carries_its_measurements() -> None:
    result = UserPageDwellTrigger().evaluate(ctx(act("/a", 0, 3), act("/p", 10, 40), act("/p", 40, 80.12345)))
    assert result is not None
    assert result.trigger_id == "user_page_dwell"
    assert result.body == "Still on this page \u2014 want a quick tip?"
    assert result.metadata == {
        "user_page_dwell_seconds": 70.123,
        "user_page_dwell_action_count": 2,
        "user_page_dwell_max_actions": 5,
        "dwell_threshold_seconds": 60.0,
        "user_page_dwell_canonical_url": ORIGIN + "/p",
    }


def test_dwell_body_from_context_extra_is_trimmed_and_capped() -> None:
    result = UserPageDwellTrigger().evaluate(ctx(act("/p", 0, 90), dwell_proactive_body="  " + "x" * 400))
    assert result is not None and result.body == "x" * 150


def test_dwell_constructor_defaults_apply() -> None:
    trigger = UserPageDwellTrigger(default_threshold_s=10, default_max_actions=1)
    assert trigger.evaluate(ctx(act("/p", 0, 10))) is not None
    assert trigger.evaluate(ctx(act("/p", 0, 5), act("/p", 5, 10))) is None


def test_dwell_threshold_that_is_not_a_number_raises() -> None:
    with pytest.raises(ValueError):
        UserPageDwellTrigger().evaluate(ctx(act("/p", 0, 90), dwell_threshold_seconds="soon"))


def test_dwell_single_action_reads_the_clock_when_no_eval_now(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(time, "time", lambda: 2000.0)
    assert UserPageDwellTrigger().evaluate(ctx(act("/p", 1900))) is not None
    monkeypatch.setattr(time, "time", lambda: 1901.0)
    assert UserPageDwellTrigger().evaluate(ctx(act("/p", 1900))) is None


# --------------------------------------------------------------------------- section playbook

BOOK = {
    "billing": "Questions about plans?",
    "import": {"body": " Importing a CSV? ", "reply_option_labels": ["Yes", " ", "No", 3]},
    "alt": {"proactive_body": "Alt body", "quick_reply_labels": ("A",)},
    "empty": {"body": "  "},
    "weird": 42,
}


def _psp(*sections: tuple[str, list[float], int], current: str = "") -> dict[str, Any]:
    return {
        "runtime": {"current_section_id": current},
        "sections": {sid: {"dwell_seconds_per_visit": d, "visit_count": n} for sid, d, n in sections},
    }


SECTION: list[tuple[str, dict[str, Any], str | None]] = [
    ("no playbook", {}, None),
    ("playbook not a dict", {"section_playbook": ["billing"], "current_section_id": "billing"}, None),
    (
        "current_section_id wins",
        {
            "section_playbook": BOOK,
            "current_section_id": " billing ",
            "product_section_playbook": _psp(("import", [500.0], 3)),
        },
        "billing",
    ),
    (
        "unknown current falls through to the top section",
        {
            "section_playbook": BOOK,
            "current_section_id": "nope",
            "product_section_playbook": _psp(("import", [5.0], 1), ("billing", [50.0], 1)),
        },
        "billing",
    ),
    (
        "most dwell wins",
        {
            "section_playbook": BOOK,
            "product_section_playbook": _psp(("billing", [10.0, 10.0], 2), ("import", [30.0], 1)),
        },
        "import",
    ),
    (
        "equal dwell: most visits",
        {
            "section_playbook": BOOK,
            "product_section_playbook": _psp(("billing", [10.0, 10.0], 2), ("import", [20.0], 1)),
        },
        "billing",
    ),
    (
        "all equal: id order",
        {"section_playbook": BOOK, "product_section_playbook": _psp(("import", [20.0], 1), ("billing", [20.0], 1))},
        "billing",
    ),
    (
        "sections outside the playbook are ignored",
        {"section_playbook": BOOK, "product_section_playbook": _psp(("reports", [900.0], 9))},
        None,
    ),
    (
        "runtime current section is the last resort",
        {"section_playbook": BOOK, "product_section_playbook": _psp(("reports", [900.0], 9), current="alt")},
        "alt",
    ),
    ("a str row", {"section_playbook": BOOK, "current_section_id": "billing"}, "billing"),
    ("an empty body does not fire", {"section_playbook": BOOK, "current_section_id": "empty"}, None),
    ("a row of another type does not fire", {"section_playbook": BOOK, "current_section_id": "weird"}, None),
]


@pytest.mark.parametrize(("case", "extra", "section"), SECTION, ids=[s[0] for s in SECTION])
def test_section_playbook_resolution(case: str, extra: dict[str, Any], section: str | None) -> None:
    result = SectionPlaybookTrigger().evaluate(ctx(act("/x", 0), **extra))
    if section is None:
        assert result is None, case
    else:
        assert result is not None, case
        assert result.trigger_id == "section_playbook_match"
        assert result.metadata == {"section_id": section}


def test_section_playbook_bodies_and_labels() -> None:
    t = SectionPlaybookTrigger()
    imp = t.evaluate(ctx(act("/x"), section_playbook=BOOK, current_section_id="import"))
    assert imp is not None
    assert imp.body == "Importing a CSV?"
    assert imp.reply_option_labels == ("Yes", "No", "3")  # blanks dropped, not stripped
    alt = t.evaluate(ctx(act("/x"), section_playbook=BOOK, current_section_id="alt"))
    assert alt is not None and (alt.body, alt.reply_option_labels) == ("Alt body", ("A",))
    long = t.evaluate(ctx(act("/x"), section_playbook={"s": "y" * 300}, current_section_id="s"))
    assert long is not None and long.body == "y" * 150
