"""The HTTP/1.1 body decoder the stream clients read with, checked against ``h11`` as an oracle.

``h11`` is what ``httpx`` reads bodies with; the clients bypass it for speed, so on any bytes,
split anywhere, the decoder must yield exactly the body ``h11`` yields, and reject what ``h11``
rejects (the one allowed difference: the decoder ends at the last chunk and does not wait for
trailers, so a stream cut or broken inside the trailers is complete for it).  ``h11`` releases
before 0.16 accept any two bytes after a chunk's data where the CRLF belongs (fixed in 0.16 as a
request-smuggling flaw); the decoder always requires the CRLF, so with such an ``h11`` installed
(the lowest versions the project allows) it may reject a body that ``h11`` lets through.
"""

from __future__ import annotations

import h11
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk._http11 import BodyDecoder

LENIENT_CHUNK_FOOTER = tuple(int(part) for part in h11.__version__.split(".")[:2]) < (0, 16)

# --------------------------------------------------------------------------- the oracle


def h11_body(head: bytes, pieces: list[bytes]) -> tuple[bytes, bool, bool]:
    """(body bytes, finished, raised) as h11 reads ``head`` then ``pieces`` then EOF."""
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    conn.send(h11.EndOfMessage())
    out = bytearray()
    try:
        for piece in [head, *(p for p in pieces if p), b""]:  # b"" is EOF to h11
            conn.receive_data(piece)
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    break
                if isinstance(event, h11.Data):
                    out += event.data
                elif isinstance(event, h11.EndOfMessage):
                    return bytes(out), True, False
    except h11.RemoteProtocolError:
        return bytes(out), False, True
    return bytes(out), False, False


def ours(length: int | None, pieces: list[bytes]) -> tuple[bytes, bool, bool]:
    decoder = BodyDecoder(length)
    out = bytearray()
    try:
        for piece in pieces:
            out += decoder.feed(piece)
        done = decoder.done
        decoder.eof()
    except httpx.RemoteProtocolError:
        return bytes(out), False, True
    return bytes(out), done or length == -1, False


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


# --------------------------------------------------------------------------- generated bodies

size_texts = st.sampled_from(["{:x}", "{:X}", "{:04x}", "{:020x}"])
extensions = st.sampled_from([b"", b";a=b", b";name", b';q="x y"', b";a=1;b=2"])
spaces = st.sampled_from([b"", b" ", b"\t", b" \t "])
trailers = st.lists(st.sampled_from([b"x-checksum: 1\r\n", b"expires: never\r\n"]), max_size=2)


@st.composite
def chunked_bodies(draw: st.DrawFn) -> tuple[bytes, bytes, int]:
    """(encoded body, the payload it carries, where its last-chunk line ends)."""
    chunks = draw(st.lists(st.binary(min_size=1, max_size=300), max_size=8))
    parts = []
    for chunk in chunks:
        size = draw(size_texts).format(len(chunk)).encode()
        ext = draw(extensions)
        ows = b"" if ext and draw(st.booleans()) else draw(spaces)
        parts.append(size + ext + ows + b"\r\n" + chunk + b"\r\n")
    last = draw(st.sampled_from([b"0", b"000"])) + draw(extensions) + b"\r\n"
    body = b"".join(parts) + last
    last_end = len(body)
    body += b"".join(draw(trailers)) + b"\r\n"
    return body, b"".join(chunks), last_end


cuts = st.lists(st.integers(min_value=0, max_value=10_000), max_size=12)


@settings(max_examples=300, deadline=None)
@given(chunked_bodies(), cuts)
def test_a_chunked_body_split_anywhere_decodes_as_h11_decodes_it(case: tuple[bytes, bytes, int], at: list[int]) -> None:
    body, payload, _ = case
    pieces = split(body, at)
    assert ours(None, pieces) == (payload, True, False)
    assert h11_body(CHUNKED_HEAD, pieces) == (payload, True, False)


@settings(max_examples=300, deadline=None)
@given(chunked_bodies(), st.data())
def test_a_cut_short_or_corrupted_chunked_body_is_rejected_as_h11_rejects_it(
    case: tuple[bytes, bytes, int], data: st.DataObject
) -> None:
    body, _, _ = case
    cut = data.draw(st.integers(0, len(body)))
    broken = body[:cut]
    if broken and data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(broken) - 1))
        broken = broken[:at] + bytes([data.draw(st.integers(0, 255))]) + broken[at + 1 :]
    pieces = split(broken, data.draw(cuts))
    mine, expected = ours(None, pieces), h11_body(CHUNKED_HEAD, pieces)
    if mine[1] and not expected[1]:
        # The allowed difference: the decoder stopped at the last chunk; h11 went on into broken
        # or missing trailers.  Without them h11 agrees.
        end = last_chunk_end(broken)
        assert mine[0] == expected[0]
        assert h11_body(CHUNKED_HEAD, [broken[:end] + b"\r\n"]) == mine
        return
    if LENIENT_CHUNK_FOOTER and mine[2]:
        assert expected[0].startswith(mine[0])  # refused where old h11 read on past a bad footer
        return
    assert mine == expected


def last_chunk_end(data: bytes) -> int:
    decoder = BodyDecoder(None)
    for i in range(len(data)):
        decoder.feed(data[i : i + 1])
        if decoder.done:
            return i + 1
    raise AssertionError("no last chunk")


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b"g\r\n", "not hex"),
        (b"\r\n", "empty"),
        (b"1 ;x\r\nz\r\n", "space before an extension"),
        (b" 1\r\nz\r\n", "leading space"),
        (b"0x1\r\nz\r\n", "a 0x prefix"),
        (b"1" * 21 + b"\r\n", "more than 20 hex digits"),
        (b"1\r\nzz\r\n", "data longer than announced"),
        (b"1\r\nz\n", "a bare LF after the data"),
    ],
)
def test_malformed_chunk_framing_is_a_protocol_error(line: bytes, why: str) -> None:
    assert ours(None, [line + b"0\r\n\r\n"])[2], why
    assert h11_body(CHUNKED_HEAD, [line + b"0\r\n\r\n"])[2], why


def test_the_bytes_before_a_framing_fault_are_returned_before_it_is_raised() -> None:
    decoder = BodyDecoder(None)
    assert decoder.feed(b"2\r\nok\r\n1\r\nzz") == b"okz"
    with pytest.raises(httpx.RemoteProtocolError, match="chunk footer"):
        decoder.check()  # at once: no more bytes need to arrive
    with pytest.raises(httpx.RemoteProtocolError, match="chunk footer"):
        decoder.feed(b"\r\n")


def test_an_endless_chunk_size_line_is_refused_before_it_fills_memory() -> None:
    decoder = BodyDecoder(None)
    with pytest.raises(httpx.RemoteProtocolError, match="too long"):
        for _ in range(200):
            decoder.feed(b"1" * 1024)


def test_the_body_ends_at_the_last_chunk_without_waiting_for_trailers() -> None:
    decoder = BodyDecoder(None)
    assert decoder.feed(b"3\r\nabc\r\n0\r\n") == b"abc"
    assert decoder.done
    assert decoder.feed(b"x-late: trailer\r\n\r\n") == b""


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.integers(0, 600), cuts)
def test_a_content_length_body_stops_at_its_length(data: bytes, length: int, at: list[int]) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % length
    pieces = split(data, at)
    assert ours(length, pieces) == h11_body(head, pieces)


@given(st.binary(max_size=600), cuts)
def test_a_body_without_framing_runs_until_the_connection_closes(data: bytes, at: list[int]) -> None:
    head = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n"
    pieces = split(data, at)
    assert ours(-1, pieces) == h11_body(head, pieces) == (data, True, False)
