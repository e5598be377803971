"""What every ``autoplay-sdk`` command shares: exit codes, argument checks, hints, keys, error text.

One place, so the commands cannot drift apart: the same option is validated the same way, a
generated key has one format, a refused stream is explained with the same words, and counted
nouns read the same everywhere.  No other ``_cli`` module defines a helper of this kind.
"""

from __future__ import annotations

import argparse
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from rich.console import Console
from rich.text import Text

from autoplay_sdk._explain import describe_error
from autoplay_sdk._logging import redact_url
from autoplay_sdk.core.exceptions import SdkError, SdkUpstreamError
from autoplay_sdk.stream_auth import TOKEN_ENV_VAR

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "LOOPBACK",
    "NO_SESSION_LABEL",
    "Runtime",
    "describe_failure",
    "error_line",
    "int_in",
    "new_key",
    "plural",
    "positive_float",
    "redact_url",
    "stream_url",
]

EXIT_OK = 0
EXIT_ERROR = 2

NO_SESSION_LABEL = "(no session)"
"""How ``tail`` and ``demo`` label payloads that carry no session id."""

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts that only this machine can reach; any other ``--host`` gets a warning in the banner."""

FATAL_HINTS = {
    401: f"missing or malformed token (pass --token or set {TOKEN_ENV_VAR})",
    403: "the token was rejected",
    404: "unknown product: check the product id in the stream URL",
}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 session"``, ``"3 sessions"``; ``many`` for irregular plurals."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def error_line(message: str) -> Text:
    """``error: <message>`` in red; the message is shown verbatim (no markup)."""
    return Text.assemble(("error: ", "bold red"), message)


@dataclass
class Runtime:
    """What a command needs from its surroundings (injectable for tests)."""

    console: Console
    err_console: Console
    stop: threading.Event
    """Set it to end ``connector``, ``tail`` or ``serve`` as if Ctrl-C had been pressed."""
    ready: threading.Event
    """Set once the command serves (``connector``, ``serve``) or reads (``tail``)."""

    def error(self, message: str) -> int:
        """Print ``error: <message>`` on the error console; returns :data:`EXIT_ERROR`."""
        self.err_console.print(error_line(message), soft_wrap=True, highlight=False)
        return EXIT_ERROR


# --------------------------------------------------------------------------- argument types


def positive_float(text: str) -> float:
    """An argparse type: a number ``> 0``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def int_in(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in ``[minimum, maximum]`` (no upper bound when ``None``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if maximum is None and value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        if maximum is not None and not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be between {minimum} and {maximum}, got {value}")
        return value

    return parse


def stream_url(text: str) -> str:
    """An argparse type: an ``http(s)://`` URL with a host; the error shows it redacted."""
    scheme, _, rest = text.partition("://")
    if scheme.lower() not in ("http", "https") or not rest.strip("/"):
        raise argparse.ArgumentTypeError(
            f"expected an http(s) URL such as https://host/stream/<product_id>, got {redact_url(text)!r}"
        )
    return text


# --------------------------------------------------------------------------- keys and failures


def new_key() -> str:
    """A random bearer key, 48 hex characters: it never starts with ``-``, so ``--token KEY`` works."""
    return secrets.token_hex(24)


def describe_failure(exc: BaseException, safe_url: str, last_failure: str = "") -> str:
    """One line explaining why a stream stopped, never with a token or credentials.

    A refused stream names the status and a hint (401/403/404); a client that gave up after
    ``max_retries`` names the last failed attempt's cause when ``last_failure`` is known.
    """
    if isinstance(exc, httpx.HTTPStatusError):
        response = exc.response
        status = response.status_code
        hint = FATAL_HINTS.get(status, "the connector refused the stream")
        reason = f" {response.reason_phrase}" if response.reason_phrase else ""
        return f"{safe_url} answered HTTP {status}{reason}: {hint}"
    if isinstance(exc, SdkUpstreamError) and exc.attempts:
        head = f"max_retries={exc.attempts - 1} exhausted after {exc.attempts} attempts"
        last = exc.__cause__
        last_failure = last_failure or (describe_error(last) if last is not None else "")
        cause = f"; last failure: {last_failure}" if last_failure else ""
        return f"{safe_url}: gave up, {head}{cause}"
    if isinstance(exc, SdkError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
