"""The optional orjson path decodes exactly like the standard library: values, errors, messages."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk import _json
from autoplay_sdk import _stream as stream
from autoplay_sdk._stream import RetryPolicy, StreamCore, parse_payload
from autoplay_sdk.core.models import _connector_payload


def outcome(fn: Any, data: Any) -> tuple[str, str]:
    try:
        value = fn(data)
    except Exception as exc:  # the error type and message are part of what must match
        return ("error", f"{type(exc).__name__}: {exc}")
    return ("value", _canonical(value))


def _canonical(value: Any) -> str:
    # repr keeps int vs float, -0.0 and key order; NaN compares unequal, so go through repr.
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_canonical(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    return f"{type(value).__name__}:{value!r}"


def _two_step(data: Any) -> Any:
    """``loads`` as the stream core runs it: orjson's reading, then the check for widened integers."""
    return _json._confirm_fast(data, _json._loads_first_fast(data))


def test_the_test_environment_has_the_accelerator() -> None:
    # The suite installs every extra: if orjson stopped loading, the fast path would silently go.
    assert _json.ACCELERATED
    assert _json.loads is _json._loads_fast


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400)
@given(json_values, st.booleans(), st.booleans())
def test_documents_json_dumps_writes_decode_identically(value: Any, ensure_ascii: bool, as_bytes: bool) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    data: Any = text.encode("utf-8", "surrogatepass") if as_bytes else text
    assert outcome(_json._loads_fast, data) == outcome(json.loads, data)
    assert outcome(_two_step, data) == outcome(json.loads, data)


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(list('{}[]",:0123456789.eE+-tfnrul aN\\\ud800\u00e9\ufeff')), max_size=40))
def test_arbitrary_text_decodes_or_fails_identically(text: str) -> None:
    assert outcome(_json._loads_fast, text) == outcome(json.loads, text)
    assert outcome(_two_step, text) == outcome(json.loads, text)
    raw = text.encode("utf-8", "surrogatepass")
    assert outcome(_json._loads_fast, raw) == outcome(json.loads, raw)


@settings(max_examples=200)
@given(st.binary(max_size=40))
def test_arbitrary_bytes_decode_or_fail_identically(raw: bytes) -> None:
    assert outcome(_json._loads_fast, raw) == outcome(json.loads, raw)


@pytest.mark.parametrize(
    "text",
    [
        "123456789012345678901234567890",
        "-9223372036854775809",
        "18446744073709551616",
        '{"index": 99999999999999999999}',
        "NaN",
        "[Infinity, -Infinity]",
        '"\\ud800"',
        "\ufeff{}",
        '{"a": 1, "a": 2}',
        "1e400",
        "[" * 5000 + "]" * 5000,
        "[" * 1000 + "]" * 1000,  # orjson parses 1,024 levels; json.loads stops near 1,000
        '{"a":' * 1010 + "1" + "}" * 1010,
        '{"a":' * 300 + "1" + "}" * 300,
        "",
        "{",
    ],
)
def test_edge_documents(text: str) -> None:
    for data in (text, text.encode("utf-8", "surrogatepass")):
        try:
            expected = outcome(json.loads, data)
        except RecursionError:  # pragma: no cover - depends on the interpreter's limit
            continue
        assert outcome(_json._loads_fast, data) == expected
        assert outcome(_two_step, data) == expected


def test_the_first_step_widens_integers_beyond_64_bits_and_the_second_restores_them() -> None:
    # The reason for the second step: orjson reads such an integer as a float.
    text = '{"index": 99999999999999999999, "low": -9223372036854775809}'
    first = _json._loads_first_fast(text)
    assert type(first["index"]) is float and type(first["low"]) is float
    assert abs(first["index"]) >= 2.0**63 and abs(first["low"]) >= 2.0**63
    assert _canonical(_two_step(text)) == _canonical(json.loads(text))


# Mostly the connector's shape, with values that decide whether a reading can be vouched for:
# integers beyond 64 bits (which orjson widens to floats), floats of magnitude 2**63 and more,
# zeros, integral timestamps, keys outside the shape.
_WIDE_INTS = [2**64, 2**64 - 1, 2**63, -(2**63) - 1, 10**20, -(10**25)]
_odd_time = st.sampled_from([*_WIDE_INTS, 2.0**63, -(2.0**63), 1e19, 9.2e18, 0.0, -0.0, 0, 1_700_000_000])
_time = st.integers(0, 5).flatmap(lambda k: _odd_time if k == 0 else st.floats(min_value=-1e18, max_value=1e18))
_int = st.integers(0, 5).flatmap(
    lambda k: st.sampled_from(_WIDE_INTS) if k == 0 else st.integers(min_value=-(2**63), max_value=2**64 - 1)
)
_text = st.text(max_size=4)
_id = st.one_of(st.none(), st.text(max_size=3))
_extra = st.one_of(st.sampled_from(_WIDE_INTS), json_values)


@st.composite
def connector_action(draw: st.DrawFn) -> dict[str, Any]:
    action = {
        "title": draw(_text),
        "description": draw(_text),
        "canonical_url": draw(_text),
        "index": draw(_int),
        "type": draw(st.sampled_from(["click", "input"])),
        "timestamp_start": draw(_time),
        "timestamp_end": draw(_time),
        "raw_url": draw(_text),
        "session_id": draw(_id),
        "user_id": draw(_id),
        "email": draw(_id),
    }
    if draw(st.booleans()):
        action["conversation_id"] = draw(_id)
    if draw(st.integers(0, 7)) == 0:
        action["extra"] = draw(_extra)
    return action


@st.composite
def connector_payload(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 4)) == 0:
        frame: dict[str, Any] = {
            "type": "summary",
            "product_id": draw(_text),
            "session_id": draw(_id),
            "summary": draw(st.text(max_size=6)),
            "replaces": draw(_int),
            "forwarded_at": draw(_time),
        }
    else:
        actions = draw(st.lists(connector_action(), max_size=3))
        frame = {
            "type": "actions",
            "product_id": draw(_text),
            "session_id": draw(_id),
            "user_id": draw(_id),
            "email": draw(_id),
            "actions": actions,
            "count": len(actions) if draw(st.integers(0, 7)) else draw(_int),
            "forwarded_at": draw(_time),
        }
        if draw(st.booleans()):
            frame["conversation_id"] = draw(_id)
    if draw(st.integers(0, 7)) == 0:
        frame["extra"] = draw(_extra)
    return frame


@settings(max_examples=500)
@given(connector_payload())
def test_a_payload_the_connector_shape_vouches_for_is_exactly_what_json_loads_reads(frame: dict[str, Any]) -> None:
    # The stream core skips the second step when the exact-shape check accepts orjson's reading:
    # that reading must then be json.loads's, and the payload the one from_dict builds from it.
    text = json.dumps(frame)
    first = _json._loads_first_fast(text)
    typed = _connector_payload(first)
    if typed is not None:
        assert _canonical(first) == _canonical(json.loads(text))
        expected = type(typed).from_dict(json.loads(text))
        assert typed == expected and repr(typed) == repr(expected)


@settings(max_examples=200)
@given(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["actions", "summary", "other"]),
            "session_id": st.one_of(st.none(), st.text(max_size=6), st.integers()),
            "product_id": st.one_of(st.none(), st.text(max_size=6)),
            "forwarded_at": st.one_of(st.floats(allow_nan=True), st.integers(min_value=-(2**70), max_value=2**70)),
            "summary": st.text(max_size=10),
            "actions": st.lists(
                st.fixed_dictionaries(
                    {"title": st.text(max_size=5), "index": st.integers(min_value=-(2**70), max_value=2**70)}
                ),
                max_size=3,
            ),
        }
    )
)
def test_payloads_parse_identically(frame: dict[str, Any]) -> None:
    text = json.dumps(frame)

    def through(loads: Any) -> Any:
        return parse_payload(loads(text))

    assert outcome(lambda _: through(_json._loads_fast), None) == outcome(lambda _: through(json.loads), None)


def _utf8_reference(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


@settings(max_examples=300)
@given(
    st.one_of(
        st.binary(max_size=40),
        json_values.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    )
)
def test_utf8_bodies_decode_like_decode_then_loads(body: bytes) -> None:
    assert outcome(_json._loads_utf8_fast, body) == outcome(_utf8_reference, body)


def test_a_byte_order_mark_is_refused_on_both_paths() -> None:
    body = b"\xef\xbb\xbf{}"
    assert outcome(_json._loads_utf8_fast, body) == outcome(_utf8_reference, body)
    assert outcome(_json._loads_utf8_fast, body)[0] == "error"


# Nesting orjson reads and json.loads may refuse (whether it does depends on the recursion limit,
# which hypothesis raises): either way not an object, so only the logged reason can differ.
_DEEP = "[" * 1020 + "]" * 1020


def _deliveries(core: StreamCore, body: bytes) -> list[tuple[str, str, str, Any]]:
    return [(d.kind, _canonical(d.raw), repr(d.payload), d.event) for d in core.feed(body)]


def _fed(body: bytes, *, accelerated: bool) -> tuple[list[Any], list[tuple[int, str]], str]:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    # On the package's logger: the core's records and the models' (the count warning) alike.
    package = logging.getLogger("autoplay_sdk")
    logger = logging.getLogger("autoplay_sdk.test_json_accelerator")
    handler = Keep(logging.DEBUG)
    package.addHandler(handler)
    level, package.level = package.level, logging.DEBUG
    try:
        with pytest.MonkeyPatch.context() as mp:
            if not accelerated:  # the standard library alone, as without the extra
                mp.setattr(stream, "_decode", stream._decode_std)
                mp.setattr(stream, "_confirm", _json._confirm_std)
            core = StreamCore(url="http://h/stream/p", policy=RetryPolicy(), logger=logger)
            core.opened(None)
            out = _deliveries(core, body)
    finally:
        package.removeHandler(handler)
        package.setLevel(level)
    return out, [(r.levelno, r.getMessage()) for r in records], core.last_handled_event_id


@settings(max_examples=300)
@given(
    st.lists(
        connector_payload().map(json.dumps) | st.sampled_from(["[1]", "{", "NaN", '{"type":1}', _DEEP]), max_size=4
    )
)
def test_the_stream_core_delivers_and_logs_the_same_with_and_without_the_accelerator(datas: list[str]) -> None:
    body = "".join(f"id: {i}\ndata: {data}\n\n" for i, data in enumerate(datas, 1)).encode()
    assert _fed(body, accelerated=True) == _fed(body, accelerated=False)


@settings(max_examples=300)
@given(
    st.one_of(
        st.binary(max_size=40),
        json_values.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    )
)
def test_utf8_in_two_steps_is_loads_utf8(body: bytes) -> None:
    def two_steps(data: bytes) -> Any:
        return _json._confirm_utf8_fast(data, _json._loads_utf8_first_fast(data))

    assert outcome(two_steps, body) == outcome(_utf8_reference, body)
