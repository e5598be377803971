"""WebhookReceiver: signatures, parsing, dispatch, duplicates."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk import ActionsPayload, SummaryPayload, WebhookReceiver

SECRET = "s3cr3t-value"
ACTIONS = {
    "type": "actions",
    "product_id": "p1",
    "session_id": "s1",
    "user_id": "u1",
    "email": None,
    "actions": [{"title": "Home", "description": "clicked Home", "canonical_url": "/", "index": 0, "type": "click"}],
    "count": 1,
    "forwarded_at": 1700000000.5,
    "conversation_id": "c1",
}
SUMMARY = {"type": "summary", "product_id": "p1", "session_id": "s1", "summary": "browsed", "replaces": 3}


def body(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def sign(raw: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def test_signature_vectors() -> None:
    r = WebhookReceiver(SECRET)
    raw = b'{"type":"summary"}'
    good = sign(raw)
    assert good == "sha256=" + hmac.new(b"s3cr3t-value", raw, "sha256").hexdigest()
    assert r.verify(raw, good)
    assert not r.verify(raw + b" ", good)  # the raw bytes are signed, not the JSON value
    assert not r.verify(raw, sign(raw, "other"))
    assert not r.verify(raw, "sha256=" + good[7:].upper())  # case-sensitive
    assert not r.verify(raw, good[7:])  # missing prefix
    assert not r.verify(raw, "SHA256=" + good[7:])
    assert not r.verify(raw, None) and not r.verify(raw, "")
    assert not r.verify(raw, "sha256=é" + good[8:])  # non-ASCII: False, not TypeError
    assert WebhookReceiver("").verify(raw, None)  # no secret: everything is accepted
    assert WebhookReceiver().verify(raw, "garbage")


@given(st.binary(max_size=200), st.text(max_size=80))
def test_verify_never_raises_and_accepts_only_the_right_signature(raw: bytes, header: str) -> None:
    r = WebhookReceiver(SECRET)
    assert r.verify(raw, header) == (header == sign(raw))
    assert r.verify(raw, sign(raw))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{not json",
        b"\xff\xfe{}",
        b"[1]",
        b"null",
        b'"x"',
        b"3",
        '{"type":"summary","summary":"\udc80"}'.encode("utf-8", "surrogatepass"),
    ],
)
def test_bodies_that_are_not_json_objects_are_logged_and_give_none(
    raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    called: list[Any] = []
    r = WebhookReceiver(on_summary=called.append)
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.webhook_receiver"):
        assert r.parse(raw) is None
        assert r.handle_sync(raw) is None
    assert called == []
    assert caplog.records[0].getMessage() == "autoplay_sdk: WebhookReceiver could not parse JSON body"
    assert caplog.records[0].exc_info


def test_unknown_types_give_none_at_debug_and_rejected_fields_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    r = WebhookReceiver()
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk.webhook_receiver"):
        assert r.parse(body({"type": "usertour_trigger", "flow_id": "f"})) is None
        assert r.parse(body({"no": "type"})) is None
        assert r.parse(body({**ACTIONS, "actions": [7]})) is None
    messages = [(rec.levelname, rec.getMessage()) for rec in caplog.records]
    assert messages[0] == ("DEBUG", "autoplay_sdk: WebhookReceiver unknown event type: usertour_trigger")
    assert messages[1] == ("DEBUG", "autoplay_sdk: WebhookReceiver unknown event type: None")
    assert messages[2][0] == "WARNING"
    assert messages[2][1].startswith(
        "autoplay_sdk: WebhookReceiver failed to deserialize event_type=actions — skipping:"
    )


async def test_handle_verifies_parses_and_awaits_async_callbacks() -> None:
    got: list[Any] = []

    async def on_actions(p: ActionsPayload) -> None:
        got.append(p)

    r = WebhookReceiver(SECRET).on_actions(on_actions).on_summary(got.append)
    raw = body(ACTIONS)
    payload = await r.handle(raw, sign(raw))
    assert isinstance(payload, ActionsPayload) and payload.conversation_id == "c1"
    summary = await r.handle(body(SUMMARY), sign(body(SUMMARY)))
    assert isinstance(summary, SummaryPayload)
    assert got == [payload, summary]


async def test_bad_signature_raises_value_error_and_runs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    got: list[Any] = []
    r = WebhookReceiver(SECRET, on_actions=got.append)
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.webhook_receiver"):
        with pytest.raises(ValueError, match=r"^Invalid X-Connector-Signature$"):
            await r.handle(body(ACTIONS), sign(body(ACTIONS), "wrong"))
        with pytest.raises(ValueError, match=r"^Invalid X-Connector-Signature$"):
            r.handle_sync(body(ACTIONS))
    assert got == []
    assert caplog.records[0].getMessage() == "autoplay_sdk: WebhookReceiver rejected request — invalid signature"
    assert SECRET not in caplog.text


async def test_callback_exceptions_are_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def boom(_: Any) -> None:
        raise RuntimeError("callback broke")

    r = WebhookReceiver(on_actions=boom, on_summary=boom)
    with caplog.at_level(logging.ERROR, logger="autoplay_sdk.webhook_receiver"):
        assert isinstance(await r.handle(body(ACTIONS)), ActionsPayload)
        assert isinstance(r.handle_sync(body({**SUMMARY, "session_id": None})), SummaryPayload)
    first, second = caplog.records
    assert (
        first.getMessage()
        == "autoplay_sdk: WebhookReceiver callback raised for event_type=actions session=s1: callback broke"
    )
    assert (first.event_type, first.session_id, first.product_id) == ("actions", "s1", "p1")
    assert second.getMessage().startswith(
        "autoplay_sdk: WebhookReceiver callback raised for event_type=summary session=_nosession"
    )
    assert first.exc_info and second.exc_info


def test_handle_sync_closes_async_callbacks_and_logs_instead_of_raising(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[Any] = []

    async def on_summary(p: SummaryPayload) -> None:
        ran.append(p)  # never runs: the coroutine is closed

    r = WebhookReceiver(on_summary=on_summary)
    with caplog.at_level(logging.ERROR, logger="autoplay_sdk.webhook_receiver"):
        payload = r.handle_sync(body(SUMMARY))
    assert isinstance(payload, SummaryPayload) and ran == []
    [record] = caplog.records
    assert isinstance(record.exc_info[1], TypeError)  # type: ignore[index]
    assert (
        "handle_sync does not support async callbacks; use handle() instead. Got coroutine from" in record.getMessage()
    )


async def test_no_callback_registered_still_returns_the_payload() -> None:
    assert isinstance(await WebhookReceiver().handle(body(SUMMARY)), SummaryPayload)


def test_repr_never_shows_the_secret() -> None:
    r = WebhookReceiver(SECRET, on_actions=print)
    assert repr(r) == "WebhookReceiver(secret=set, on_actions=True, on_summary=False)"
    assert repr(WebhookReceiver()) == "WebhookReceiver(secret=unset, on_actions=False, on_summary=False)"


async def test_dedupe_window_drops_repeated_bodies_within_the_window() -> None:
    got: list[Any] = []
    r = WebhookReceiver(SECRET, on_summary=got.append, dedupe_window=2)
    bodies = [body({**SUMMARY, "summary": str(i)}) for i in range(3)]
    assert await r.handle(bodies[0], sign(bodies[0])) is not None
    assert await r.handle(bodies[0], sign(bodies[0])) is None  # a retry of the same delivery
    assert r.handle_sync(bodies[0], sign(bodies[0])) is None
    await r.handle(bodies[1], sign(bodies[1]))
    await r.handle(bodies[2], sign(bodies[2]))  # evicts bodies[0] from the window of 2
    assert await r.handle(bodies[0], sign(bodies[0])) is not None
    assert [p.summary for p in got] == ["0", "1", "2", "0"]
    # without the option every delivery runs the callback
    plain = WebhookReceiver(on_summary=got.append)
    plain.handle_sync(bodies[1])
    plain.handle_sync(bodies[1])
    assert [p.summary for p in got][-2:] == ["1", "1"]
    with pytest.raises(ValueError, match="dedupe_window must be >= 0"):
        WebhookReceiver(dedupe_window=-1)


@settings(max_examples=300)
@given(secret=st.text(min_size=1, max_size=150), body=st.binary(max_size=300))
def test_the_keyed_signature_is_the_standard_hmac_sha256(secret: str, body: bytes) -> None:
    # Secrets longer than SHA-256's 64-byte block (hashed first) and non-ASCII ones included.
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    receiver = WebhookReceiver(secret=secret)
    assert receiver.verify(body, "sha256=" + expected)
    assert not receiver.verify(body + b"x", "sha256=" + expected)


def test_a_secret_replaced_after_construction_is_the_one_checked() -> None:
    receiver = WebhookReceiver(secret="old")
    body = b'{"type":"summary"}'
    receiver._secret = "new"
    assert receiver.verify(body, "sha256=" + hmac.new(b"new", body, hashlib.sha256).hexdigest())
    assert not receiver.verify(body, "sha256=" + hmac.new(b"old", body, hashlib.sha256).hexdigest())
