"""Reading an HTTP/1.1 response body straight from the connection, for the stream clients.

An event stream is one long response whose body arrives as many small chunks (a server that
flushes every event sends one ``Transfer-Encoding: chunked`` chunk per event).  Read through
``httpx``, every chunk costs a trip through ``httpcore`` and ``h11`` (an event object, a state
machine step, a generator hop per layer), which is most of the cost of receiving an event.
Once ``httpx`` has the response headers, the clients therefore read the body themselves: they
take the bytes ``h11`` already received but did not parse (its public ``trailing_data``) and
then read the connection's network stream (``httpcore``'s public ``network_stream`` response
extension), undoing the body's framing here with :class:`BodyDecoder`.

This applies only when it is provably equivalent: an HTTP/1.1 response from ``httpcore``'s
connection (however many pool, proxy or ``httpx`` wrappers sit in between) whose network stream
is the one the response extension names, with no ``Content-Encoding``.  Anything else (HTTP/2,
a mock or custom transport, a compressed body, a future ``httpx``/``httpcore`` that is laid out
differently) reads through ``httpx`` as usual.  The connection is never reused afterwards:
``httpcore`` sees a body it did not finish and closes it when the response closes.

Framing follows ``h11`` (which parsed the headers): ``chunked`` when ``Transfer-Encoding`` is
present, else ``Content-Length``, else the body runs until the server closes.  Chunk-size lines
take ``h11``'s grammar (1-20 hex digits, an optional ``;extension``, optional trailing spaces
or tabs, CRLF); a chunk not followed by CRLF, a bad size line or a connection closed inside the
body raises ``httpx.RemoteProtocolError``; ``httpcore`` read errors become their ``httpx``
namesakes.  The body ends at the last chunk (trailers are not waited for).

Each connection logs at DEBUG which way its body is read (and, when through ``httpx``, why), so
a dependency upgrade that closes the direct way shows in the logs, and the test suite fails on
the locked versions when it does.  The clients' ``direct_read=False`` turns the direct read off.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from autoplay_sdk._logging import get_logger

logger = get_logger(__name__)

DIRECT = "reading the stream body straight from the connection"
THROUGH_HTTPX = "reading the stream body through httpx: %s"
READ_BYTES = 64 * 1024  # what httpcore asks the socket for
MAX_LINE_BYTES = 100 * 1024  # a chunk-size line longer than this is an error (httpcore's limit)
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,20}")
_HEX_DIGITS = b"0123456789ABCDEFabcdef"
_MAX_HOPS = 8  # wrappers between an httpx response stream and the httpcore connection
_UNKNOWN = -2  # a framing read through httpx instead


class BodyDecoder:
    """The payload bytes of one HTTP/1.1 message body, from its bytes as they arrive.

    ``BodyDecoder(None)`` reads a chunked body, ``BodyDecoder(n)`` a ``Content-Length: n`` body
    and ``BodyDecoder(-1)`` a body that ends when the connection closes.
    """

    __slots__ = ("_buf", "_crlf", "_error", "_left", "_length", "done")

    def __init__(self, length: int | None) -> None:
        self._length = length
        self._left = length if length is not None else 0  # bytes left in this chunk / the body
        self._crlf = False  # a chunk's data is complete; its CRLF is still due
        self._buf = b""  # an incomplete chunk-size line (or half of a CRLF)
        self._error: httpx.RemoteProtocolError | None = None  # raised once the bytes before it are out
        self.done = length == 0

    def feed(self, data: bytes) -> bytes:
        """Decode ``data``; return the body bytes it completes (``b""`` when none).

        Raises ``httpx.RemoteProtocolError`` for broken framing, once the body bytes before the
        fault have been returned (by this call or an earlier one).
        """
        if self._error is not None:
            raise self._error
        if self.done or not data:
            return b""
        if self._length is not None:
            if self._length < 0:
                return data
            if len(data) >= self._left:
                data = data[: self._left]
                self.done = True
            self._left -= len(data)
            return data
        return self._chunked(data)

    def check(self) -> None:
        """Raise the framing fault a previous :meth:`feed` found after returning the bytes before it."""
        if self._error is not None:
            raise self._error

    def eof(self) -> None:
        """The connection closed: raise ``httpx.RemoteProtocolError`` if the body is incomplete."""
        if self._error is not None:
            raise self._error
        if self.done or self._length == -1:
            return
        if self._length is None:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body (incomplete chunked read)"
            )
        raise httpx.RemoteProtocolError(
            f"peer closed connection without sending complete message body "
            f"(received {self._length - self._left} bytes, expected {self._length})"
        )

    def _chunked(self, data: bytes) -> bytes:
        out: list[bytes] = []
        try:
            self._chunks(data, out)
        except httpx.RemoteProtocolError as exc:
            if not out:
                raise
            self._error = exc
        if not out:
            return b""
        return out[0] if len(out) == 1 else b"".join(out)

    def _chunks(self, data: bytes, out: list[bytes]) -> None:
        buf = self._buf + data if self._buf else data
        end = len(buf)
        pos = 0
        left = self._left
        while True:
            if left:
                stop = pos + left
                if stop > end:
                    out.append(buf[pos:] if pos else buf)
                    left -= end - pos
                    pos = end
                    break
                out.append(buf[pos:stop])
                pos = stop
                left = 0
                self._crlf = True
            if self._crlf:
                if end - pos < 2:
                    if buf[pos:end] not in (b"", b"\r"):
                        raise _bad_footer(buf[pos:end])
                    break
                if not buf.startswith(b"\r\n", pos):
                    raise _bad_footer(buf[pos : pos + 2])
                pos += 2
                self._crlf = False
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                if end - pos > MAX_LINE_BYTES:
                    raise httpx.RemoteProtocolError("chunk-size line too long")
                break
            line = buf[pos:eol]
            # The usual size line is bare hex digits; anything else takes the full grammar.
            size = int(line, 16) if 0 < len(line) <= 20 and not line.strip(_HEX_DIGITS) else _chunk_size(line)
            pos = eol + 2
            if not size:
                self.done = True
                pos = end
                break
            left = size
        self._left = left
        self._buf = buf[pos:] if pos < end else b""


def _chunk_size(line: bytes) -> int:
    size, semi, _ = line.partition(b";")
    if not semi:
        size = size.rstrip(b" \t")
    if not _CHUNK_SIZE.fullmatch(size) or (semi and b"\n" in line):
        raise httpx.RemoteProtocolError(f"illegal chunk header: {line[:64]!r}")
    return int(size, 16)


def _bad_footer(got: bytes) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(f"malformed chunk footer: {got!r} (expected b'\\r\\n')")


# --------------------------------------------------------------------------- the connection


class RawBody:
    """Where a response body is read from once ``h11`` has parsed the headers, and its decoding.

    A driver yields :meth:`first`, then, while :meth:`wanted`, reads up to :data:`READ_BYTES`
    from ``stream`` (with ``timeout``) inside :meth:`reading` and yields :meth:`take` of it.
    """

    __slots__ = ("_closed", "_received", "decoder", "stream", "timeout")

    def __init__(self, stream: Any, decoder: BodyDecoder, received: bytes, closed: bool, timeout: float | None) -> None:
        self.stream = stream  # httpcore's NetworkStream / AsyncNetworkStream
        self.decoder = decoder
        self.timeout = timeout  # the request's read timeout
        self._received = received  # body bytes already read from the socket (h11's unparsed buffer)
        self._closed = closed  # the server had already closed the connection

    def first(self) -> bytes:
        """The body bytes among those ``h11`` had already received."""
        data, self._received = self.decoder.feed(self._received), b""
        return data

    def wanted(self) -> bool:
        """Whether the body goes on (another read is due); raises if it was cut short or broken."""
        self.decoder.check()
        if self.decoder.done:
            return False
        if self._closed:
            self.take(b"")
            return False
        return True

    def take(self, received: bytes) -> bytes:
        """The body bytes in one read's result; ``b""`` (end of stream) ends the body or raises."""
        if not received:
            self.decoder.eof()
            self.decoder.done = True
            return b""
        return self.decoder.feed(received)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Re-raise an ``httpcore`` read error as the ``httpx`` exception ``httpx`` would raise."""
        try:
            yield
        except Exception as exc:
            error = _transport_error(exc)
            if error is exc:
                raise
            raise error from exc


def raw_body(response: httpx.Response, *, enabled: bool = True) -> RawBody | None:
    """The direct way to ``response``'s body, or ``None`` when it must be read through ``httpx``.

    Logs the choice at DEBUG (:data:`DIRECT`, or :data:`THROUGH_HTTPX` with the reason).
    """
    found = _direct(response) if enabled else "turned off (direct_read=False)"
    if isinstance(found, str):
        logger.debug(THROUGH_HTTPX, found)
        return None
    logger.debug(DIRECT)
    return found


def _direct(response: httpx.Response) -> RawBody | str:
    """:func:`raw_body`'s answer, or why the body must be read through ``httpx``."""
    version = response.extensions.get("http_version")
    if version != b"HTTP/1.1":
        return f"not HTTP/1.1 ({version!r})"
    if response.headers.get("content-encoding"):
        return "the body has a content-encoding"
    stream = response.extensions.get("network_stream")
    if stream is None or not callable(getattr(stream, "read", None)):
        return "the transport gives no readable network_stream"
    h11_state = _h11_state(response.stream, stream)
    if h11_state is None:
        return "no httpcore HTTP/1.1 connection with h11 state behind the response"
    state = getattr(h11_state, "their_state", None)
    if getattr(state, "__name__", None) != "SEND_BODY":  # h11's states are named classes
        return f"h11 is not reading a body (state {getattr(state, '__name__', state)!r})"
    length = _framing(response.headers)
    if length is _UNKNOWN:
        return "repeated or malformed content-length"
    received, closed = h11_state.trailing_data
    timeout = response.request.extensions.get("timeout", {}).get("read")
    return RawBody(stream, BodyDecoder(length), bytes(received), bool(closed), timeout)


def _h11_state(wrapper: Any, stream: Any) -> Any:
    """The ``h11.Connection`` of the httpcore connection behind ``wrapper`` that reads ``stream``."""
    for _ in range(_MAX_HOPS):
        connection = getattr(wrapper, "_connection", None)
        if connection is not None:
            state = getattr(connection, "_h11_state", None)
            if getattr(connection, "_network_stream", None) is stream and hasattr(state, "trailing_data"):
                return state
            return None
        wrapper = getattr(wrapper, "_stream", None) or getattr(wrapper, "_httpcore_stream", None)
        if wrapper is None:
            return None
    return None


def _framing(headers: httpx.Headers) -> int | None:
    """``BodyDecoder``'s argument for these headers; ``_UNKNOWN`` when httpx should decide."""
    if "transfer-encoding" in headers:
        return None  # h11 accepts only "chunked" here
    length = headers.get_list("content-length")
    if not length:
        return -1
    value = length[0]
    if len(length) > 1 or not (value.isascii() and value.isdigit()):  # repeated or odd: h11 decides
        return _UNKNOWN
    return int(value)


def _transport_error(exc: Exception) -> Exception:
    """An ``httpcore`` exception as its ``httpx`` namesake; any other exception as is."""
    if type(exc).__module__.partition(".")[0] != "httpcore":
        return exc
    mapped = getattr(httpx, type(exc).__name__, None)
    if isinstance(mapped, type) and issubclass(mapped, httpx.TransportError):
        return mapped(str(exc))
    return httpx.TransportError(str(exc))


def iter_raw(body: RawBody) -> Iterator[bytes]:
    """The body's payload bytes, read from the connection until the body ends."""
    data = body.first()
    if data:
        yield data
    read, timeout = body.stream.read, body.timeout
    while body.wanted():
        with body.reading():
            received = read(READ_BYTES, timeout=timeout)
        data = body.take(received)
        if data:
            yield data


async def aiter_raw(body: RawBody) -> AsyncIterator[bytes]:
    """:func:`iter_raw` for an asyncio network stream."""
    data = body.first()
    if data:
        yield data
    read, timeout = body.stream.read, body.timeout
    while body.wanted():
        with body.reading():
            received = await read(READ_BYTES, timeout=timeout)
        data = body.take(received)
        if data:
            yield data
