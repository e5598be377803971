"""Both clients against a hostile SSE server written here (not the local connector).

Each test is a fault a real connection throws: what 0.7.5 and earlier builds of this SDK did
about it is in the test's docstring; the assertions are what a user now sees.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from autoplay_sdk import AsyncConnectorClient, ConnectorClient, SdkConfigError, SdkError, SdkUpstreamError
from autoplay_sdk.core.exceptions import SdkAuthError, SdkNotFoundError

from ._harness import KINDS, Received, Runner, make_client
from ._rawserver import Conn, raw_server, silent, sse, status

pytestmark = pytest.mark.parametrize("kind", KINDS)


def frame(n: int, *, id: str | None = None, end: bytes = b"\n\n") -> bytes:
    payload = {"type": "actions", "product_id": "p", "session_id": "s", "actions": [], "count": 0, "forwarded_at": n}
    head = f"id: {id}\n".encode() if id is not None else b""
    return head + b"data: " + json.dumps(payload).encode() + end


def start(kind: str, url: str, **options: Any) -> tuple[Runner, Received]:
    received = Received()
    client = make_client(kind, url, **options)
    client.on_actions(received)
    return Runner(client).start(), received


def _wait(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


# --------------------------------------------------------------------------- faults that stalled a client


def test_deeply_nested_json_is_a_malformed_frame_not_a_reconnect(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    """A 100,000-deep ``data:`` raised RecursionError out of routing: reconnect, and on a stream
    without ids the same frames again, forever."""
    nested = b"data: " + b"[" * 100_000 + b"]" * 100_000 + b"\n\n"
    with raw_server(sse(nested + frame(1), hold=True)) as server:
        runner, received = start(kind, server.url())
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
            assert received.wait_for(1)
            runner.stop()
        assert len(server.requests) == 1
    assert received.forwarded() == [1.0]
    assert "could not parse event data" in caplog.text


def test_an_id_that_is_not_ascii_is_sent_back_as_utf8(kind: str) -> None:
    """``id: évt-1`` made every reconnect fail locally (the header could not be encoded)."""
    with raw_server(sse(frame(1, id="évt-1")), sse(frame(2), hold=True)) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(2)
        runner.stop()
        assert server.requests[1].headers["last-event-id"] == "évt-1".encode()


def test_an_id_no_header_can_carry_is_dropped_once_and_reconnects_continue(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    with raw_server(sse(frame(1, id="x\x01y")), sse(frame(2)), sse(frame(3), hold=True)) as server:
        runner, received = start(kind, server.url())
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
            assert received.wait_for(3)
            runner.stop()
        assert [("last-event-id" in r.headers) for r in server.requests] == [False, False, False]
    assert caplog.text.count("cannot be sent in a Last-Event-ID header") == 1


def test_stop_while_waiting_for_response_headers_returns_within_a_second(kind: str) -> None:
    """The sync client returned only when the server closed (44 s measured; never without one)."""
    with raw_server(silent) as server:
        runner, _ = start(kind, server.url())
        assert server.wait_for_requests(1)
        assert runner.stop() < 1.0
        assert runner.error is None


def test_a_server_that_accepts_and_closes_at_once_counts_against_max_retries(kind: str) -> None:
    """Every 200 reset the backoff and the count: retried at the initial delay forever."""
    disconnects: list[int] = []
    with raw_server(sse(b"")) as server:
        runner, _ = start(kind, server.url(), max_retries=2, on_disconnect=lambda: disconnects.append(1))
        error = runner.join()
        assert len(server.requests) == 3
    assert isinstance(error, SdkUpstreamError)
    assert error.attempts == 3 and "the stream ended before any event" in str(error)
    assert disconnects == [1, 1, 1]  # a clean end of stream fires on_disconnect


def test_a_clean_end_after_events_reconnects_without_spending_a_retry(kind: str) -> None:
    disconnects: list[int] = []
    with raw_server(sse(frame(1, id="1")), sse(frame(2, id="2")), sse(frame(3), hold=True)) as server:
        runner, received = start(kind, server.url(), max_retries=0, on_disconnect=lambda: disconnects.append(1))
        assert received.wait_for(3)
        runner.stop()
        assert [r.headers.get("last-event-id") for r in server.requests] == [None, b"1", b"2"]
    assert runner.error is None and disconnects == [1, 1]


def test_undelivered_events_at_the_drain_timeout_are_counted_as_dropped(kind: str) -> None:
    """Sync: ``run()`` gave up after a fixed 10 s join; the rest was neither delivered nor counted,
    and the worker kept calling the callback after ``run()`` returned."""
    entered, release, more = threading.Event(), threading.Event(), threading.Event()
    calls: list[float] = []
    drops: list[tuple[float, int]] = []

    def slow(p: Any) -> None:
        calls.append(p.forwarded_at)
        entered.set()
        release.wait(10)

    async def slow_async(p: Any) -> None:  # a loop-native wait, cancelled at the deadline
        calls.append(p.forwarded_at)
        entered.set()
        await asyncio.sleep(10)

    def stream(conn: Conn) -> None:
        conn.sse(frame(1))
        more.wait(10)  # the rest once the first is inside the callback: none dropped for space
        conn.send(b"".join(frame(i) for i in range(2, 7)))
        conn.hold()

    options: dict[str, Any] = {"drain_timeout_s": 0.3}
    options.update({"max_queue_size": 5} if kind == "sync" else {"session_concurrency": 1})
    with raw_server(stream) as server:
        client = make_client(kind, server.url(), **options)
        client.on_actions(slow if kind == "sync" else slow_async)
        client.on_drop(lambda d, n: drops.append((d["forwarded_at"], n)))
        runner = Runner(client).start()
        assert entered.wait(10)
        more.set()
        assert _wait(lambda: _backlog(client) == 5)
        assert runner.stop() < 0.3 + 1.0
    release.set()
    assert _wait(lambda: not [t for t in threading.enumerate() if t.name == "autoplay-sdk-worker"])
    assert calls == [1.0]  # nothing started after run() returned
    undelivered = [2.0, 3.0, 4.0, 5.0, 6.0] if kind == "sync" else [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert sorted(drops) == [(f, i + 1) for i, f in enumerate(undelivered)]
    assert client.dropped_count == len(undelivered)


def _backlog(client: Any) -> int:
    return client.queue_size if isinstance(client, ConnectorClient) else client.pending_count - 1


def test_credentials_in_the_url_are_refused(kind: str) -> None:
    """httpx turned them into Basic auth replacing the Bearer token, and logged them."""
    cls = ConnectorClient if kind == "sync" else AsyncConnectorClient
    with pytest.raises(ValueError, match=r"^url must not contain credentials \(user:password@host\)") as info:
        cls("http://user:pw@127.0.0.1/stream/p", token="t")
    assert "pw" not in str(info.value)


# --------------------------------------------------------------------------- SSE to the letter, end to end


def test_a_leading_bom_and_a_bare_cr_frame_are_dispatched_at_once(kind: str) -> None:
    with raw_server(sse(b"\xef\xbb\xbf" + frame(1, end=b"\r\r"), hold=True)) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(1)  # the connection stays open: no further byte was needed
        runner.stop()
    assert received.forwarded() == [1.0]


def test_an_empty_id_resets_the_resume_point(kind: str) -> None:
    with raw_server(sse(frame(1, id="7") + frame(2, id="")), sse(frame(3), hold=True)) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(3)
        runner.stop()
        assert "last-event-id" not in server.requests[1].headers


def test_an_id_with_nul_is_ignored(kind: str) -> None:
    with raw_server(sse(frame(1, id="7") + frame(2, id="8\x00")), sse(frame(3), hold=True)) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(3)
        runner.stop()
        assert server.requests[1].headers["last-event-id"] == b"7"


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_redirects_are_followed_with_the_token_on_the_same_origin(kind: str, code: int) -> None:
    with raw_server(status(code, "Moved", b"location: /stream/new\r\n"), sse(frame(1), hold=True)) as server:
        runner, received = start(kind, server.url("/stream/old"), token="secret-token")
        assert received.wait_for(1)
        runner.stop()
        assert [r.target for r in server.requests] == ["/stream/old", "/stream/new"]
        assert server.requests[1].headers["authorization"] == b"Bearer secret-token"


def test_the_token_is_not_sent_to_another_origin(kind: str) -> None:
    with raw_server(sse(frame(1), hold=True), host="127.0.0.2") as other:
        location = f"location: {other.url()}\r\n".encode()
        with raw_server(status(307, "Temporary Redirect", location)) as server:
            runner, received = start(kind, server.url(), token="secret-token")
            assert received.wait_for(1)
            runner.stop()
            assert server.requests[0].headers["authorization"] == b"Bearer secret-token"
        assert "authorization" not in other.requests[0].headers


def test_204_stops_without_reconnecting(kind: str) -> None:
    with raw_server(status(204, "No Content")) as server:
        runner, _ = start(kind, server.url())
        assert runner.join() is None
        assert len(server.requests) == 1


@pytest.mark.parametrize("ctype", [b"text/html", b"application/json"])
def test_a_200_that_is_not_an_event_stream_raises_at_once(kind: str, ctype: bytes) -> None:
    def wrong(conn: Conn) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\ncontent-type: " + ctype + b"\r\ncontent-length: 2\r\n\r\n{}")

    with raw_server(wrong) as server:
        runner, _ = start(kind, server.url())
        error = runner.join()
        assert len(server.requests) == 1
    assert isinstance(error, SdkConfigError) and ctype.decode() in str(error)


# --------------------------------------------------------------------------- errors a user can catch


@pytest.mark.parametrize(("code", "cls"), [(401, SdkAuthError), (403, SdkAuthError), (404, SdkNotFoundError)])
def test_fatal_statuses_raise_typed_errors_logged_once(
    kind: str, code: int, cls: type, caplog: pytest.LogCaptureFixture
) -> None:
    with raw_server(status(code, "No", b"x-request-id: req-42\r\n")) as server:
        runner, _ = start(kind, server.url("/stream/p?key=secret"), token="secret-token")
        with caplog.at_level(logging.DEBUG, logger="autoplay_sdk"):
            error = runner.join()
    assert isinstance(error, cls) and isinstance(error, SdkError) and isinstance(error, httpx.HTTPStatusError)
    assert error.status_code == code and error.request_id == "req-42"
    assert "secret" not in str(error) and "?<redacted>" in str(error)
    assert [r.levelno for r in caplog.records if r.levelno >= logging.ERROR] == [logging.ERROR]
    assert "secret" not in caplog.text


# --------------------------------------------------------------------------- injectable I/O


def test_injected_http_client_extra_headers_and_user_agent(kind: str) -> None:
    from autoplay_sdk import __version__

    with raw_server(sse(frame(1), hold=True)) as server:
        http: Any = httpx.Client() if kind == "sync" else httpx.AsyncClient()
        runner, received = start(kind, server.url(), http_client=http, headers={"X-Tenant": "acme"}, token="tok")
        assert received.wait_for(1)
        runner.stop()
        headers = server.requests[0].headers
    assert headers["x-tenant"] == b"acme" and headers["authorization"] == b"Bearer tok"
    assert headers["user-agent"].startswith(f"autoplay-sdk/{__version__} ".encode())
    assert headers["accept"] == b"text/event-stream"
    assert not http.is_closed  # the SDK never closes a client it did not create


def test_stop_while_the_transport_is_still_connecting_returns_within_a_second(kind: str) -> None:
    """A transport that never completes the request (DNS, TCP or TLS hanging): stop() still wins."""
    entered, never = threading.Event(), threading.Event()

    def hang(request: httpx.Request) -> httpx.Response:
        entered.set()
        never.wait(30)
        return httpx.Response(503)

    async def ahang(request: httpx.Request) -> httpx.Response:
        entered.set()
        await asyncio.sleep(30)
        return httpx.Response(503)

    http: Any = (
        httpx.Client(transport=httpx.MockTransport(hang))
        if kind == "sync"
        else httpx.AsyncClient(transport=httpx.MockTransport(ahang))
    )
    runner, _ = start(kind, "http://connector.invalid/stream/p", http_client=http)
    try:
        assert entered.wait(10)
        assert runner.stop() < 1.0
        assert runner.error is None
    finally:
        never.set()


def test_read_timeout_s_turns_a_stalled_stream_into_a_reconnect(kind: str) -> None:
    with raw_server(sse(b"", hold=True), sse(frame(1), hold=True)) as server:
        runner, received = start(kind, server.url(), read_timeout_s=0.3)
        assert received.wait_for(1)
        runner.stop()
        assert len(server.requests) == 2


def test_an_injected_client_follows_redirects_too(kind: str) -> None:
    with raw_server(status(307, "Moved", b"location: /stream/new\r\n"), sse(frame(1), hold=True)) as server:
        http: Any = httpx.Client() if kind == "sync" else httpx.AsyncClient()
        runner, received = start(kind, server.url("/stream/old"), http_client=http)
        assert received.wait_for(1)
        runner.stop()
        assert [r.target for r in server.requests] == ["/stream/old", "/stream/new"]
