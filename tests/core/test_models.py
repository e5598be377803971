"""Payload models, exceptions, the metrics safe-call rule and token resolution (spec 01 §2–5)."""

from __future__ import annotations

import dataclasses
import logging
import typing
from typing import Any

import pytest

from autoplay_sdk.core import exceptions as exc_mod
from autoplay_sdk.core.metrics import SdkMetricsHook, _safe_call
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, MalformedPayloadError, SlimAction, SummaryPayload
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
