"""ContextStore / AsyncContextStore: exact text, windows, product scoping, bounds and wiring."""

from __future__ import annotations

import dataclasses
import gc
import logging
import random
import weakref
from typing import Any

import pytest

from autoplay_sdk.context.context_store import AsyncContextStore, ContextStore, actions_bucket_id
from autoplay_sdk.context.summarizer import AsyncSessionSummarizer, SessionSummarizer, _format_actions
from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.testing._summarizer import local_summarizer_llm, local_summarizer_llm_sync
from tests.context._helpers import NOW, FakeClock, clicks, payload

STORE_LOGGER = "autoplay_sdk.context.context_store"


def fixed_wall(store: ContextStore | AsyncContextStore, now: float = NOW) -> None:
    store._wall = lambda: now


# -- actions_bucket_id --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product_id", "session_id", "expected"),
    [
        ("p1", "s1", "p1\x1fs1"),
        (None, "s1", "s1"),
        ("  ", "s1", "s1"),
        ("p", None, "p\x1funknown"),
        (None, "  ", ""),
        (" p1 ", " s1 ", "p1\x1fs1"),
    ],
)
def test_actions_bucket_id(product_id: str | None, session_id: str | None, expected: str) -> None:
    assert actions_bucket_id(product_id, session_id) == expected


# -- exact get() / enrich() text ----------------------------------------------------------------


def test_get_and_enrich_with_nothing_stored() -> None:
    store = ContextStore()
    assert store.get("s1") == ""
    assert store.enrich("s1", "How do I export?") == "How do I export?"


def test_get_and_enrich_actions_only() -> None:
    store = ContextStore()
    store.add(payload("s1", [("click", "Opened billing", "/settings/billing")], first_index=3))
    store.add(payload("s1", [("click", "Clicked Upgrade", "/settings/billing")], first_index=4))
    expected = (
        "Recent activity:\n"
        "1. [3] click: Opened billing \u2014 /settings/billing\n"
        "2. [4] click: Clicked Upgrade \u2014 /settings/billing"
    )
    assert store.get("s1") == expected
    assert store.enrich("s1", "Why can't I upgrade?") == (
        f"[Session context]\n{expected}\n\n[Query]\nWhy can't I upgrade?"
    )


def test_get_and_enrich_summary_only() -> None:
    store = ContextStore()
    store.on_summary("s1", "User exported a CSV.")
    assert store.get("s1") == "Summary: User exported a CSV."
    assert store.enrich("s1", "q") == "[Session context]\nSummary: User exported a CSV.\n\n[Query]\nq"


def test_get_summary_and_actions_matches_spec_example() -> None:
    store = ContextStore()
    store.on_summary("s1", "User exported a CSV.")
    store.add(
        payload(
            "s1",
            [("click", "Opened billing", "/settings/billing"), ("click", "Clicked Upgrade", "/settings/billing")],
            first_index=3,
        )
    )
    assert store.get("s1") == (
        "Summary: User exported a CSV.\n"
        "\n"
        "Recent activity:\n"
        "1. [3] click: Opened billing \u2014 /settings/billing\n"
        "2. [4] click: Clicked Upgrade \u2014 /settings/billing"
    )


def test_empty_summary_and_actionless_payloads_render_as_nothing() -> None:
    store = ContextStore()
    store.on_summary("s1", "")
    store.add(payload("s1", []))
    assert store.get("s1") == ""
    assert store.enrich("s1", "q") == "q"


def test_include_flags_from_constructor_and_per_call() -> None:
    store = ContextStore(include_summary=False)
    store.on_summary("s1", "Sum.")
    store.add(payload("s1"))
    actions = "Recent activity:\n1. [0] click: Clicked Export \u2014 /dashboard"
    assert store.get("s1") == actions
    assert store.get("s1", include_summary=True) == f"Summary: Sum.\n\n{actions}"
    assert store.get("s1", include_summary=True, include_actions=False) == "Summary: Sum."
    assert store.get("s1", include_actions=False) == ""


def test_new_summary_replaces_old_and_keeps_actions() -> None:
    store = ContextStore()
    store.add(payload("s1"))
    store.on_summary("s1", "First.")
    store.on_summary("s1", "Second.")
    assert store.get("s1") == ("Summary: Second.\n\nRecent activity:\n1. [0] click: Clicked Export \u2014 /dashboard")


def test_window_grows_with_new_actions_after_a_read() -> None:
    store = ContextStore()
    store.add(payload("s1", clicks(2)))
    assert (
        store.get("s1")
        == "Recent activity:\n1. [0] click: Clicked 0 \u2014 /page\n2. [1] click: Clicked 1 \u2014 /page"
    )
    store.add(payload("s1", clicks(1, start=2), first_index=2))
    assert store.get("s1") == (
        "Recent activity:\n"
        "1. [0] click: Clicked 0 \u2014 /page\n"
        "2. [1] click: Clicked 1 \u2014 /page\n"
        "3. [2] click: Clicked 2 \u2014 /page"
    )


# -- lookback and max_actions -------------------------------------------------------------------


def test_constructor_lookback_prunes_old_payloads_at_add_time() -> None:
    store = ContextStore(lookback_seconds=60)
    fixed_wall(store)
    store.add(payload("s1", clicks(1), forwarded_at=NOW - 61))
    # Dropped at once, but the bucket stays listed.
    assert store.get("s1") == ""
    assert store.get("s1", lookback_seconds=None) == ""
    assert store.active_sessions == ["s1"]
    store.add(payload("s1", clicks(1, start=1), forwarded_at=NOW - 10, first_index=1))
    assert store.get("s1") == "Recent activity:\n1. [1] click: Clicked 1 \u2014 /page"


def test_zero_forwarded_at_is_pruned_with_a_constructor_lookback() -> None:
    store = ContextStore(lookback_seconds=300)
    store.add(payload("s1", forwarded_at=0.0))
    assert store.get("s1") == ""


def test_per_call_lookback_override_filters_whole_payloads() -> None:
    store = ContextStore()
    fixed_wall(store)
    store.add(payload("s1", clicks(2), forwarded_at=NOW - 100))
    store.add(payload("s1", clicks(1, start=2), forwarded_at=NOW - 5, first_index=2))
    everything = store.get("s1")
    assert everything.count("\n") == 3
    assert store.get("s1", lookback_seconds=30) == "Recent activity:\n1. [2] click: Clicked 2 \u2014 /page"
    assert store.get("s1", lookback_seconds=100) == everything  # forwarded_at >= now - lookback is kept
    assert store.get("s1", lookback_seconds=0) == ""
    assert store.get("s1", lookback_seconds=-5) == ""


def test_explicit_none_disables_constructor_bounds_for_one_call() -> None:
    store = ContextStore(lookback_seconds=3600, max_actions=1)
    fixed_wall(store)
    store.add(payload("s1", clicks(3)))
    assert store.get("s1") == "Recent activity:\n1. [2] click: Clicked 2 \u2014 /page"
    assert store.get("s1", max_actions=None).count("click:") == 3


def test_max_actions_keeps_newest_actions_and_splits_the_straddling_payload() -> None:
    store = ContextStore(max_actions=3)
    store.add(payload("s1", clicks(2)))
    store.add(payload("s1", clicks(3, start=2), first_index=2))
    store.add(payload("s1", clicks(1, start=5), first_index=5))
    assert store.get("s1") == (
        "Recent activity:\n"
        "1. [3] click: Clicked 3 \u2014 /page\n"
        "2. [4] click: Clicked 4 \u2014 /page\n"
        "3. [5] click: Clicked 5 \u2014 /page"
    )
    assert store.get("s1", max_actions=5).splitlines()[1] == "1. [1] click: Clicked 1 \u2014 /page"
    assert store.get("s1", max_actions=0) == ""
    assert store.get("s1", max_actions=-1) == ""


def test_max_actions_does_not_mutate_the_stored_payload() -> None:
    store = ContextStore(max_actions=1)
    p = payload("s1", clicks(3))
    store.add(p)
    store.get("s1")
    assert len(p.actions) == 3 and p.count == 3


def test_lookback_applies_before_the_cap() -> None:
    store = ContextStore()
    fixed_wall(store)
    store.add(payload("s1", clicks(2), forwarded_at=NOW - 100))
    store.add(payload("s1", clicks(1, start=2), forwarded_at=NOW, first_index=2))
    # The cap of 2 would reach back into the old payload, but lookback removed it first.
    assert store.get("s1", lookback_seconds=10, max_actions=2) == (
        "Recent activity:\n1. [2] click: Clicked 2 \u2014 /page"
    )


def test_out_of_order_forwarded_at_still_filters_correctly() -> None:
    store = ContextStore()
    fixed_wall(store)
    store.add(payload("s1", clicks(1), forwarded_at=NOW - 5))
    store.add(payload("s1", clicks(1, start=1), forwarded_at=NOW - 500, first_index=1))
    store.add(payload("s1", clicks(1, start=2), forwarded_at=NOW - 1, first_index=2))
    assert store.get("s1", lookback_seconds=60) == (
        "Recent activity:\n1. [0] click: Clicked 0 \u2014 /page\n2. [2] click: Clicked 2 \u2014 /page"
    )


def _spec_get(history: list[ActionsPayload], summary: str, now: float, lookback: float | None, cap: int | None) -> str:
    """The documented get() window rules, written plainly, as the oracle for the optimised store."""
    actions = list(history)
    if lookback is not None:
        actions = [p for p in actions if p.forwarded_at >= now - lookback]
    if cap is not None:
        kept: list[ActionsPayload] = []
        remaining = cap
        for p in reversed(actions):
            if remaining <= 0:
                break
            n = len(p.actions)
            if n <= remaining:
                kept.append(p)
                remaining -= n
            else:
                kept.append(dataclasses.replace(p, actions=p.actions[-remaining:], count=remaining))
                remaining = 0
        actions = kept[::-1]
    parts = []
    if summary:
        parts.append(f"Summary: {summary}")
    text = _format_actions(actions)
    if text:
        parts.append(f"Recent activity:\n{text}")
    return "\n\n".join(parts)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ctor_lookback", [None, 40.0])
def test_rendered_windows_match_the_spec_algorithm(seed: int, ctor_lookback: float | None) -> None:
    """Random adds, reads and clock moves: every read equals the plain spec algorithm."""
    rng = random.Random(seed)
    store = ContextStore(lookback_seconds=ctor_lookback)
    now = NOW
    store._wall = lambda: now
    kept: list[ActionsPayload] = []
    index = 0
    for _ in range(150):
        op = rng.random()
        if op < 0.45:
            n = rng.choice([0, 1, 1, 2, 3, 5])
            jitter = rng.choice([0.0, 0.0, 0.0, -30.0, -80.0])  # some arrive out of order / stale
            p = payload("s1", clicks(n, start=index), forwarded_at=now + jitter, first_index=index)
            index += n
            store.add(p)
            kept.append(p)
            if ctor_lookback is not None:
                kept = [q for q in kept if q.forwarded_at >= now - ctor_lookback]
        elif op < 0.55:
            now += rng.choice([1.0, 5.0, 20.0])
        else:
            kwargs: dict[str, Any] = {}
            lookback = ctor_lookback
            cap = None
            if rng.random() < 0.5:
                lookback = kwargs["lookback_seconds"] = rng.choice([None, 10.0, 30.0, 60.0, 1000.0])
            if rng.random() < 0.5:
                cap = kwargs["max_actions"] = rng.choice([None, 0, 1, 2, 4, 7, 50])
            assert store.get("s1", **kwargs) == _spec_get(kept, "", now, lookback, cap), kwargs


# -- product scoping ----------------------------------------------------------------------------


def test_products_have_separate_buckets_and_share_the_summary() -> None:
    store = ContextStore()
    store.add(payload("s1", [("click", "A", "/a")], product_id="pA"))
    store.add(payload("s1", [("click", "B", "/b")], product_id="pB"))
    store.on_summary("s1", "Shared.")
    assert store.get("s1", product_id="pA") == "Summary: Shared.\n\nRecent activity:\n1. [0] click: A \u2014 /a"
    assert store.get("s1", product_id=" pB ") == "Summary: Shared.\n\nRecent activity:\n1. [0] click: B \u2014 /b"
    assert store.get("s1", product_id="pC") == "Summary: Shared."
    assert store.active_sessions == ["pA\x1fs1", "pB\x1fs1", "s1"]


def test_get_without_product_falls_back_to_the_single_product_bucket(caplog: pytest.LogCaptureFixture) -> None:
    store = ContextStore()
    store.add(payload("s1", [("click", "A", "/a")], product_id="pA"))
    caplog.set_level(logging.WARNING, logger=STORE_LOGGER)
    assert store.get("s1") == "Recent activity:\n1. [0] click: A \u2014 /a"
    assert store.get("s1", product_id="  ") == "Recent activity:\n1. [0] click: A \u2014 /a"
    warnings = [r for r in caplog.records if r.name == STORE_LOGGER]
    assert len(warnings) == 1  # once per session id
    assert warnings[0].getMessage() == (
        "autoplay_sdk: context_store: get(session_id=s1) fell back to product-scoped actions "
        "bucket=pA\x1fs1; pass product_id explicitly to avoid empty reads"
    )


def test_get_without_product_and_several_products_shows_no_actions(caplog: pytest.LogCaptureFixture) -> None:
    store = ContextStore()
    store.add(payload("s1", product_id="pA"))
    store.add(payload("s1", product_id="pB"))
    caplog.set_level(logging.WARNING, logger=STORE_LOGGER)
    assert store.get("s1") == ""
    assert store.get("s1") == ""
    assert [r.getMessage() for r in caplog.records if r.name == STORE_LOGGER] == [
        "autoplay_sdk: context_store: get(session_id=s1) found multiple product-scoped buckets; "
        "pass product_id explicitly to disambiguate reads"
    ]


def test_session_only_bucket_wins_over_fallback() -> None:
    store = ContextStore()
    store.add(payload("s1", [("click", "A", "/a")], product_id="pA"))
    store.add(payload("s1", [("click", "Legacy", "/l")]))
    assert store.get("s1") == "Recent activity:\n1. [0] click: Legacy \u2014 /l"


# -- summarizer wiring --------------------------------------------------------------------------


def test_store_installs_its_on_summary_and_renders_the_summary_with_actions() -> None:
    summarizer = SessionSummarizer(llm=local_summarizer_llm_sync, threshold=3)
    store = ContextStore(summarizer=summarizer)
    assert summarizer.on_summary == store.on_summary
    for p in (payload("s1", clicks(2)), payload("s1", clicks(1, start=2), first_index=2)):
        store.add(p)
        summarizer.add(p)
    store.add(payload("s1", clicks(1, start=3), first_index=3))
    text = store.get("s1")
    assert text.startswith(
        "Summary: The user performed 3 actions on /page. They clicked 0, 1 and 2. "
        "Most recently: Clicked 2 on /page.\n\nRecent activity:\n"
    )
    assert text.endswith("4. [3] click: Clicked 3 \u2014 /page")


def test_replacing_an_existing_on_summary_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    previous = []
    summarizer = SessionSummarizer(llm=local_summarizer_llm_sync, on_summary=lambda s, t: previous.append(t))
    caplog.set_level(logging.WARNING, logger=STORE_LOGGER)
    store = ContextStore(summarizer=summarizer)
    assert [r.getMessage() for r in caplog.records] == [
        "autoplay_sdk: ContextStore: replacing existing on_summary on the provided summarizer; "
        "the previous callback will no longer be called."
    ]
    summarizer.add(payload("s1", clicks(10)))
    assert previous == []
    assert store.get("s1", include_actions=False).startswith("Summary: The user performed 10 actions")


def test_any_object_with_on_summary_can_be_wired() -> None:
    class Duck:
        on_summary = None

    duck = Duck()
    store = ContextStore(summarizer=duck)
    duck.on_summary("s9", "Quacked.")  # type: ignore[misc]
    assert store.get("s9") == "Summary: Quacked."


async def test_async_store_with_async_summarizer_end_to_end() -> None:
    summarizer = AsyncSessionSummarizer(llm=local_summarizer_llm, threshold=2)
    store = AsyncContextStore(summarizer=summarizer)
    p = payload("s1", clicks(2))
    await store.add(p)
    await summarizer.add(p)
    await summarizer.flush()
    assert store.get("s1") == (
        "Summary: The user performed 2 actions on /page. They clicked 0 and 1. Most recently: Clicked 1 on /page.\n"
        "\n"
        "Recent activity:\n1. [0] click: Clicked 0 \u2014 /page\n2. [1] click: Clicked 1 \u2014 /page"
    )


def test_sync_store_accepts_an_async_summarizer() -> None:
    summarizer = AsyncSessionSummarizer(llm=local_summarizer_llm)
    store = ContextStore(summarizer=summarizer)
    assert summarizer.on_summary == store.on_summary


# -- on_summary buckets, LRU, reset, active_sessions --------------------------------------------


def test_on_summary_creates_a_session_bucket_that_counts_towards_max_sessions() -> None:
    store = ContextStore(max_sessions=2)
    store.add(payload("a"))
    store.on_summary("b", "B.")
    store.add(payload("c"))
    assert store.active_sessions == ["b", "c"]
    assert store.get("a") == ""


def test_lru_evicts_the_least_recently_written_bucket_and_its_summary(caplog: pytest.LogCaptureFixture) -> None:
    store = ContextStore(max_sessions=2)
    store.add(payload("a"))
    store.on_summary("b", "B summary.")
    store.add(payload("a", clicks(1)))  # a is now the most recent
    caplog.set_level(logging.DEBUG, logger=STORE_LOGGER)
    store.add(payload("c"))
    assert store.active_sessions == ["a", "c"]
    assert store.get("b") == ""
    assert store.get("a").count("\n") == 2
    assert any("evicted" in r.getMessage() for r in caplog.records)


def test_reset_removes_summary_product_bucket_and_session_bucket_only() -> None:
    store = ContextStore()
    store.add(payload("s1", product_id="pA"))
    store.add(payload("s1", product_id="pB"))
    store.on_summary("s1", "Sum.")
    store.add(payload("s2"))
    store.reset("s1", product_id="pA")
    assert store.active_sessions == ["pB\x1fs1", "s2"]
    assert store.get("s1", product_id="pB") == "Recent activity:\n1. [0] click: Clicked Export \u2014 /dashboard"
    store.reset("unknown-session")
    store.reset("s2")
    assert store.active_sessions == ["pB\x1fs1"]


def test_reset_then_add_starts_from_scratch() -> None:
    store = ContextStore()
    store.add(payload("s1", clicks(2)))
    store.get("s1")
    store.reset("s1")
    store.add(payload("s1", clicks(1, start=7), first_index=7))
    assert store.get("s1") == "Recent activity:\n1. [7] click: Clicked 7 \u2014 /page"


def test_active_sessions_is_sorted_and_includes_emptied_buckets() -> None:
    store = ContextStore(lookback_seconds=10)
    fixed_wall(store)
    store.add(payload("zeta"))
    store.add(payload("alpha", forwarded_at=NOW - 100))
    store.on_summary("mid", "x")
    assert store.active_sessions == ["alpha", "mid", "zeta"]


def test_actions_snapshot_lists_payloads_per_bucket() -> None:
    store = ContextStore()
    p1, p2 = payload("s1"), payload("s1", product_id="p")
    store.add(p1)
    store.add(p2)
    snapshot = store.actions
    assert snapshot == {"s1": [p1], "p\x1fs1": [p2]}
    snapshot["s1"].clear()
    assert store.actions["s1"] == [p1]


# -- idle expiry (session_ttl_s) ----------------------------------------------------------------


def test_session_ttl_expires_idle_sessions_with_all_products_and_summary(clock: FakeClock) -> None:
    store = ContextStore(session_ttl_s=60)
    store._clock = clock
    store.add(payload("s1", product_id="pA"))
    store.add(payload("s1", product_id="pB"))
    store.on_summary("s1", "Sum.")
    store.add(payload("s2"))
    clock.advance(30)
    store.add(payload("s2"))  # s2 stays active
    clock.advance(30)
    assert store.get("s1", product_id="pA").startswith("Summary: Sum.")  # exactly ttl idle: kept
    clock.advance(0.5)
    assert store.get("s1", product_id="pA") == ""
    assert store.active_sessions == ["s2"]
    assert store.actions.keys() == {"s2"}


def test_reads_do_not_refresh_the_ttl(clock: FakeClock) -> None:
    store = ContextStore(session_ttl_s=10)
    store._clock = clock
    store.add(payload("s1"))
    for _ in range(3):
        clock.advance(4)
        store.get("s1")
    assert store.get("s1") == ""


def test_expired_session_can_come_back(clock: FakeClock) -> None:
    store = ContextStore(session_ttl_s=10)
    store._clock = clock
    store.add(payload("s1", clicks(2)))
    clock.advance(11)
    store.add(payload("s1", clicks(1, start=5), first_index=5))
    assert store.get("s1") == "Recent activity:\n1. [5] click: Clicked 5 \u2014 /page"


def test_without_ttl_nothing_expires(clock: FakeClock) -> None:
    store = ContextStore()
    store._clock = clock
    store.add(payload("s1"))
    clock.advance(10**9)
    assert store.get("s1") != ""


def test_ttl_keeps_memory_bounded_under_churn(clock: FakeClock) -> None:
    store = ContextStore(session_ttl_s=5)
    store._clock = clock
    for i in range(5000):
        store.add(payload(f"s{i}", product_id="p"))
        store.on_summary(f"s{i}", "x")
        store.get(f"s{i}")
        clock.advance(1)
    assert len(store.active_sessions) <= 12
    assert len(store._last_seen) <= 6 and len(store._scoped) <= 6


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lookback_seconds": 0}, "lookback_seconds must be > 0, got 0"),
        ({"lookback_seconds": -1.5}, "lookback_seconds must be > 0, got -1.5"),
        ({"max_actions": 0}, "max_actions must be >= 1, got 0"),
        ({"max_sessions": 0}, "max_sessions must be >= 1, got 0"),
        ({"session_ttl_s": 0}, "session_ttl_s must be > 0, got 0"),
        ({"lookback_seconds": 0, "max_actions": 0}, "lookback_seconds must be > 0, got 0"),
    ],
)
@pytest.mark.parametrize("cls", [ContextStore, AsyncContextStore])
def test_constructor_validation(cls: type[ContextStore], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        cls(**kwargs)
    assert str(info.value) == message


# -- async twin ---------------------------------------------------------------------------------


async def test_async_store_has_async_writes_and_sync_reads() -> None:
    store = AsyncContextStore(max_actions=1)
    await store.add(payload("s1", clicks(2)))
    await store.on_summary("s1", "Sum.")
    assert store.get("s1") == "Summary: Sum.\n\nRecent activity:\n1. [1] click: Clicked 1 \u2014 /page"
    assert store.enrich("s1", "q").endswith("\n\n[Query]\nq")
    store.reset("s1")
    assert store.active_sessions == []


# -- the "already warned" set is bounded ---------------------------------------------------------


def test_warned_set_is_bounded(caplog: pytest.LogCaptureFixture) -> None:
    store = ContextStore(max_sessions=10)
    for i in range(3000):
        store.add(payload(f"s{i}", product_id="p"))
        assert store.get(f"s{i}") != ""  # falls back and warns
    assert len(store._warned) <= 10
    # A session id that left the store warns again when it is seen again.
    store.add(payload("s0", product_id="p"))
    caplog.clear()
    store.get("s0")
    store.get("s0")
    assert len([r for r in caplog.records if "fell back" in r.getMessage()]) == 1


def test_logs_never_contain_action_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=STORE_LOGGER)
    store = ContextStore(max_sessions=1)
    store.add(payload("s1", [("click", "SECRET-DESCRIPTION", "/secret-url")], product_id="p"))
    store.get("s1")
    store.add(payload("s2", product_id="p"))
    store.reset("s2", product_id="p")
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "SECRET" not in text and "/secret-url" not in text


class Tracked(ActionsPayload):
    """A subclass without ``__slots__``: it gets ``__weakref__`` (the slotted payloads have none)."""


@pytest.mark.parametrize("how", ["max_sessions", "session_ttl_s", "reset"])
def test_forgotten_sessions_release_their_payloads(how: str, clock: FakeClock) -> None:
    """Evicted, expired or reset sessions keep no payload alive (memory really is bounded)."""
    store = ContextStore(max_sessions=5) if how == "max_sessions" else ContextStore(session_ttl_s=1)
    store._clock = clock
    refs = []
    for i in range(200):
        base = payload(f"s{i}", product_id="p" if i % 2 else "")
        p = Tracked(*(getattr(base, f.name) for f in dataclasses.fields(base)))
        refs.append(weakref.ref(p))
        store.add(p)
        store.get(f"s{i}", product_id=p.product_id)
        if how == "reset":
            store.reset(f"s{i}", product_id=p.product_id)
        clock.advance(2)
    del p
    gc.collect()
    alive = sum(r() is not None for r in refs)
    assert alive <= (5 if how == "max_sessions" else 1)
