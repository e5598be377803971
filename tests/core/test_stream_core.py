"""The sans-IO core: frame decoding, routing, reconnect policy, fatal statuses, ``retry:``."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from httpx_sse import ServerSentEvent, SSEError

from autoplay_sdk._stream import FrameDecoder, RetryPolicy, StreamCore, redact_url
from autoplay_sdk.core.exceptions import SdkUpstreamError

LOG = logging.getLogger("autoplay_sdk.client")
ACTIONS = {"type": "actions", "product_id": "p", "session_id": "s1", "actions": [], "count": 0, "forwarded_at": 1.0}


def core(**kw: Any) -> StreamCore:
    policy = kw.pop(
        "policy", RetryPolicy(initial_backoff_s=1.0, max_backoff_s=8.0, max_retries=kw.pop("retries", None))
    )
    return StreamCore(url="https://h/stream/p", token=kw.pop("token", "tok"), policy=policy, logger=LOG, **kw)


def frames(decoder: FrameDecoder, *chunks: bytes) -> list[tuple[str, str, str, int | None]]:
    out = []
    for chunk in chunks:
        out.extend((e.event, e.data, e.id, e.retry) for e in decoder.feed(chunk))
    return out


# --------------------------------------------------------------------------- FrameDecoder


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        pytest.param([b"data: {}\n\n"], [("message", "{}", "", None)], id="plain"),
        pytest.param([b"id: 7\nevent: heartbeat\ndata: \n\n"], [("heartbeat", "", "7", None)], id="heartbeat-with-id"),
        pytest.param([b"data: a\ndata: b\n\n"], [("message", "a\nb", "", None)], id="multi-line-data"),
        pytest.param([b"da", b"ta: x", b"\n", b"\n"], [("message", "x", "", None)], id="split-anywhere"),
        pytest.param([b"data: x\r\n\r\n"], [("message", "x", "", None)], id="crlf"),
        pytest.param([b"data: x\r", b"\n\r\n"], [("message", "x", "", None)], id="crlf-split-between-chunks"),
        pytest.param([b"data: x\r\rdata: y"], [("message", "x", "", None)], id="lone-cr"),
        pytest.param([b": comment\n\ndata: y\n\n"], [("message", "y", "", None)], id="comment-ignored"),
        pytest.param([b"retry: 2500\n\n"], [("message", "", "", 2500)], id="retry-only"),
        pytest.param([b"data: x\n"], [], id="incomplete-frame-held"),
        pytest.param([b'data: "\xc3\xa9"\n\n'], [("message", '"\u00e9"', "", None)], id="utf8"),
    ],
)
def test_frame_decoder_table(chunks: list[bytes], expected: list[tuple[str, str, str, int | None]]) -> None:
    assert frames(FrameDecoder(1 << 20, LOG), *chunks) == expected


def test_invalid_utf8_frame_is_skipped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    dec = FrameDecoder(1 << 20, LOG)
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        got = frames(dec, b"id: 1\ndata: \xff\xfe\n\nid: 2\ndata: ok\n\n")
    assert got == [("message", "ok", "2", None)]
    assert "invalid UTF-8" in caplog.text


def test_oversized_frame_is_skipped_without_buffering_it(caplog: pytest.LogCaptureFixture) -> None:
    dec = FrameDecoder(64, LOG)
    big = b"data: " + b"x" * 500
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        got = frames(dec, b"id: 1\n", big[:100], big[100:], b"\n\nid: 2\ndata: small\n\n")
    assert got == [("message", "small", "2", None)]
    assert "over max_frame_bytes" in caplog.text
    assert len(dec._partial) <= 64


def test_skipped_frame_id_still_advances_resume_point() -> None:
    dec = FrameDecoder(1 << 20, LOG)
    c = core()
    for sse in dec.feed(b"id: 5\ndata: \xff\n\nid: 6\ndata: {}\n\n"):
        c.route(sse)
    assert c.last_event_id == "6"


# --------------------------------------------------------------------------- routing


def sse(data: str, event: str = "", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(event=event, data=data, id=id, retry=retry)


@pytest.mark.parametrize(
    ("frame", "expected_type", "log_level"),
    [
        pytest.param(sse(json.dumps(ACTIONS)), "actions", None, id="actions"),
        pytest.param(sse(json.dumps({"type": "summary", "summary": "s"})), "summary", None, id="summary"),
        pytest.param(sse(json.dumps(ACTIONS), event="whatever"), "actions", None, id="event-name-ignored"),
        pytest.param(sse("", event="heartbeat"), None, None, id="heartbeat"),
        pytest.param(sse("not json", event="heartbeat"), None, None, id="heartbeat-never-parsed"),
        pytest.param(sse('{"type": "usertour_trigger"}'), None, logging.DEBUG, id="usertour-ignored"),
        pytest.param(sse('{"no": "type"}'), None, logging.DEBUG, id="missing-type"),
        pytest.param(sse("{broken"), None, logging.WARNING, id="malformed-json"),
        pytest.param(sse("[1]"), None, logging.WARNING, id="json-array"),
        pytest.param(sse("null"), None, logging.WARNING, id="json-null"),
        pytest.param(sse('"x"'), None, logging.WARNING, id="json-string"),
        pytest.param(sse("3"), None, logging.WARNING, id="json-number"),
        pytest.param(sse("", id="9"), None, None, id="id-only-frame"),
    ],
)
def test_route_table(
    frame: ServerSentEvent, expected_type: str | None, log_level: int | None, caplog: pytest.LogCaptureFixture
) -> None:
    c = core()
    with caplog.at_level(logging.DEBUG, logger=LOG.name):
        routed = c.route(frame)
    assert (routed[0] if routed else None) == expected_type
    levels = {r.levelno for r in caplog.records}
    assert levels == ({log_level} if log_level else set())


def test_unparseable_data_is_logged_truncated_to_200_chars(caplog: pytest.LogCaptureFixture) -> None:
    c = core()
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        c.route(sse("{" + "y" * 1000))
    (record,) = caplog.records
    assert record.getMessage() == "autoplay_sdk: could not parse event data: " + ("{" + "y" * 1000)[:200]
    assert record.exc_info is not None
    assert record.url == "https://h/stream/p"  # type: ignore[attr-defined]


def test_parse_failure_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    c = core()
    with caplog.at_level(logging.ERROR, logger=LOG.name):
        assert c.parse("actions", {"type": "actions", "actions": ["not-a-dict"]}) is None
    assert "failed to deserialize event_type=actions — skipping" in caplog.text


def test_route_tracks_last_event_id_and_sends_it_on_resume() -> None:
    c = core()
    assert c.request_headers() == {"Authorization": "Bearer tok"}
    c.route(sse(json.dumps(ACTIONS), id="41"))
    c.route(sse("", event="heartbeat", id="42"))
    assert c.request_headers() == {"Authorization": "Bearer tok", "Last-Event-ID": "42"}


def test_no_authorization_header_without_token() -> None:
    assert core(token="").request_headers() == {}


# --------------------------------------------------------------------------- policy


def no_jitter(a: float, b: float) -> float:
    return 0.0


def max_jitter(a: float, b: float) -> float:
    return b


def test_backoff_doubles_up_to_the_cap_and_resets_after_a_good_connection() -> None:
    c = core()
    delays = []
    for _ in range(6):
        c.failed(httpx.ConnectError("refused"))
        delays.append(c.next_delay(no_jitter))
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    c.accept(object())
    assert c.retry_count == 0
    c.failed(httpx.ReadError("x"))
    assert c.next_delay(no_jitter) == 1.0


def test_jitter_adds_at_most_ten_percent() -> None:
    c = core()
    assert c.next_delay(max_jitter) == pytest.approx(1.1)
    assert c.next_delay(max_jitter) == pytest.approx(2.2)


@pytest.mark.parametrize(("max_retries", "failures_before_raise"), [(0, 1), (2, 3)])
def test_max_retries_raises_sdk_upstream_error(max_retries: int, failures_before_raise: int) -> None:
    c = core(retries=max_retries)
    for _ in range(failures_before_raise - 1):
        c.failed(httpx.ConnectError("refused"))
        c.next_delay(no_jitter)
    c.failed(httpx.ConnectError("refused"))
    with pytest.raises(SdkUpstreamError) as info:
        c.next_delay(no_jitter)
    assert str(info.value) == (
        f"autoplay_sdk: max_retries={max_retries} exhausted after {failures_before_raise} attempts"
    )
    assert not isinstance(info.value, RuntimeError)


def status_error(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "https://h/stream/p")
    return httpx.HTTPStatusError("x", request=request, response=httpx.Response(status, request=request))


@pytest.mark.parametrize(
    ("status", "fatal"), [(401, True), (403, True), (404, True), (400, False), (500, False), (503, False)]
)
def test_fatal_status_decision(status: int, fatal: bool, caplog: pytest.LogCaptureFixture) -> None:
    c = core()
    exc = status_error(status)
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        if fatal:
            with pytest.raises(httpx.HTTPStatusError) as info:
                c.failed(exc)
            assert info.value is exc
            assert c.retry_count == 0
            assert caplog.records[0].getMessage() == f"autoplay_sdk: fatal HTTP {status} — check URL and token"
        else:
            c.failed(exc)
            assert c.retry_count == 1
            assert caplog.records[0].getMessage() == f"autoplay_sdk: HTTP {status} — retrying in 1s (attempt 1)"
            assert caplog.records[0].http_status == status  # type: ignore[attr-defined]


def test_server_retry_hint_becomes_the_next_delay_base() -> None:
    c = core()
    c.accept(object())
    c.route(sse("", retry=2500))
    c.failed(httpx.ReadError("dropped"))
    assert c.next_delay(no_jitter) == 2.5
    c.failed(httpx.ConnectError("refused"))
    assert c.next_delay(no_jitter) == 5.0  # consecutive failures still double
    c.accept(object())
    c.failed(httpx.ReadError("dropped"))
    assert c.next_delay(no_jitter) == 2.5  # a good connection resets to the hint, not to initial


def test_server_retry_hint_is_capped_by_max_backoff() -> None:
    c = core()
    c.route(sse("", retry=600_000))
    c.failed(httpx.ReadError("x"))
    assert c.next_delay(no_jitter) == 8.0


def response(status: int, ctype: str = "text/event-stream") -> Any:
    request = httpx.Request("GET", "https://h/stream/p")
    return type("Source", (), {"response": httpx.Response(status, headers={"content-type": ctype}, request=request)})()


def test_accept_checks_status_before_reading_the_body() -> None:
    with pytest.raises(httpx.HTTPStatusError) as info:
        core().accept(response(401, "application/json"))
    assert info.value.response.status_code == 401


def test_accept_rejects_wrong_content_type() -> None:
    with pytest.raises(SSEError):
        core().accept(response(200, "text/html"))


def test_accept_passes_through_test_doubles_without_a_real_response() -> None:
    assert core().accept(object()) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://h/stream/p", "https://h/stream/p"),
        ("https://user:secret@h/stream/p", "https://h/stream/p"),
        ("https://h/stream/p?token=secret", "https://h/stream/p?<redacted>"),
    ],
)
def test_urls_are_redacted(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial_backoff_s": 0, "max_backoff_s": 1, "max_retries": None}, "initial_backoff_s must be > 0, got 0"),
        (
            {"initial_backoff_s": 2, "max_backoff_s": 1, "max_retries": None},
            "max_backoff_s must be >= initial_backoff_s",
        ),
        ({"initial_backoff_s": 1, "max_backoff_s": 1, "max_retries": -1}, "max_retries must be >= 0 or None, got -1"),
    ],
)
def test_policy_validation_messages(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(") + "$"):
        RetryPolicy.validated(**kwargs)


LINES = [
    "data: x",
    "data:y",
    "data",
    'data: {"a": 1}',
    "id: 3",
    "id: \u00e91",
    "id:4",
    "id: 5\x00",
    "event: e",
    "event:",
    "retry: 100",
    "retry: x",
    ": comment",
    "foo: bar",
    "",
    "",
    "",
    "data: \u00e9t\u00e9",
]


@pytest.mark.parametrize("seed", range(40))
def test_frame_decoder_agrees_with_httpx_sse(seed: int) -> None:
    """Differential test: the same events as httpx-sse's own decoder, however the bytes are cut."""
    import random

    from httpx_sse._decoders import SSEDecoder  # the oracle

    rng = random.Random(seed)
    newline = rng.choice(["\n", "\r\n", "\r"])
    # The final "\n" settles a trailing CR, which is otherwise held back as a possible CRLF half.
    text = newline.join(rng.choice(LINES) for _ in range(rng.randint(5, 60))) + newline * 2 + "\n"
    oracle = SSEDecoder()
    expected = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        sse = oracle.decode(line)
        if sse is not None and (sse.data or sse.retry is not None):
            expected.append((sse.event, sse.data, sse.id, sse.retry))
    raw = text.encode()
    dec = FrameDecoder(1 << 20, LOG)
    got = []
    i = 0
    while i < len(raw):
        step = rng.randint(1, 40)
        got.extend(f for f in dec.feed(raw[i : i + step]) if f.data or f.retry is not None)
        i += step
    assert [tuple(f) for f in got] == expected
