"""The optional orjson path decodes exactly like the standard library: values, errors, messages."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk import _json
from autoplay_sdk._stream import parse_payload


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


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(list('{}[]",:0123456789.eE+-tfnrul aN\\\ud800\u00e9\ufeff')), max_size=40))
def test_arbitrary_text_decodes_or_fails_identically(text: str) -> None:
    assert outcome(_json._loads_fast, text) == outcome(json.loads, text)
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
