"""UserSessionIndex and SessionRef."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from autoplay_sdk.context.context_store import AsyncContextStore, ContextStore
from autoplay_sdk.context.user_index import SessionRef, UserSessionIndex
from tests.context._helpers import NOW, FakeClock, payload


def index_at(store: ContextStore | AsyncContextStore, now: float = NOW, **kwargs: Any) -> UserSessionIndex:
    index = UserSessionIndex(store, **kwargs)
    index._wall = lambda: now
    return index


def test_session_ref_is_frozen_hashable_and_compared_by_value() -> None:
    ref = SessionRef("s1", None, 1.0)
    assert ref == SessionRef("s1", None, 1.0)
    assert len({ref, SessionRef("s1", None, 1.0)}) == 1
    assert [f.name for f in dataclasses.fields(SessionRef)] == ["session_id", "product_id", "last_seen_at"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.session_id = "s2"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lookback_seconds": 0}, "lookback_seconds must be > 0"),
        ({"max_sessions_per_user": 0}, "max_sessions_per_user must be >= 1"),
        ({"session_ttl_s": -1}, "session_ttl_s must be > 0, got -1"),
    ],
)
def test_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        UserSessionIndex(ContextStore(), **kwargs)
    assert str(info.value) == message


def test_add_dedupes_sorts_truncates_and_caches_email() -> None:
    index = index_at(ContextStore(), max_sessions_per_user=2)
    index.add(payload("s1", user_id=" u1 ", email="old@x.io", forwarded_at=NOW - 30))
    index.add(payload("s2", user_id="u1", product_id="pB", forwarded_at=NOW - 10))
    index.add(payload("s1", user_id="u1", product_id="pA", forwarded_at=NOW - 20, email="new@x.io"))
    index.add(payload("s3", user_id="u1", forwarded_at=NOW - 40))  # oldest: truncated away
    assert index.get_recent_sessions("u1") == [SessionRef("s2", "pB", NOW - 10), SessionRef("s1", "pA", NOW - 20)]
    assert index.get_email("u1") == "new@x.io"
    assert index.get_recent_sessions(" u1 ") == []  # the user id is used as given when reading


def test_add_ignores_payloads_without_user_or_session() -> None:
    index = index_at(ContextStore())
    index.add(payload("s1", user_id=None, email="a@b.c"))
    index.add(payload("  ", user_id="u1", email="a@b.c"))
    assert index.get_recent_sessions("u1") == [] and index.get_email("u1") is None


def test_lookback_drops_old_refs_on_add_and_on_read() -> None:
    index = index_at(ContextStore(), lookback_seconds=60)
    index.add(payload("s1", user_id="u1", forwarded_at=NOW - 100))
    index.add(payload("s2", user_id="u1", forwarded_at=NOW - 30))
    assert index.get_recent_sessions("u1") == [SessionRef("s2", None, NOW - 30)]
    index._wall = lambda: NOW + 100
    assert index.get_recent_sessions("u1") == []


def test_zero_forwarded_at_uses_now() -> None:
    index = index_at(ContextStore())
    index.add(payload("s1", user_id="u1", forwarded_at=0.0))
    assert index.get_recent_sessions("u1") == [SessionRef("s1", None, NOW)]


@pytest.mark.parametrize("store_cls", [ContextStore, AsyncContextStore])
async def test_get_user_activity_joins_each_sessions_context(
    store_cls: type[ContextStore] | type[AsyncContextStore],
) -> None:
    store = store_cls()
    index = index_at(store)
    p3 = payload("s3", [("click", "Opened billing", "/billing")], product_id="prodB", user_id="u1", forwarded_at=NOW)
    p2 = payload("s2", [], user_id="u1", forwarded_at=NOW - 5)
    p1 = payload("s1", user_id="u1", forwarded_at=NOW - 9)  # indexed but nothing stored: skipped
    for p in (p3, p2):
        if isinstance(store, AsyncContextStore):
            await store.add(p)
        else:
            store.add(p)
    for p in (p3, p2, p1):
        await index.add_async(p)
    if isinstance(store, AsyncContextStore):
        await store.on_summary("s2", "Looked around.")
    else:
        store.on_summary("s2", "Looked around.")
    assert index.get_user_activity("u1") == (
        "Session s3 (prodB):\nRecent activity:\n1. [0] click: Opened billing \u2014 /billing\n"
        "\n"
        "Session s2 (no-product-id):\nSummary: Looked around."
    )
    assert index.get_user_activity("nobody") == ""


def test_reset_user_forgets_refs_and_email() -> None:
    index = index_at(ContextStore())
    index.add(payload("s1", user_id="u1", email="a@b.c"))
    index.reset_user("u1")
    index.reset_user("never-seen")
    assert index.get_recent_sessions("u1") == [] and index.get_email("u1") is None


def test_reading_unknown_users_stores_nothing() -> None:
    index = index_at(ContextStore())
    for i in range(1000):
        assert index.get_recent_sessions(f"ghost-{i}") == []
        assert index.get_user_activity(f"ghost-{i}") == ""
    assert index._refs == {}


def test_users_whose_refs_aged_out_are_dropped_but_keep_their_email() -> None:
    index = index_at(ContextStore(), lookback_seconds=10)
    index.add(payload("s1", user_id="u1", email="a@b.c", forwarded_at=NOW - 50))
    assert index.get_recent_sessions("u1") == []
    assert index._refs == {}
    assert index.get_email("u1") == "a@b.c"


def test_session_ttl_forgets_idle_users(clock: FakeClock) -> None:
    index = index_at(ContextStore(), session_ttl_s=60)
    index._clock = clock
    index.add(payload("s1", user_id="u1", email="a@b.c"))
    index.add(payload("s2", user_id="u2", forwarded_at=NOW - 1))
    clock.advance(40)
    index.add(payload("s3", user_id="u2"))
    clock.advance(30)
    assert index.get_email("u1") is None and index.get_recent_sessions("u1") == []
    assert [r.session_id for r in index.get_recent_sessions("u2")] == ["s3", "s2"]
    for i in range(2000):
        index.add(payload("s", user_id=f"churn-{i}"))
        clock.advance(1)
    assert len(index._refs) <= 62 and len(index._emails) <= 62
