"""Payload models, exceptions, the metrics safe-call rule and token resolution."""

from __future__ import annotations

import dataclasses
import logging
import typing
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoplay_sdk.core import exceptions as exc_mod
from autoplay_sdk.core.metrics import SdkMetricsHook, _safe_call
from autoplay_sdk.core.models import (
    ActionsPayload,
    AnyPayload,
    MalformedPayloadError,
    SlimAction,
    SummaryPayload,
)
from autoplay_sdk.stream_auth import resolve_connector_bearer_token

WIRE_ACTION = {
    "title": "Dashboard",
    "description": "User landed on Dashboard",
    "canonical_url": "https://app.example.com/dashboard",
    "index": 0,
    "type": "pageview",
    "timestamp_start": 10.0,
    "timestamp_end": 12.5,
    "raw_url": "https://app.example.com/dashboard?x=1",
    "session_id": "s1",
    "user_id": "u1",
    "email": "u1@example.com",
    "conversation_id": None,
}
WIRE_ACTIONS = {
    "type": "actions",
    "product_id": "p1",
    "session_id": "s1",
    "user_id": "u1",
    "email": "u1@example.com",
    "actions": [WIRE_ACTION, {**WIRE_ACTION, "index": 1, "type": "click", "description": "Clicked Export"}],
    "count": 2,
    "forwarded_at": 100.0,
    "conversation_id": "c1",
}
WIRE_SUMMARY = {
    "type": "summary",
    "product_id": "p1",
    "session_id": "s1",
    "summary": "The user exported a report.",
    "replaces": 5,
    "forwarded_at": 200.0,
}


def test_slim_action_to_text_exact() -> None:
    a = SlimAction.from_dict(WIRE_ACTION)
    assert a.to_text() == "[0] pageview: User landed on Dashboard \u2014 https://app.example.com/dashboard"
    assert SlimAction("", "", "").to_text() == "[0] :  \u2014 "


def test_slim_action_from_dict_falsy_defaults_and_numeric_strings() -> None:
    a = SlimAction.from_dict({"title": None, "index": "3", "timestamp_start": 0, "session_id": "", "extra": 1})
    assert (a.title, a.description, a.canonical_url, a.index, a.timestamp_start) == ("", "", "", 3, 0.0)
    assert a.session_id == ""  # raw, not "or None"
    assert a.user_id is None
    with pytest.raises(MalformedPayloadError):
        SlimAction.from_dict([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize("wire", [WIRE_ACTIONS, WIRE_SUMMARY], ids=["actions", "summary"])
def test_round_trip_through_the_wire_dict(wire: dict[str, Any]) -> None:
    cls = ActionsPayload if wire["type"] == "actions" else SummaryPayload
    typed = cls.from_dict(wire)
    assert typed.to_dict() == wire
    assert cls.from_dict(typed.to_dict()) == typed
    assert list(typed.to_dict()) == list(wire)  # key order is the wire order


def test_actions_payload_from_dict_rules() -> None:
    p = ActionsPayload.from_dict({"session_id": "", "user_id": "", "email": "", "conversation_id": "", "type": "x"})
    assert (p.product_id, p.session_id, p.user_id, p.email) == ("", None, None, None)
    assert p.conversation_id == ""
    assert (p.actions, p.count, p.forwarded_at) == ([], 0, 0.0)


def test_actions_payload_to_text_exact() -> None:
    p = ActionsPayload.from_dict(WIRE_ACTIONS)
    assert p.to_text() == (
        "Session s1 \u2014 2 actions\n"
        "[0] pageview: User landed on Dashboard \u2014 https://app.example.com/dashboard\n"
        "[1] click: Clicked Export \u2014 https://app.example.com/dashboard"
    )
    empty = ActionsPayload("p", None, None, None, [], 0, 0.0)
    assert empty.to_text() == "Session unknown \u2014 0 actions"
    one = ActionsPayload("p", "s", None, None, [SlimAction("t", "d", "u")], 1, 0.0)
    assert one.to_text().splitlines()[0] == "Session s \u2014 1 actions"


def test_count_is_reconciled_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.core.models"):
        p = ActionsPayload.from_dict({**WIRE_ACTIONS, "count": "3"})  # a non-int from the wire
    assert p.count == 2
    (record,) = caplog.records
    assert record.getMessage() == (
        "autoplay_sdk: ActionsPayload.count=3 does not match len(actions)=2 for session=s1"
        " \u2014 using len(actions) as the authoritative value"
    )


def test_merge_reindexes_copies_and_picks_first_truthy() -> None:
    a = ActionsPayload.from_dict({**WIRE_ACTIONS, "user_id": None, "email": None, "conversation_id": None})
    b = ActionsPayload.from_dict({**WIRE_ACTIONS, "session_id": "other", "forwarded_at": 50.0})
    merged = ActionsPayload.merge([a, b])
    assert [x.index for x in merged.actions] == [0, 1, 2, 3]
    assert [x.index for x in b.actions] == [0, 1]  # inputs untouched
    assert (merged.session_id, merged.user_id, merged.conversation_id) == ("s1", "u1", "c1")
    assert (merged.count, merged.forwarded_at) == (4, 100.0)
    with pytest.raises(ValueError, match=r"^ActionsPayload.merge\(\) requires at least one payload$"):
        ActionsPayload.merge([])


def test_summary_payload() -> None:
    s = SummaryPayload.from_dict({"session_id": "", "summary": None})
    assert (s.product_id, s.session_id, s.summary, s.replaces, s.forwarded_at) == ("", None, "", 0, 0.0)
    assert SummaryPayload.from_dict(WIRE_SUMMARY).to_text() == "The user exported a report."


def test_models_are_plain_mutable_dataclasses() -> None:
    for cls in (SlimAction, ActionsPayload, SummaryPayload):
        assert dataclasses.is_dataclass(cls)
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        assert not params.frozen
    assert [f.name for f in dataclasses.fields(SlimAction)][-1] == "conversation_id"
    assert typing.get_args(AnyPayload) == (ActionsPayload, SummaryPayload)


def test_exception_tree() -> None:
    assert issubclass(exc_mod.SdkConfigError, exc_mod.SdkError)
    assert issubclass(exc_mod.SdkUpstreamError, exc_mod.SdkError)
    assert not issubclass(exc_mod.SdkUpstreamError, RuntimeError)
    assert str(exc_mod.SdkBufferFullError("full")) == "full"


class Partial:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def record_queue_depth(self, *, depth: int) -> None:
        self.calls.append({"depth": depth})

    def record_event_dropped(self, **_: Any) -> None:
        raise RuntimeError("metrics backend down")


def test_safe_call_rules(caplog: pytest.LogCaptureFixture) -> None:
    hook = Partial()
    _safe_call(None, "record_queue_depth", depth=1)
    _safe_call(hook, "record_semaphore_timeout", session_id=None, product_id=None)  # missing method
    _safe_call(hook, "record_queue_depth", depth=3)
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk.core.metrics"):
        _safe_call(hook, "record_event_dropped", reason="x")
    assert hook.calls == [{"depth": 3}]
    assert "metrics hook record_event_dropped raised (ignored): metrics backend down" in caplog.text
    assert not isinstance(hook, SdkMetricsHook)  # partial: runtime check needs all five


def test_token_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOPLAY_APP_UNKEY_TOKEN", "  from-env ")
    assert resolve_connector_bearer_token(" explicit ") == "explicit"
    assert resolve_connector_bearer_token("") == "from-env"
    assert resolve_connector_bearer_token(None) == "from-env"  # type: ignore[arg-type]
    monkeypatch.delenv("AUTOPLAY_APP_UNKEY_TOKEN")
    assert resolve_connector_bearer_token("  ") == ""


# -- checks at the model boundary ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ({"forwarded_at": "2024-01-01T00:00:00Z"}, 1704067200.0),
        ({"forwarded_at": "2024-01-01T01:00:00+01:00"}, 1704067200.0),
        ({"forwarded_at": "2024-01-01T00:00:00"}, 1704067200.0),  # no offset: UTC
        ({"forwarded_at": " 1704067200.5 "}, 1704067200.5),
        ({"forwarded_at": 1704067200}, 1704067200),  # ints stay ints (vector ids render them as ints)
        ({"forwarded_at": 12.5}, 12.5),
    ],
)
def test_times_with_one_obvious_meaning_are_coerced(wire: dict[str, Any], expected: float) -> None:
    p = ActionsPayload.from_dict(wire)
    assert p.forwarded_at == expected and type(p.forwarded_at) is type(expected)
    assert SummaryPayload.from_dict(wire).forwarded_at == expected
    assert SlimAction.from_dict({"timestamp_end": wire["forwarded_at"]}).timestamp_end == expected


def test_numbers_and_ids_with_one_obvious_meaning_are_coerced() -> None:
    a = SlimAction.from_dict({"index": 4.0, "session_id": 42, "user_id": "u"})
    assert (a.index, a.session_id, a.user_id) == (4, "42", "u")
    p = ActionsPayload.from_dict({"session_id": 7, "count": "0", "actions": [{"index": " 2 "}]})
    assert (p.session_id, p.count, p.actions[0].index) == ("7", 1, 2)
    assert SummaryPayload.from_dict({"replaces": "5"}).replaces == 5


@pytest.mark.parametrize(
    ("cls", "wire", "field"),
    [
        (ActionsPayload, {"forwarded_at": "yesterday"}, "forwarded_at"),
        (ActionsPayload, {"forwarded_at": "nan"}, "forwarded_at"),
        (ActionsPayload, {"forwarded_at": float("inf")}, "forwarded_at"),
        (ActionsPayload, {"forwarded_at": True}, "forwarded_at"),
        (ActionsPayload, {"forwarded_at": [1]}, "forwarded_at"),
        (ActionsPayload, {"actions": "click"}, "actions"),
        (ActionsPayload, {"actions": {"title": "x"}}, "actions"),
        (ActionsPayload, {"actions": [1, 2]}, "actions"),
        (ActionsPayload, {"actions": [{"title": 5}]}, "title"),
        (ActionsPayload, {"actions": [{"description": ["x"]}]}, "description"),
        (ActionsPayload, {"actions": [{"index": 1.5}]}, "index"),
        (ActionsPayload, {"session_id": {"id": 1}}, "session_id"),
        (ActionsPayload, {"product_id": 3}, "product_id"),
        (ActionsPayload, {"count": "many"}, "count"),
        (SummaryPayload, {"summary": 3}, "summary"),
        (SummaryPayload, {"replaces": "lots"}, "replaces"),
        (SlimAction, {"timestamp_start": "soon"}, "timestamp_start"),
        (SlimAction, {"email": True}, "email"),
    ],
)
def test_wrong_typed_values_make_the_frame_malformed(cls: Any, wire: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedPayloadError, match=field) as info:
        cls.from_dict(wire)
    assert isinstance(info.value, ValueError) and isinstance(info.value, exc_mod.SdkError)


@pytest.mark.parametrize("data", [None, "text", 3, [{"type": "actions"}]])
def test_non_objects_are_malformed(data: Any) -> None:
    for cls in (SlimAction, ActionsPayload, SummaryPayload):
        with pytest.raises(MalformedPayloadError, match="JSON object"):
            cls.from_dict(data)


def test_valid_wire_payloads_parse_exactly_as_before() -> None:
    p = ActionsPayload.from_dict(WIRE_ACTIONS)
    assert p.to_dict() == WIRE_ACTIONS
    assert [type(getattr(p.actions[0], f.name)) for f in dataclasses.fields(SlimAction)] == [
        str, str, str, int, str, float, float, str, str, str, str, type(None),
    ]  # fmt: skip


def test_slotted_payloads_behave_as_dataclasses() -> None:
    import copy
    import pickle

    p = ActionsPayload.from_dict(WIRE_ACTIONS)
    assert not hasattr(p, "__dict__")  # slots: a third smaller per instance
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.deepcopy(p) == p and copy.copy(p) == p
    assert dataclasses.asdict(p)["actions"][1]["description"] == "Clicked Export"
    q = dataclasses.replace(p, session_id="s2")
    assert q.session_id == "s2" and q.actions == p.actions and q != p
    p.session_id = "changed"  # still mutable
    assert p.session_id == "changed"
    s = SummaryPayload.from_dict(WIRE_SUMMARY)
    assert pickle.loads(pickle.dumps(s)) == s


def test_repeated_strings_are_shared_between_payloads() -> None:
    import json

    frames = [json.loads(json.dumps(WIRE_ACTIONS)) for _ in range(2)]
    a, b = (ActionsPayload.from_dict(f) for f in frames)
    assert a.session_id is b.session_id and a.actions[0].canonical_url is b.actions[0].canonical_url


# -- fuzz: random JSON in every field ------------------------------------------------------------


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
PLAUSIBLE = st.one_of(
    st.sampled_from(["", "s1", "2024-01-01T00:00:00Z", " 12.5 ", "3"]),
    st.integers(-5, 10**10),
    st.floats(allow_nan=False, allow_infinity=False),
)
VALUE = st.one_of(JSON, PLAUSIBLE)
ACTION_KEYS = [f.name for f in dataclasses.fields(SlimAction)]
ACTION = st.one_of(st.fixed_dictionaries({}, optional={k: VALUE for k in ACTION_KEYS}), JSON)
PAYLOAD = st.fixed_dictionaries(
    {},
    optional={
        **{k: VALUE for k in ("product_id", "session_id", "user_id", "email", "count", "forwarded_at")},
        "conversation_id": VALUE,
        "actions": st.one_of(st.lists(ACTION, max_size=3), VALUE),
        "summary": VALUE,
        "replaces": VALUE,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAYLOAD)
def test_from_dict_gives_a_payload_every_store_accepts_or_the_documented_error(data: dict[str, Any]) -> None:
    from autoplay_sdk.context._admit import payload_problem
    from autoplay_sdk.context.context_store import ContextStore
    from autoplay_sdk.context.summarizer import SessionSummarizer
    from autoplay_sdk.context.user_index import UserSessionIndex

    try:
        summary = SummaryPayload.from_dict(data)
    except MalformedPayloadError:
        pass
    else:
        assert isinstance(summary.to_text(), str) and SummaryPayload.from_dict(summary.to_dict()) == summary
    try:
        p = ActionsPayload.from_dict(data)
    except MalformedPayloadError:
        return
    assert payload_problem(p) is None
    assert ActionsPayload.from_dict(p.to_dict()) == p  # round trip
    store = ContextStore(lookback_seconds=10**12, max_actions=50)
    store.add(p)
    store.add(p)
    assert isinstance(store.get(p.session_id or "unknown", product_id=p.product_id), str)
    index = UserSessionIndex(store)
    index.add(p)
    index.get_user_activity((p.user_id or "").strip())
    summaries: list[str] = []
    summarizer = SessionSummarizer(lambda prompt: "ok", threshold=1, on_summary=lambda s, t: summaries.append(t))
    summarizer.add(p)
    assert summaries == (["ok"] if p.actions else [])
    assert isinstance(p.to_text(), str) and ActionsPayload.merge([p, p]).count == 2 * len(p.actions)
