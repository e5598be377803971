"""``from_dict`` on connector-shaped dicts gives exactly what the per-field rules give.

A plain ``dict`` in the connector's exact shape is built in one step; any other mapping goes
field by field.  Each test parses the same data twice, once as given and once behind a
``Mapping`` wrapper (payload and actions alike) that only the field-by-field path accepts, and
compares values with their types, exceptions with their messages, and the ``count`` warning.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections import UserString
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoplay_sdk.core import models
from autoplay_sdk.core.models import ActionsPayload, MalformedPayloadError, SlimAction, SummaryPayload


class Wire(Mapping[str, Any]):
    """A read-only mapping that is not a ``dict``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class Text(str):
    pass


class Number(float):
    pass


class Count(int):
    pass


def wrapped(data: Any) -> Any:
    """``data`` with the payload and each action dict behind :class:`Wire`."""
    if type(data) is not dict:
        return data
    actions = data.get("actions")
    if type(actions) is list:
        data = {**data, "actions": [wrapped(a) for a in actions]}
    return Wire(data)


def shape(value: Any) -> Any:
    """A comparable image of a parsed value: types included, ``-0.0`` apart from ``0.0``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value), tuple((f.name, shape(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, list):
        return (list, tuple(shape(v) for v in value))
    if isinstance(value, float):
        return (type(value), math.copysign(1.0, value), repr(value))
    return (type(value), value)


class Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def outcome(parse: Any, data: Any) -> tuple[Any, list[str]]:
    logger, caught = logging.getLogger("autoplay_sdk.core.models"), Warnings()
    level = logger.level
    logger.addHandler(caught)
    logger.setLevel(logging.WARNING)
    try:
        result = ("ok", shape(parse(data)))
    except MalformedPayloadError as exc:
        result = ("error", type(exc), str(exc))
    finally:
        logger.removeHandler(caught)
        logger.setLevel(level)
    return result, caught.messages


def assert_same(cls: Any, data: Any) -> None:
    assert outcome(cls.from_dict, data) == outcome(cls.from_dict, wrapped(data))


# -- connector-shaped dicts ----------------------------------------------------------------------

TEXT = st.text(max_size=12)
ID = st.one_of(st.none(), TEXT, st.sampled_from(["s1", "u1", "a@b.c", ""]))
TIME = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 5e-324, 1e308, -1e308, 1_760_000_000.125]),
)
INDEX = st.one_of(st.integers(-3, 10**6), st.sampled_from([0, 10**30]))


@st.composite
def connector_action(draw: st.DrawFn, sid: Any = None) -> dict[str, Any]:
    action = {
        "title": draw(TEXT),
        "description": draw(TEXT),
        "canonical_url": draw(st.sampled_from(["https://x.io/a", "https://x.io/b", ""]) | TEXT),
        "index": draw(INDEX),
        "type": draw(st.sampled_from(["click", "input", ""]) | TEXT),
        "timestamp_start": draw(TIME),
        "timestamp_end": draw(TIME),
        "raw_url": draw(TEXT),
        "session_id": draw(st.just(sid) | ID),
        "user_id": draw(ID),
        "email": draw(ID),
    }
    if draw(st.booleans()):
        action["conversation_id"] = draw(ID)
    return action


@st.composite
def connector_payload(draw: st.DrawFn) -> dict[str, Any]:
    sid = draw(ID)
    actions = draw(st.lists(connector_action(sid), max_size=4))
    payload = {
        "type": "actions",
        "product_id": draw(st.sampled_from(["p1", ""]) | TEXT),
        "session_id": sid,
        "user_id": draw(ID),
        "email": draw(ID),
        "actions": actions,
        "count": draw(st.sampled_from([len(actions), len(actions) + 1, 0])),
        "forwarded_at": draw(TIME),
    }
    if draw(st.booleans()):
        payload["conversation_id"] = draw(ID)
    return payload


@st.composite
def connector_summary(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "type": "summary",
        "product_id": draw(TEXT),
        "session_id": draw(ID),
        "summary": draw(TEXT),
        "replaces": draw(INDEX),
        "forwarded_at": draw(TIME),
    }


# -- mutations: anything the per-field path coerces, rejects or ignores ------------------------

ODD = st.one_of(
    st.sampled_from(
        [
            None, True, False, 0, 1, -0.0, 0.0, 2.0, 2.5, float("nan"), float("inf"), float("-inf"), "", " 3 ",
            "2.0", "nan", "2024-01-01T00:00:00Z", "x", b"bytes", [], [1], {}, {"a": 1}, 10**400,
        ]
    ),
    st.builds(Text, TEXT),
    st.builds(UserString, TEXT),
    st.builds(Number, st.floats()),
    st.builds(Count, st.integers(-2, 5)),
    st.integers(),
    st.floats(),
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    data = dict(base)
    for _ in range(draw(st.integers(1, 3))):
        keys = list(data)
        step = draw(st.sampled_from(["value", "drop", "extra", "reorder", "action", "container"]))
        if step == "value" and keys:
            data[draw(st.sampled_from(keys))] = draw(ODD)
        elif step == "drop" and keys:
            del data[draw(st.sampled_from(keys))]
        elif step == "extra":
            data[draw(st.sampled_from(["extra", "conversation_id", "type", "count", "summary"]))] = draw(ODD)
        elif step == "reorder":
            data = dict(draw(st.permutations(list(data.items()))))
        elif step == "action" and type(data.get("actions")) is list and data["actions"]:
            actions = list(data["actions"])
            i = draw(st.integers(0, len(actions) - 1))
            if type(actions[i]) is dict:
                actions[i] = draw(mutated(actions[i]))
            data["actions"] = actions
        elif step == "container":
            kind = draw(st.sampled_from(["tuple", "actions-object", "action-list", "dict-subclass"]))
            if kind == "tuple" and type(data.get("actions")) is list:
                data["actions"] = tuple(data["actions"])
            elif kind == "actions-object":
                data["actions"] = {"title": "x"}
            elif kind == "action-list" and type(data.get("actions")) is list:
                data["actions"] = [*data["actions"], draw(ODD)]
            elif kind == "dict-subclass":
                return type("Event", (dict,), {})(data)
    return data


RUN = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RUN
@given(connector_payload())
def test_connector_payloads_parse_as_field_by_field(data: dict[str, Any]) -> None:
    assert_same(ActionsPayload, data)
    assert_same(ActionsPayload, json.loads(json.dumps(data)))


@RUN
@given(connector_payload().flatmap(mutated))
def test_mutated_payloads_parse_or_fail_as_field_by_field(data: Any) -> None:
    assert_same(ActionsPayload, data)


@RUN
@given(connector_action().flatmap(lambda a: st.just(a) | mutated(a)))
def test_actions_parse_or_fail_as_field_by_field(data: Any) -> None:
    assert_same(SlimAction, data)


@RUN
@given(connector_summary().flatmap(lambda s: st.just(s) | mutated(s)))
def test_summaries_parse_or_fail_as_field_by_field(data: Any) -> None:
    assert_same(SummaryPayload, data)


ACTION = {
    "title": "Clicked 'Create'",
    "description": "Submitted the form",
    "canonical_url": "https://app.example.com/boards",
    "index": 2,
    "type": "click",
    "timestamp_start": 1_760_000_000.25,
    "timestamp_end": 1_760_000_002.5,
    "raw_url": "https://app.example.com/boards?ref=nav",
    "session_id": "ps_1",
    "user_id": "user_1",
    "email": "ada@example.com",
}
PAYLOAD = {
    "type": "actions",
    "product_id": "prod_1",
    "session_id": "ps_1",
    "user_id": "user_1",
    "email": "ada@example.com",
    "actions": [ACTION, {**ACTION, "index": 3}],
    "count": 2,
    "forwarded_at": 1_760_000_003.75,
}
SUMMARY = {
    "type": "summary",
    "product_id": "prod_1",
    "session_id": "ps_1",
    "summary": "Ada created a board.",
    "replaces": 4,
    "forwarded_at": 1_760_000_009.5,
}
SUBSTITUTES = [
    None, True, False, 0, 1, 7, 10**400, -0.0, 0.0, 2.0, 2.5, float("nan"), float("inf"), float("-inf"), "",
    " 3 ", "2.0", "nan", "2024-01-01T00:00:00Z", "fresh text", b"bytes", [], [1], {}, {"a": 1},
    Text(""), Text("fresh subclass text"), Text("click"), UserString("click"), Number(2.0), Number(-0.0),
    Count(0), Count(3),
]  # fmt: skip
MISSING = object()


def substituted(base: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    data = {k: v for k, v in base.items() if k != key}
    if value is not MISSING:
        data[key] = value
    return data


def single_substitutions(base: dict[str, Any]) -> list[dict[str, Any]]:
    keys = [*base, "conversation_id", "extra"]
    return [substituted(base, k, v) for k in keys for v in [MISSING, *SUBSTITUTES]]


@pytest.mark.parametrize("base", [ACTION, {**ACTION, "conversation_id": "c1"}], ids=["action", "action+conv"])
def test_every_single_field_change_to_an_action_parses_as_field_by_field(base: dict[str, Any]) -> None:
    for data in single_substitutions(base):
        assert_same(SlimAction, data)


@pytest.mark.parametrize("base", [PAYLOAD, {**PAYLOAD, "conversation_id": None}], ids=["payload", "payload+conv"])
def test_every_single_field_change_to_a_payload_parses_as_field_by_field(base: dict[str, Any]) -> None:
    for data in single_substitutions(base):
        assert_same(ActionsPayload, data)
    for action in single_substitutions(ACTION):
        assert_same(ActionsPayload, {**base, "actions": [ACTION, action]})


def test_every_single_field_change_to_a_summary_parses_as_field_by_field() -> None:
    for data in single_substitutions(SUMMARY):
        assert_same(SummaryPayload, data)


@pytest.mark.parametrize("cls", [SlimAction, ActionsPayload, SummaryPayload])
def test_json_non_finite_numbers_are_rejected_in_the_connector_shape(cls: Any) -> None:
    wire = {
        SlimAction: '{"title":"t","description":"d","canonical_url":"u","index":0,"type":"click",'
        '"timestamp_start":1.5,"timestamp_end":NaN,"raw_url":"r","session_id":"s","user_id":"u","email":"e"}',
        ActionsPayload: '{"type":"actions","product_id":"p","session_id":"s","user_id":null,"email":null,'
        '"actions":[],"count":0,"forwarded_at":Infinity}',
        SummaryPayload: '{"type":"summary","product_id":"p","session_id":"s","summary":"x","replaces":1,'
        '"forwarded_at":-Infinity}',
    }[cls]
    with pytest.raises(MalformedPayloadError, match="must be a finite time"):
        cls.from_dict(json.loads(wire))


# -- sharing ------------------------------------------------------------------------------------


def test_first_seen_ids_are_shared_within_the_frame_and_with_later_frames() -> None:
    sid = "fresh-session-" + "x" * 12  # never seen before: the table promotes it on its repeat
    wire = json.dumps(
        {
            "type": "actions",
            "product_id": "p1",
            "session_id": sid,
            "user_id": "u-fresh",
            "email": "fresh@example.com",
            "actions": [
                {
                    "title": "t",
                    "description": "d",
                    "canonical_url": "https://x.io/fresh",
                    "index": i,
                    "type": "click",
                    "timestamp_start": 1.5,
                    "timestamp_end": 2.5,
                    "raw_url": f"https://x.io/fresh?i={i}",
                    "session_id": sid,
                    "user_id": "u-fresh",
                    "email": "fresh@example.com",
                }
                for i in range(3)
            ],
            "count": 3,
            "forwarded_at": 3.5,
        }
    )
    first, second = ActionsPayload.from_dict(json.loads(wire)), ActionsPayload.from_dict(json.loads(wire))
    for p in (first, second):
        for a in p.actions:
            assert (a.session_id, a.user_id, a.email) == (p.session_id, p.user_id, p.email)
            assert a.session_id is first.session_id and a.user_id is first.user_id and a.email is first.email
    assert second.session_id is first.session_id
    assert second.actions[0].canonical_url is first.actions[0].canonical_url
    assert first.actions[0].raw_url is not first.actions[1].raw_url  # distinct strings stay distinct


def test_sharing_tables_stay_bounded_on_a_stream_of_unique_strings() -> None:
    for i in range(3 * models._SEEN_MAX):
        SlimAction.from_dict(
            json.loads(
                json.dumps(
                    {
                        "title": f"title {i}",
                        "description": "d",
                        "canonical_url": "u",
                        "index": i,
                        "type": "click",
                        "timestamp_start": 1.5,
                        "timestamp_end": 2.5,
                        "raw_url": f"u?{i}",
                        "session_id": "s",
                        "user_id": "u",
                        "email": "e",
                    }
                )
            )
        )
    assert len(models._SEEN) <= models._SEEN_MAX and len(models._SHARED) <= models._SHARED_MAX


def test_a_payload_outside_the_exact_shape_is_refused_before_anything_is_shared() -> None:
    # The stream core tries the exact shape first and falls back to from_dict: a refusal must not
    # have promoted any string, or that string would be shared on evidence of one sighting.
    def action(i: int, start: Any) -> dict[str, Any]:
        return {
            "title": f"refused-title-{i}",
            "description": "refused-d",
            "canonical_url": "https://x.io/refused",
            "index": i,
            "type": "click",
            "timestamp_start": start,
            "timestamp_end": 2.5,
            "raw_url": f"https://x.io/refused?i={i}",
            "session_id": "refused-session",
            "user_id": "refused-user",
            "email": "refused@example.com",
        }

    payload = {
        "type": "actions",
        "product_id": "refused-product",
        "session_id": "refused-session",
        "user_id": "refused-user",
        "email": "refused@example.com",
        "actions": [action(0, 1.5), action(1, 1.5), action(2, 1700000000)],  # the last: an integral time
        "count": 3,
        "forwarded_at": 3.5,
    }
    seen, shared = dict(models._SEEN), dict(models._SHARED)
    assert models._connector_payload(json.loads(json.dumps(payload))) is None
    assert seen == models._SEEN and shared == models._SHARED
    parsed = ActionsPayload.from_dict(json.loads(json.dumps(payload)))
    assert parsed.actions[2].timestamp_start == 1700000000 and parsed.count == 3
    assert models._connector_payload(json.loads(json.dumps({**payload, "actions": payload["actions"][:2], "count": 2})))
