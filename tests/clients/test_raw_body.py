"""Both clients read HTTP/1.1 bodies straight from the connection; every framing still holds.

The server here writes every byte itself: chunked bodies cut at awkward places, chunk
extensions, a ``Content-Length`` body, a chunk cut off by a dropped connection, broken chunk
framing, and a gzip-encoded stream (read through ``httpx`` instead).  What a user sees is the
same in every case: each complete frame once, in order, and a reconnect that resumes after the
last complete frame.
"""

from __future__ import annotations

import gzip
import json
import ssl
from typing import Any

import httpx
import pytest
import trustme

from autoplay_sdk._http11 import raw_body

from ._harness import KINDS, Received, Runner, make_client
from ._rawserver import Conn, raw_server, sse

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"


def frame(n: int) -> bytes:
    payload = {"type": "actions", "product_id": "p", "session_id": "s", "actions": [], "count": 0, "forwarded_at": n}
    return f"id: {n}\ndata: {json.dumps(payload)}\n\n".encode()


def chunk(data: bytes, ext: bytes = b"") -> bytes:
    return b"%x%b\r\n%b\r\n" % (len(data), ext, data)


def chunked(*pieces: bytes, end: bool = True) -> bytes:
    return b"".join(chunk(p, b";n=%d" % i if i % 2 else b"") for i, p in enumerate(pieces)) + (
        b"0\r\n\r\n" if end else b""
    )


def start(kind: str, url: str, **options: Any) -> tuple[Runner, Received]:
    received = Received()
    client = make_client(kind, url, **options)
    client.on_actions(received)
    return Runner(client).start(), received


def respond(head: bytes, *writes: bytes, hold: bool = False) -> Any:
    def handler(conn: Conn) -> None:
        conn.send(head + b"\r\n")
        for data in writes:
            conn.send(data)
        if hold:
            conn.hold()

    return handler


@pytest.mark.parametrize("kind", KINDS)
def test_frames_cut_across_chunks_and_writes_arrive_whole_and_in_order(kind: str) -> None:
    stream = b"".join(frame(n) for n in range(1, 9))
    # Chunk boundaries inside a frame, inside a "\n\n", and one byte long.
    pieces = [stream[:5], stream[5:6], stream[6:200], stream[200:201], stream[201:]]
    body = chunked(*pieces, end=False)
    # The writes cut the chunk framing itself: inside a size line, inside a CRLF.
    writes = [body[i : i + 7] for i in range(0, 70, 7)] + [body[70:]]
    head = HEAD + b"transfer-encoding: chunked\r\n"
    with raw_server(respond(head, *writes, hold=True)) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(8)
        runner.stop()
    assert received.forwarded() == [float(n) for n in range(1, 9)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_content_length_body_is_read_to_its_end_then_the_client_resumes(kind: str) -> None:
    body = frame(1) + frame(2)
    first = respond(HEAD + b"content-length: %d\r\n" % len(body), body, hold=True)
    with raw_server(first, sse(frame(3), hold=True)) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(3)
        runner.stop()
        assert [r.headers.get("last-event-id") for r in server.requests] == [None, b"2"]
    assert received.forwarded() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("kind", KINDS)
def test_a_connection_dropped_inside_a_chunk_resumes_after_the_last_whole_frame(kind: str) -> None:
    whole, cut = frame(1), frame(2)
    dropped = respond(HEAD + b"transfer-encoding: chunked\r\n", chunked(whole, end=False) + chunk(cut)[:-20])
    with raw_server(dropped, sse(frame(2) + frame(3), hold=True)) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(3)
        runner.stop()
        assert [r.headers.get("last-event-id") for r in server.requests] == [None, b"1"]
    assert received.forwarded() == [1.0, 2.0, 3.0]  # frame 2 once: the cut copy was never delivered


@pytest.mark.parametrize("kind", KINDS)
def test_broken_chunk_framing_is_a_lost_connection_after_the_frames_before_it(kind: str) -> None:
    broken = chunked(frame(1), end=False) + b"zz\r\n" + frame(2)
    with raw_server(
        respond(HEAD + b"transfer-encoding: chunked\r\n", broken, hold=True), sse(frame(3), hold=True)
    ) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(2)
        runner.stop()
        assert [r.headers.get("last-event-id") for r in server.requests] == [None, b"1"]
    assert received.forwarded() == [1.0, 3.0]


@pytest.mark.parametrize("kind", KINDS)
def test_a_repeated_content_length_is_left_to_httpx(kind: str) -> None:
    body = frame(1) + frame(2)
    twice = b"content-length: %d\r\ncontent-length: %d\r\n" % (len(body), len(body))
    with raw_server(respond(HEAD + twice, body, hold=True), sse(frame(3), hold=True)) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(3)
        runner.stop()
    assert received.forwarded() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("kind", KINDS)
def test_a_gzip_encoded_stream_is_decoded(kind: str) -> None:
    body = gzip.compress(frame(1) + frame(2))
    encoded = respond(HEAD + b"content-encoding: gzip\r\ncontent-length: %d\r\n" % len(body), body, hold=True)
    with raw_server(encoded, sse(frame(3), hold=True)) as server:
        runner, received = start(kind, server.url())
        assert received.wait_for(3)
        runner.stop()
    assert received.forwarded() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("kind", KINDS)
def test_a_chunked_stream_over_tls_is_read_whole(kind: str) -> None:
    """The production path: HTTPS, one chunk per frame, certificate verified against a test CA."""
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    frames = [frame(n) for n in range(1, 301)]
    chunks = [chunk(f) for f in frames]
    stream = respond(HEAD + b"transfer-encoding: chunked\r\n", *chunks, hold=True)
    with raw_server(stream, tls=server_tls) as server:
        http: Any = httpx.Client(verify=client_tls) if kind == "sync" else httpx.AsyncClient(verify=client_tls)
        runner, received = start(kind, server.url(), http_client=http)
        assert received.wait_for(300)
        runner.stop()
    assert received.forwarded() == [float(n) for n in range(1, 301)]


# --------------------------------------------------------------------------- which bodies go direct


def test_only_a_plain_http11_body_from_httpcore_is_read_directly() -> None:
    head = HEAD + b"transfer-encoding: chunked\r\n"
    plain = respond(head, chunked(frame(1), end=False), hold=True)
    encoded = respond(head + b"content-encoding: gzip\r\n", hold=True)
    with raw_server(plain, encoded) as server, httpx.Client() as http:
        with http.stream("GET", server.url()) as response:
            direct = raw_body(response)
            assert direct is not None
            got = direct.first()
            while len(got) < len(frame(1)) and direct.wanted():
                got += direct.take(direct.stream.read(65536))
            assert got == frame(1)
        with http.stream("GET", server.url()) as response:
            assert raw_body(response) is None  # decoding needs httpx
    mocked = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=frame(1))))
    with mocked, mocked.stream("GET", "http://connector.test/stream/p") as response:
        assert raw_body(response) is None
