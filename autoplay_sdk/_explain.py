"""Wrong inputs that explain themselves: the stream URL check and one-line failure descriptions.

:func:`check_stream_url` refuses, at construction, a stream URL that cannot work: no scheme, a
scheme other than ``http``/``https``, no host, or credentials in it.  The error is an
:class:`InvalidUrlError`, which is both :class:`~autoplay_sdk.core.exceptions.SdkConfigError` (the
SDK's configuration error) and ``ValueError`` (what every other constructor argument raises), and
its message starts with the parameter's name.  An empty URL is accepted: hosts build clients
before they know where to connect (a Redis reader replica never connects), and ``run()`` then
reports the missing scheme on every attempt.

:func:`describe_error` turns a failed attempt into one line a user can act on: a TLS handshake
answered in plain HTTP says to use ``http://``, a refused connection says nothing listens there.
"""

from __future__ import annotations

import errno
import ssl

import httpx

from autoplay_sdk.core.exceptions import SdkConfigError

_SCHEMES = ("http", "https")


class InvalidUrlError(SdkConfigError, ValueError):
    """A URL argument that cannot work; the message names the parameter."""


def check_stream_url(url: object, *, param: str = "url") -> None:
    """Raise :class:`InvalidUrlError` unless ``url`` is empty or an ``http(s)://host…`` URL without credentials."""
    if not isinstance(url, str):
        raise InvalidUrlError(f"{param} must be a str, got {type(url).__name__}")
    if not url:
        return
    scheme, sep, _ = url.partition("://")
    if not sep:
        example = f"http://{url.lstrip('/')}"
        raise InvalidUrlError(
            f"{param} has no scheme: expected http:// or https://, for example {param}={example!r}"
            if "@" not in url
            else f"{param} has no scheme: expected http:// or https://"
        )
    if scheme.lower() not in _SCHEMES:
        raise InvalidUrlError(f"{param} must start with http:// or https://, got a {scheme.lower()!r} URL")
    try:
        parsed = httpx.URL(url)
    except Exception as exc:
        raise InvalidUrlError(f"{param} is not a valid URL: {exc}") from None
    if parsed.userinfo:
        raise InvalidUrlError(f"{param} must not contain credentials (user:password@host); pass the token as token=")
    if not parsed.host:
        raise InvalidUrlError(f"{param} has no host: expected http(s)://<host>/stream/<product_id>")


def describe_error(exc: BaseException, url: str | None = None) -> str:
    """``"<ErrorType>: <what happened, and what to do when known>"`` for a failed attempt.

    ``url`` is where the attempt went, for errors that do not carry their request (older
    httpcore versions let a bare ``ssl.SSLError`` through).
    """
    text = str(exc)
    hint = _hint(exc, text, url)
    if hint:
        return f"{type(exc).__name__}: {hint}"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _where(exc: BaseException, fallback: str | None = None) -> str:
    try:
        url = exc.request.url  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):  # httpx raises RuntimeError when no request is attached
        url = None
    if not isinstance(url, httpx.URL):
        try:
            url = httpx.URL(fallback) if fallback else None
        except Exception:
            url = None
    if url is None or not url.host:
        return "the server"
    port = f":{url.port}" if url.port is not None else ""
    return f"the server at {url.host}{port}"


def _hint(exc: BaseException, text: str, url: str | None) -> str:
    if not isinstance(exc, (httpx.TransportError, ssl.SSLError)):
        return ""
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text.lower():
        return f"{_where(exc, url)} speaks plain HTTP, not TLS; use an http:// URL ({text})"
    if _refused(exc) or "Connection refused" in text:
        where = _where(exc, url)
        place = where.removeprefix("the server at ") if where != "the server" else "that address"
        return f"nothing is listening at {place} (connection refused)"
    return ""


def _refused(exc: BaseException) -> bool:
    """Whether a connection refusal is anywhere in the chain (asyncio wraps it twice)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError) or (
            isinstance(current, OSError) and current.errno == errno.ECONNREFUSED
        ):
            return True
        current = current.__cause__ or current.__context__
    return False
