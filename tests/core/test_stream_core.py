"""The sans-IO core: frame decoding (WHATWG rules), routing, reconnect policy, statuses, headers."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoplay_sdk._logging import get_logger
from autoplay_sdk._sse import FrameDecoder
from autoplay_sdk._stream import (
    Delivery,
    EventRef,
    Frame,
    RetryPolicy,
    StreamCore,
    header_value,
    parse_payload,
    redact_url,
)
from autoplay_sdk.core.exceptions import SdkAuthError, SdkConfigError, SdkError, SdkNotFoundError, SdkUpstreamError
from autoplay_sdk.core.models import ActionsPayload, SummaryPayload

LOG = get_logger("autoplay_sdk.client")  # the client module's logger, with its prefix filter
ACTIONS = {"type": "actions", "product_id": "p", "session_id": "s1", "actions": [], "count": 0, "forwarded_at": 1.0}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def core(**kw: Any) -> StreamCore:
    policy = kw.pop(
        "policy", RetryPolicy(initial_backoff_s=1.0, max_backoff_s=8.0, max_retries=kw.pop("retries", None))
    )
    headers = kw.pop("headers", {"Authorization": "Bearer tok"})
    return StreamCore(url="https://h/stream/p", policy=policy, logger=LOG, headers=headers, **kw)


def response(status: int = 200, ctype: str = "text/event-stream") -> httpx.Response:
    request = httpx.Request("GET", "https://h/stream/p")
    return httpx.Response(status, headers={"content-type": ctype}, request=request)


def connected(c: StreamCore) -> StreamCore:
    c.connecting()
    assert c.opened(response())
    return c


def frames(decoder: FrameDecoder, *chunks: bytes) -> list[tuple[str, str, str, int | None]]:
    out = []
    for chunk in chunks:
        out.extend((e.event, e.data, e.id, e.retry) for e in decoder.feed(chunk))
    return out


# --------------------------------------------------------------------------- FrameDecoder: the SSE rules


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        pytest.param([b"data: {}\n\n"], [("message", "{}", "", None)], id="plain"),
        pytest.param([b"id: 7\nevent: heartbeat\ndata: \n\n"], [("heartbeat", "", "7", None)], id="heartbeat-with-id"),
        pytest.param([b"data: a\ndata: b\n\n"], [("message", "a\nb", "", None)], id="multi-line-data"),
        pytest.param([b"da", b"ta: x", b"\n", b"\n"], [("message", "x", "", None)], id="split-anywhere"),
        pytest.param([b"data: x\r\n\r\n"], [("message", "x", "", None)], id="crlf"),
        pytest.param([b"data: x\r", b"\n\r\n"], [("message", "x", "", None)], id="crlf-split-between-chunks"),
        pytest.param([b"data: x\r\r"], [("message", "x", "", None)], id="bare-cr-dispatches-at-once"),
        pytest.param([b"data: x\r\rdata: y"], [("message", "x", "", None)], id="bare-cr-then-more"),
        pytest.param(
            [b"data: x\r", b"\r", b"\ndata: y\n\n"], [("message", "x", ""), ("message", "y", "")], id="cr-cr-lf"
        ),
        pytest.param([b": comment\n\ndata: y\n\n"], [("message", "y", "", None)], id="comment-ignored"),
        pytest.param([b"retry: 2500\n\n"], [("message", "", "", 2500)], id="retry-only"),
        pytest.param([b"retry: 25x\ndata: a\n\n"], [("message", "a", "", None)], id="retry-not-digits-ignored"),
        pytest.param([b"retry: -5\ndata: a\n\n"], [("message", "a", "", None)], id="retry-negative-ignored"),
        pytest.param([b"data: x\n"], [], id="incomplete-frame-held"),
        pytest.param([b'data: "\xc3\xa9"\n\n'], [("message", '"\u00e9"', "", None)], id="utf8"),
        pytest.param([b"\xef\xbb\xbfdata: a\n\n"], [("message", "a", "", None)], id="leading-bom-ignored"),
        pytest.param([b"\xef", b"\xbb", b"\xbfdata: a\n\n"], [("message", "a", "", None)], id="bom-split"),
        pytest.param([b"data: a\n\n\xef\xbb\xbfdata: b\n\n"], [("message", "a", "", None)], id="bom-only-at-start"),
        pytest.param(
            [b"id: 1\ndata: a\n\nid:\ndata: b\n\n"],
            [("message", "a", "1", None), ("message", "b", "", None)],
            id="empty-id-resets",
        ),
        pytest.param(
            [b"id: 1\ndata: a\n\nid: \ndata: b\n\n"],
            [("message", "a", "1", None), ("message", "b", "", None)],
            id="empty-id-fast-path",
        ),
        pytest.param(
            [b"id: 1\ndata: a\n\nid: 2\x00\ndata: b\n\n"],
            [("message", "a", "1", None), ("message", "b", "1", None)],
            id="nul-id-ignored",
        ),
        pytest.param([b"data\n\n"], [("message", "", "", None)], id="field-without-colon"),
        pytest.param([b"event:\ndata: a\n\n"], [("message", "a", "", None)], id="empty-event-is-message"),
        pytest.param([b"data:  two spaces\n\n"], [("message", " two spaces", "", None)], id="one-space-stripped"),
    ],
)
def test_frame_decoder_table(chunks: list[bytes], expected: list[tuple[Any, ...]]) -> None:
    got = frames(FrameDecoder(1 << 20, LOG), *chunks)
    assert [g[: len(e)] for g, e in zip(got, expected, strict=True)] == expected


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
    c = connected(core())
    c.feed(b"id: 5\ndata: {}\n\nid: 6\ndata: \xff\n\n")
    assert c.last_event_id == "6"
    assert c.request_headers()["Last-Event-ID"] == "6"


def test_last_event_id_survives_a_reconnect_and_an_empty_id_clears_it() -> None:
    c = connected(core())
    c.feed(b"id: 41\ndata: {}\n\n")
    c.ended()
    connected(c)
    c.feed(b"data: {}\n\n")  # no id: the buffer persists across frames and connections
    assert c.request_headers()["Last-Event-ID"] == "41"
    c.feed(b"id\ndata: {}\n\n")
    assert "Last-Event-ID" not in c.request_headers()


# --------------------------------------------------------------------------- routing


def fed(c: StreamCore, data: str, event: str = "") -> list[Delivery]:
    head = f"event: {event}\n" if event else ""
    return c.feed((head + "".join(f"data: {line}\n" for line in data.split("\n")) + "\n").encode())


@pytest.mark.parametrize(
    ("data", "event", "expected_type", "log_level"),
    [
        pytest.param(json.dumps(ACTIONS), "", "actions", None, id="actions"),
        pytest.param(json.dumps({"type": "summary", "summary": "s"}), "", "summary", None, id="summary"),
        pytest.param(json.dumps(ACTIONS), "whatever", "actions", None, id="event-name-ignored"),
        pytest.param("", "heartbeat", None, None, id="heartbeat"),
        pytest.param("not json", "heartbeat", None, None, id="heartbeat-never-parsed"),
        pytest.param('{"type": "usertour_trigger"}', "", None, logging.DEBUG, id="usertour-ignored"),
        pytest.param('{"no": "type"}', "", None, logging.DEBUG, id="missing-type"),
        pytest.param('{"type": ["actions"]}', "", None, logging.DEBUG, id="unhashable-type"),
        pytest.param("{broken", "", None, logging.WARNING, id="malformed-json"),
        pytest.param("[1]", "", None, logging.WARNING, id="json-array"),
        pytest.param("null", "", None, logging.WARNING, id="json-null"),
        pytest.param('"x"', "", None, logging.WARNING, id="json-string"),
        pytest.param("3", "", None, logging.WARNING, id="json-number"),
        pytest.param("[" * 100_000 + "]" * 100_000, "", None, logging.WARNING, id="nested-100k-deep"),
        pytest.param('{"a": ' * 50_000 + "1" + "}" * 50_000, "", None, logging.WARNING, id="nested-objects"),
        pytest.param('{"type": "actions", "actions": ["not-a-dict"]}', "", None, logging.ERROR, id="model-rejects"),
    ],
)
def test_route_table(
    data: str, event: str, expected_type: str | None, log_level: int | None, caplog: pytest.LogCaptureFixture
) -> None:
    c = connected(core())
    with caplog.at_level(logging.DEBUG, logger=LOG.name):
        caplog.clear()
        got = fed(c, data, event)
    assert [d.kind for d in got] == ([expected_type] if expected_type else [])
    # The loudest record; an undecodable frame also logs its content, but only at DEBUG.
    assert max((r.levelno for r in caplog.records), default=None) == log_level


def test_a_decoder_exception_of_any_type_is_a_malformed_frame(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import autoplay_sdk._stream as stream

    def explode(data: str) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(stream, "_decode", explode)
    c = connected(core())
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert c.feed(b"data: {}\n\n") == []
    assert "could not parse event data" in caplog.text


def test_deliveries_carry_the_typed_payload_and_the_wire_dict() -> None:
    c = connected(core())
    (d,) = fed(c, json.dumps(ACTIONS))
    assert isinstance(d.payload, ActionsPayload) and d.raw == ACTIONS and d.kind == "actions"


def test_parse_payload_is_the_shared_pure_router() -> None:
    assert isinstance(parse_payload(ACTIONS), ActionsPayload)
    assert isinstance(parse_payload({"type": "summary"}), SummaryPayload)
    assert parse_payload({"type": "usertour_trigger"}) is None
    assert parse_payload({"type": ["x"]}) is None


def test_unparseable_data_is_logged_by_size_and_id_its_content_only_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    c = connected(core())
    secret = "{" + '"email": "jane@example.com", ' + "y" * 1000
    with caplog.at_level(logging.DEBUG, logger=LOG.name):
        caplog.clear()
        assert c.feed(f"id: 41\ndata: {secret}\n\n".encode()) == []
    warning, debug = caplog.records
    assert warning.levelno == logging.WARNING and debug.levelno == logging.DEBUG
    assert warning.getMessage() == (
        f"autoplay_sdk: could not parse event data: {len(secret)} bytes, event id '41' (JSONDecodeError)"
    )
    assert "jane@example.com" not in warning.getMessage() and warning.exc_info is None
    assert warning.size == len(secret) and warning.event_id == "41"  # type: ignore[attr-defined]
    assert warning.url == "https://h/stream/p"  # type: ignore[attr-defined]
    assert debug.getMessage() == "autoplay_sdk: unparsable event data: " + secret[:200]
    assert debug.exc_info is not None


def test_parse_failure_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    c = core()
    with caplog.at_level(logging.ERROR, logger=LOG.name):
        assert c.payload({"type": "actions", "actions": ["not-a-dict"]}) is None
    assert "failed to deserialize event_type=actions — skipping" in caplog.text


def test_frames_from_a_parsing_event_source_track_the_id() -> None:
    c = core()
    assert c.request_headers() == {"Authorization": "Bearer tok"}
    c.take(Frame("message", json.dumps(ACTIONS), "41", None))
    c.take(Frame("heartbeat", "", "42", None))
    assert c.request_headers() == {"Authorization": "Bearer tok", "Last-Event-ID": "42"}


# --------------------------------------------------------------------------- Last-Event-ID


@pytest.mark.parametrize(
    ("event_id", "sent"),
    [
        ("41", "41"),
        ("évt-1", "évt-1".encode()),
        ("a b", "a b"),
        (" lead", None),
        ("trail ", None),
        ("bell\x07", None),
        ("del\x7f", None),
    ],
)
def test_header_value_rule(event_id: str, sent: str | bytes | None) -> None:
    assert header_value(event_id) == sent


def test_an_unsendable_id_is_logged_once_and_left_out(caplog: pytest.LogCaptureFixture) -> None:
    c = connected(core())
    c.feed(b"id: \x01x\ndata: {}\n\n")
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert "Last-Event-ID" not in c.request_headers()
        assert "Last-Event-ID" not in c.request_headers()
    assert [r.getMessage().count("cannot be sent") for r in caplog.records] == [1]


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
    connected(c).feed(b"event: heartbeat\ndata:\n\n")
    assert c.retry_count == 0
    c.failed(httpx.ReadError("x"))
    assert c.next_delay(no_jitter) == 1.0


def test_a_connection_that_closes_at_once_is_a_failed_attempt() -> None:
    c = core(retries=2)
    delays = []
    for _ in range(2):
        connected(c).ended()
        delays.append(c.next_delay(no_jitter))
    assert delays == [1.0, 2.0]  # 200s that close at once do not reset the backoff
    connected(c).ended()
    with pytest.raises(SdkUpstreamError) as info:
        c.next_delay(no_jitter)
    assert "the stream ended before any event" in str(info.value)
    assert info.value.attempts == 3 and info.value.last_status is None


def test_a_connection_open_for_the_stable_time_is_good_even_without_events() -> None:
    clock = Clock()
    c = core(clock=clock, policy=RetryPolicy(1.0, 8.0, None, reset_after_s=30.0))
    for _ in range(2):
        c.failed(httpx.ConnectError("refused"))
        c.next_delay(no_jitter)
    connected(c)
    clock.now += 29.0
    c.ended()  # not yet stable: a failed attempt
    assert (c.retry_count, c.next_delay(no_jitter)) == (3, 4.0)
    connected(c)
    clock.now += 30.0
    c.ended()  # stable: the backoff and the attempt count start again
    assert (c.retry_count, c.next_delay(no_jitter)) == (0, 1.0)


def test_a_clean_end_after_events_is_not_a_failed_attempt() -> None:
    c = core(retries=0)
    connected(c).feed(b"data: {}\n\n")
    c.ended()
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
    last = httpx.ConnectError("refused")
    c.failed(last)
    with pytest.raises(SdkUpstreamError) as info:
        c.next_delay(no_jitter)
    assert str(info.value) == (
        f"autoplay_sdk: max_retries={max_retries} exhausted after {failures_before_raise} attempts "
        "(https://h/stream/p: ConnectError: refused)"
    )
    assert info.value.__cause__ is last
    assert info.value.attempts == failures_before_raise
    assert not isinstance(info.value, RuntimeError)


def status_error(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "https://h/stream/p")
    return httpx.HTTPStatusError("x", request=request, response=httpx.Response(status, request=request))


@pytest.mark.parametrize(
    ("status", "fatal"),
    [(401, SdkAuthError), (403, SdkAuthError), (404, SdkNotFoundError), (400, None), (500, None), (503, None)],
)
def test_fatal_status_decision(status: int, fatal: type | None, caplog: pytest.LogCaptureFixture) -> None:
    c = core()
    exc = status_error(status)
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        if fatal:
            with pytest.raises(fatal) as info:
                c.failed(exc)
            assert isinstance(info.value, SdkError) and isinstance(info.value, httpx.HTTPStatusError)
            assert info.value.__cause__ is exc and info.value.response.status_code == status
            assert "https://h/stream/p" in str(info.value)
            assert c.retry_count == 0
            assert caplog.records[0].getMessage() == f"autoplay_sdk: fatal HTTP {status} — check URL and token"
            assert len(caplog.records) == 1
        else:
            c.failed(exc)
            assert c.retry_count == 1
            assert caplog.records[0].getMessage() == f"autoplay_sdk: HTTP {status} — retrying in 1s (attempt 1)"
            assert caplog.records[0].http_status == status  # type: ignore[attr-defined]


def test_server_retry_hint_becomes_the_next_delay_base() -> None:
    c = connected(core())
    c.feed(b"retry: 2500\n\n")
    c.failed(httpx.ReadError("dropped"))
    assert c.next_delay(no_jitter) == 2.5
    c.failed(httpx.ConnectError("refused"))
    assert c.next_delay(no_jitter) == 5.0  # consecutive failures still double
    connected(c).feed(b"data: {}\n\n")
    c.failed(httpx.ReadError("dropped"))
    assert c.next_delay(no_jitter) == 2.5  # a good connection resets to the hint, not to initial


def test_server_retry_hint_is_capped_by_max_backoff() -> None:
    c = connected(core())
    c.feed(b"retry: 600000\n\n")
    c.failed(httpx.ReadError("x"))
    assert c.next_delay(no_jitter) == 8.0


# --------------------------------------------------------------------------- responses


def test_opened_checks_status_before_reading_the_body() -> None:
    with pytest.raises(httpx.HTTPStatusError) as info:
        core().opened(response(401, "application/json"))
    assert info.value.response.status_code == 401


@pytest.mark.parametrize("ctype", ["text/html", "application/json", ""])
def test_a_2xx_that_is_not_an_event_stream_is_a_config_error(ctype: str, caplog: pytest.LogCaptureFixture) -> None:
    c = core()
    with pytest.raises(SdkConfigError) as info:
        c.opened(response(200, ctype))
    assert repr(ctype) in str(info.value) and "text/event-stream" in str(info.value)
    with caplog.at_level(logging.ERROR, logger=LOG.name), pytest.raises(SdkConfigError):
        c.failed(info.value)  # fatal: never retried
    assert len(caplog.records) == 1


def test_204_asks_the_client_to_stop() -> None:
    assert core().opened(response(204, "")) is False


def test_opened_without_a_response_is_an_event_source_that_parses_itself() -> None:
    assert core().opened(None) is True


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
        ({"jitter_ratio": -1}, "jitter_ratio must be >= 0, got -1"),
        ({"reset_after_s": -1}, "reset_after_s must be >= 0, got -1"),
    ],
)
def test_policy_validation_messages(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(") + "$"):
        RetryPolicy(**kwargs)


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


def _numbered(c: StreamCore, n: int) -> list[Delivery]:
    body = "".join(f"id: {i}\ndata: {json.dumps(ACTIONS)}\n\n" for i in range(1, n + 1))
    return c.feed(body.encode())


def test_the_handled_checkpoint_waits_for_every_earlier_payload() -> None:
    c = connected(core())
    d1, d2, d3, d4 = _numbered(c, 4)
    assert [d.event for d in (d1, d4)] == [EventRef("1", ""), EventRef("4", "")]
    c.drop(d3)  # dropped while running: reported, so handled
    c.handled(d2)
    assert c.last_handled_event_id == ""  # payload 1 is still in its callback
    c.handled(d1)
    assert c.last_handled_event_id == "3"
    c.drop(d4, "drain_timeout", log=False)  # left at shutdown: a resume must read it again
    assert c.last_handled_event_id == "3"


@given(st.permutations(range(6)), st.sets(st.integers(0, 5)))
def test_the_checkpoint_is_the_longest_handled_prefix(order: list[int], left: set[int]) -> None:
    c = connected(core())
    deliveries = _numbered(c, 6)
    done: set[int] = set()
    for i in order:
        if i in left:
            continue
        c.handled(deliveries[i])
        done.add(i)
        prefix = next((k for k in range(6) if k not in done), 6)
        assert c.last_handled_event_id == (str(prefix) if prefix else "")


def test_a_resume_starts_the_checkpoint_and_names_what_each_delivery_resumed_after() -> None:
    c = core(last_event_id="7")
    assert c.last_handled_event_id == "7" and c.request_headers()["Last-Event-ID"] == "7"
    connected(c)
    body = f"id: 8\ndata: {json.dumps(ACTIONS)}\n\n".encode()
    (d,) = c.feed(body)
    assert d.event == EventRef("8", "7")
    c.handled(d)
    assert c.last_handled_event_id == "8"
