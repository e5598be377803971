"""Hostile push bodies: whatever the bytes, the receiver answers ``None`` and the endpoint 200.

A body that cannot be decoded can never succeed, so raising (or a 5xx that makes the connector
retry) only hurts the host.  Each row is a body a hostile or broken sender could sign.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoplay_sdk import WebhookReceiver
from autoplay_sdk.api.webhook import build_webhook_app
from autoplay_sdk.testing import PushSender
from tests.api._harness import UvicornThread
from tests.webhook.test_receiver import ACTIONS, SECRET, body, sign

MARKER = "alice.secret@example.com"  # event content that must never reach a WARNING log line


def _nested(depth: int) -> bytes:
    """A signed-size (about 2 KB) actions body whose ``actions`` is nested ``depth`` lists deep."""
    head = json.dumps({"type": "actions", "product_id": "p1", "session_id": "s1", "email": MARKER})[:-1]
    return (head + ', "actions": ' + "[" * depth + "]" * depth + "}").encode()


HOSTILE: dict[str, bytes] = {
    "nested 1,000 deep (about 2 KB)": _nested(1_000),
    "nested 100,000 deep": _nested(100_000),
    "nested objects 100,000 deep": ('{"a":' * 100_000 + "1" + "}" * 100_000).encode(),
    "invalid UTF-8": b'{"type": "actions", "email": "' + MARKER.encode() + b'\xff\xfe"}',
    "lone surrogate (UTF-8 encoded)": b'{"type": "summary", "summary": "\xed\xa0\x80' + MARKER.encode() + b'"}',
    "truncated JSON": body({**ACTIONS, "email": MARKER})[:-7],
    "empty body": b"",
    "only whitespace": b" \r\n\t ",
    "non-dict JSON (list)": b'[{"type": "actions"}]',
    "non-dict JSON (null)": b"null",
    "non-dict JSON (string)": json.dumps(MARKER).encode(),
    "non-dict JSON (number)": b"42",
    "huge integer (over the int digit limit)": b'{"type": "actions", "count": ' + b"9" * 5_000 + b"}",
    "huge integer as a list item": b"[" + b"1" * 10_000 + b"]",
    "huge exponent (inf) in a time field": b'{"type": "actions", "forwarded_at": 1e999999}',
    "NaN in a time field": b'{"type": "summary", "summary": "x", "forwarded_at": NaN}',
    "actions is a string": body({"type": "actions", "actions": MARKER}),
    "actions holds numbers": body({"type": "actions", "actions": [1, 2, 3]}),
    "action title is an object": body({"type": "actions", "actions": [{"title": {"email": MARKER}}]}),
    "forwarded_at is text": body({"type": "actions", "forwarded_at": MARKER}),
    "summary is a list": body({"type": "summary", "summary": [MARKER]}),
    "count is text": body({"type": "actions", "count": MARKER, "actions": []}),
    "replaces is an object": body({"type": "summary", "summary": "x", "replaces": {"n": 1}}),
    "UTF-16 with BOM": "\ufeff".encode("utf-16-le") + json.dumps(ACTIONS).encode("utf-16-le"),
    "trailing garbage": body(ACTIONS) + b"\x00garbage",
}


@pytest.fixture
def receiver() -> WebhookReceiver:
    def explode(_: Any) -> None:  # a hostile body must never reach a callback
        raise AssertionError("callback ran for a malformed body")

    return WebhookReceiver(SECRET, on_actions=explode, on_summary=explode)


@pytest.mark.parametrize("raw", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_receiver_returns_none_counts_and_logs_no_content(
    raw: bytes, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
        assert receiver.handle_sync(raw, sign(raw)) is None
        assert await receiver.handle(raw, sign(raw)) is None
        assert receiver.parse(raw) is None
    assert receiver.malformed_count == 3
    records = [r for r in caplog.records if r.name == "autoplay_sdk.webhook_receiver"]
    assert len(records) == 3 and all(r.levelno == logging.WARNING for r in records)
    assert all(r.body_bytes == len(raw) and r.error_type for r in records)
    assert MARKER not in caplog.text


def test_a_bad_signature_still_raises_before_any_decoding(receiver: WebhookReceiver) -> None:
    raw = HOSTILE["nested 100,000 deep"]
    with pytest.raises(ValueError, match="Invalid X-Connector-Signature"):
        receiver.handle_sync(raw, sign(b"something else"))
    assert receiver.malformed_count == 0


def test_unknown_types_are_not_malformed(receiver: WebhookReceiver) -> None:
    for raw in (body({"type": "usertour_trigger"}), body({"type": ["actions"]}), body({})):
        assert receiver.handle_sync(raw, sign(raw)) is None
    assert receiver.malformed_count == 0


def test_str_and_bytearray_bodies_are_verified_and_parsed() -> None:
    got: list[Any] = []
    receiver = WebhookReceiver(SECRET, on_actions=got.append)
    raw = body(ACTIONS)
    assert receiver.handle_sync(bytearray(raw), sign(raw)) is not None
    assert receiver.handle_sync(raw.decode(), sign(raw)) is not None  # type: ignore[arg-type]
    assert len(got) == 2


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)
_payloadish = st.fixed_dictionaries(
    {"type": st.sampled_from(["actions", "summary", "other"])},
    optional={
        "actions": _json,
        "summary": _json,
        "forwarded_at": _json,
        "count": _json,
        "session_id": _json,
        "replaces": _json,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.binary(max_size=300)
    | _json.map(lambda v: json.dumps(v).encode())
    | _payloadish.map(lambda v: json.dumps(v).encode())
    | st.integers(1, 60_000).map(lambda n: b"[" * n + b"]" * (n // 2))
)
def test_no_body_raises_from_handle_sync(raw: bytes) -> None:
    receiver = WebhookReceiver(SECRET)
    result = receiver.handle_sync(raw, sign(raw))
    assert result is None or type(result).__name__ in ("ActionsPayload", "SummaryPayload")
    try:
        data = json.loads(raw)
    except Exception:
        assert result is None and receiver.malformed_count == 1
    else:
        if not isinstance(data, dict):
            assert result is None and receiver.malformed_count == 1


async def test_asgi_endpoint_answers_200_for_every_hostile_body() -> None:
    app = build_webhook_app(WebhookReceiver(SECRET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver") as http:
        for name, raw in HOSTILE.items():
            r = await http.post("/webhook", content=raw, headers={"X-Connector-Signature": sign(raw)})
            assert (r.status_code, r.json()) == (200, {"status": "ok"}), name


def test_connector_over_real_http_delivers_each_hostile_body_once() -> None:
    """The sender retries a 5xx: each hostile body must be acknowledged on the first attempt."""
    receiver = WebhookReceiver(SECRET)
    bodies = list(HOSTILE.values())
    with UvicornThread(build_webhook_app(receiver, max_body_bytes=1 << 20)) as server:
        sender = PushSender(server.base_url + "/webhook", SECRET, initial_backoff_s=0.0, max_backoff_s=0.0)
        with sender:
            sender.send_many(bodies)
            assert sender.flush(60)
        stats = sender.stats
    assert (stats.delivered, stats.rejected, stats.dropped, stats.attempts) == (len(bodies), 0, 0, len(bodies))
    assert receiver.malformed_count == len(bodies)


class _RaisingReceiver(WebhookReceiver):
    async def handle(self, body: bytes, signature_header: str | None = None) -> Any:
        raise RuntimeError(MARKER)


async def test_endpoint_maps_an_unexpected_receiver_error_to_200_and_logs_no_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = build_webhook_app(_RaisingReceiver(SECRET))
    raw = body(ACTIONS)
    with caplog.at_level(logging.ERROR, logger="autoplay_sdk"):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver") as http:
            r = await http.post("/webhook", content=raw, headers={"X-Connector-Signature": sign(raw)})
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    (record,) = [r for r in caplog.records if r.name == "autoplay_sdk.api.webhook"]
    assert record.error_type == "RuntimeError" and record.body_bytes == len(raw)
    assert MARKER not in record.getMessage()
