"""The hesitation predicate, and ping-pong triggers that stay strict unless broadening is asked for."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autoplay_sdk.integrations
import autoplay_sdk.integrations.intercom as intercom
from autoplay_sdk.proactive.triggers import _url_predicates
from autoplay_sdk.proactive.triggers._url_predicates import proactive_trigger_url_hesitation
from autoplay_sdk.proactive.triggers.builtin_catalog import BUILTIN_TRIGGER_CATALOG
from autoplay_sdk.proactive.triggers.defaults import TRIGGER_ID_CANONICAL_URL_PING_PONG
from autoplay_sdk.proactive.triggers.triggers.canonical_ping_pong import CanonicalPingPongTrigger
from autoplay_sdk.proactive.triggers.triggers.scoped_canonical_ping_pong import ScopedCanonicalPingPongTrigger
from autoplay_sdk.proactive.triggers.types import ProactiveTriggerContext

TABLE: list[tuple[Sequence[str | None], bool, bool]] = [
    (["/a", "/b", "/c", "/a"], True, False),
    (["/a", "/a", "/b", "/c"], True, False),
    (["/a", "/b", "/a", "/b"], False, True),
    (["/a", "/b", "/c", "/d"], False, False),
    ([" /a", "/b ", "/c", "/a", None, ""], True, False),
]


@pytest.mark.parametrize(("urls", "hesitation", "strict"), TABLE)
def test_predicates_table(urls: Sequence[str | None], hesitation: bool, strict: bool) -> None:
    assert proactive_trigger_url_hesitation(urls) is hesitation
    assert intercom.proactive_trigger_canonical_url_ping_pong(urls) is strict


def test_parameters() -> None:
    assert proactive_trigger_url_hesitation(["/a", "/b", "/c"], min_repeats=0) is True
    assert proactive_trigger_url_hesitation(["/a", "/b"], min_repeats=0) is False
    assert proactive_trigger_url_hesitation(["/a", "/b", "/a"], min_distinct=2) is True
    assert proactive_trigger_url_hesitation(["/a", "/b", "/c", "/a", "/b"], min_repeats=2) is True


@given(st.lists(st.sampled_from(["/a", "/b", "/c", "/d", " /a", None, ""]), max_size=10))
def test_hesitation_matches_its_definition(urls: list[str | None]) -> None:
    seq = [u.strip() for u in urls if u is not None and u.strip()]
    expected = len(seq) >= 3 and len(set(seq)) >= 3 and any(seq.count(u) >= 2 for u in set(seq))
    assert proactive_trigger_url_hesitation(urls) is expected


def test_same_predicate_objects_and_not_exported() -> None:
    assert (
        _url_predicates.proactive_trigger_canonical_url_ping_pong is intercom.proactive_trigger_canonical_url_ping_pong
    )
    assert (
        _url_predicates.proactive_trigger_canonical_url_ping_pong_projects_either_leg
        is intercom.proactive_trigger_canonical_url_ping_pong_projects_either_leg
    )
    assert not hasattr(intercom, "proactive_trigger_url_hesitation")
    assert "proactive_trigger_url_hesitation" not in autoplay_sdk.integrations.__all__


@pytest.mark.parametrize(
    "first", ["autoplay_sdk.proactive.triggers._url_predicates", "autoplay_sdk.integrations.intercom"]
)
def test_either_module_imports_first(first: str) -> None:
    code = (
        f"import {first}; import autoplay_sdk.proactive.triggers._url_predicates as m; "
        "print(m.proactive_trigger_url_hesitation(['/a','/b','/c','/a']))"
    )
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def ctx(*urls: str | None) -> ProactiveTriggerContext:
    return ProactiveTriggerContext(canonical_urls=urls)


def test_default_trigger_is_strict_with_075_metadata() -> None:
    trigger = CanonicalPingPongTrigger()
    assert trigger.evaluate(ctx("/a", "/b", "/c", "/a")) is None  # hesitation alone never fires by default
    result = trigger.evaluate(ctx("/a", "/b", "/a"))
    assert result is not None and result.metadata == {"min_cycles": 1}
    assert result.body == "Need my expert help?"
    assert repr(trigger) == "CanonicalPingPongTrigger(min_cycles=1)"


def test_broadened_trigger_metadata() -> None:
    trigger = CanonicalPingPongTrigger(broaden_with_hesitation=True, hesitation_min_distinct=3)
    hes = trigger.evaluate(ctx("/a", "/b", "/c", "/a"))
    assert hes is not None and hes.metadata == {
        "min_cycles": 1,
        "matched": ["hesitation_distinct_with_revisit"],
        "hesitation_min_distinct": 3,
    }
    both = trigger.evaluate(ctx("/a", "/b", "/a", "/c"))
    assert both is not None and both.metadata["matched"] == ["strict_ping_pong", "hesitation_distinct_with_revisit"]
    strict = trigger.evaluate(ctx("/a", "/b", "/a"))
    assert strict is not None and strict.metadata["matched"] == ["strict_ping_pong"]
    assert trigger.evaluate(ctx("/a", "/b", "/c", "/d")) is None


def test_scoped_trigger() -> None:
    off = ScopedCanonicalPingPongTrigger(url_must_contain=" /proj ")
    result = off.evaluate(ctx("/proj/1", "/x", "/proj/1"))
    assert result is not None and result.metadata == {"min_cycles": 1, "scoped_canonical_url_contains": "/proj"}
    assert off.evaluate(ctx("/proj/1", "/proj/2", "/proj/3", "/proj/1")) is None
    on = ScopedCanonicalPingPongTrigger(url_must_contain="/proj", broaden_with_hesitation=True)
    # hesitation only among in-scope URLs: /x and /y do not count as distinct pages
    assert on.evaluate(ctx("/proj/1", "/x", "/y", "/proj/1")) is None
    hes = on.evaluate(ctx("/proj/1", "/proj/2", "/x", "/proj/3", "/proj/1"))
    assert hes is not None and list(hes.metadata) == [
        "min_cycles",
        "scoped_canonical_url_contains",
        "matched",
        "hesitation_min_distinct",
    ]
    # the strict rule still looks at every URL
    strict = on.evaluate(ctx("/x", "/proj/1", "/x"))
    assert strict is not None and strict.metadata["matched"] == ["strict_ping_pong"]


def test_builtin_catalog_builds_the_strict_trigger() -> None:
    entry = BUILTIN_TRIGGER_CATALOG[TRIGGER_ID_CANONICAL_URL_PING_PONG]
    built = entry.inner_factory()
    assert isinstance(built, CanonicalPingPongTrigger) and built.broaden_with_hesitation is False
    assert built.evaluate(ctx("/a", "/b", "/c", "/a")) is None
