"""The pure rendering functions give exactly the store's text (what another store backend reuses)."""

from __future__ import annotations

import random
from itertools import pairwise
from typing import Any

import pytest

from autoplay_sdk.context._render import activity_block, compose_context, enrich_query, format_actions, select_window
from autoplay_sdk.context.context_store import ContextStore
from tests.context._helpers import NOW, clicks, payload


@pytest.mark.parametrize("seed", range(4))
def test_select_window_and_activity_block_match_the_store(seed: int) -> None:
    rng = random.Random(seed)
    store = ContextStore()
    store._wall = lambda: NOW + 100  # a fixed "now" for lookback windows
    payloads = []
    index = 0
    for step in range(rng.randint(0, 30)):
        n = rng.randint(0, 4)
        forwarded_at = NOW + (step if rng.random() < 0.8 else rng.uniform(-50, 50))  # some out of order
        p = payload("s1", clicks(n, start=index), first_index=index, forwarded_at=forwarded_at)
        index += n
        payloads.append(p)
        store.add(p)
    ordered = all(a.forwarded_at <= b.forwarded_at for a, b in pairwise(payloads))
    for lookback in (None, 30.0, 90.0, 1e9):
        for cap in (None, 0, 1, 3, 7, 100):
            options: dict[str, Any] = {"lookback_seconds": lookback, "max_actions": cap}
            cutoff = None if lookback is None else NOW + 100 - lookback
            window, skip = select_window(payloads, cutoff, cap, ordered=ordered)
            activity = activity_block(window, skip)
            assert compose_context("", activity) == store.get("s1", **options)
            store.summaries["s1"] = "sum"
            assert enrich_query(compose_context("sum", activity), "q") == store.enrich("s1", "q", **options)
            del store.summaries["s1"]


def test_format_actions_numbers_every_action_across_payloads() -> None:
    payloads = [payload("s", clicks(2)), payload("s", []), payload("s", clicks(1, start=2), first_index=2)]
    assert format_actions(payloads).splitlines() == [
        "1. [0] click: Clicked 0 \u2014 /page",
        "2. [1] click: Clicked 1 \u2014 /page",
        "3. [2] click: Clicked 2 \u2014 /page",
    ]
    assert format_actions([]) == "" and enrich_query("", "q") == "q"
