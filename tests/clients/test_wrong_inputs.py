"""Wrong inputs that explain themselves: a URL that cannot work, a port nobody listens on, https
to a plain-HTTP server, and a program that configured no logging.

Every failure is met for real: a raw socket server answers TLS with plain HTTP, a closed port
refuses, and whole programs run in subprocesses to see what reaches their stderr.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

from autoplay_sdk import AsyncConnectorClient, ConnectorClient, SdkConfigError, SdkUpstreamError
from tests.clients._harness import KINDS, make_client

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run_once(kind: str, url: str) -> SdkUpstreamError:
    """Run a client that gives up after its first failed attempt; return what it raised."""
    client = make_client(kind, url, max_retries=0)
    with pytest.raises(SdkUpstreamError) as info:
        if isinstance(client, AsyncConnectorClient):
            asyncio.run(client.run())
        else:
            client.run()
    return info.value


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- refused at construction


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "127.0.0.1:8765/stream/p",
            r"^url has no scheme: expected http:// or https://, for example "
            r"url='http://127.0.0.1:8765/stream/p'$",
        ),
        ("stream/p", r"^url has no scheme"),
        ("ftp://host/stream/p", r"^url must start with http:// or https://, got a 'ftp' URL$"),
        ("ws://host/stream/p", r"^url must start with http:// or https://, got a 'ws' URL$"),
        ("http:///stream/p", r"^url has no host"),
        ("http://user:pw@127.0.0.1/stream/p", r"^url must not contain credentials \(user:password@host\)"),
        ("https://user@host/stream/p", r"^url must not contain credentials"),
    ],
)
def test_a_url_that_cannot_work_is_refused_at_construction_naming_url(kind: str, url: str, message: str) -> None:
    cls = ConnectorClient if kind == "sync" else AsyncConnectorClient
    with pytest.raises(SdkConfigError, match=message) as info:
        cls(url, token="t")
    assert isinstance(info.value, ValueError)  # as every other constructor argument error is
    assert "pw" not in str(info.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/stream/p", "HTTPS://h.example/stream/p", "http://[::1]/s"])
def test_a_usable_url_is_accepted(kind: str, url: str) -> None:
    cls = ConnectorClient if kind == "sync" else AsyncConnectorClient
    assert cls(url).dropped_count == 0


# --------------------------------------------------------------------------- failures that say what to do


def test_a_refused_port_says_nothing_is_listening(kind: str) -> None:
    port = closed_port()
    error = run_once(kind, f"http://127.0.0.1:{port}/stream/p")
    assert f"nothing is listening at 127.0.0.1:{port} (connection refused)" in str(error)


def test_https_to_a_plain_http_server_says_to_use_http(kind: str) -> None:
    # A raw socket server that answers whatever arrives (here a TLS ClientHello) in plain HTTP.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    try:
        error = run_once(kind, f"https://127.0.0.1:{port}/stream/p")
    finally:
        listener.close()
    assert f"the server at 127.0.0.1:{port} speaks plain HTTP, not TLS; use an http:// URL" in str(error)


# --------------------------------------------------------------------------- visible by default


def _program(body: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "AUTOPLAY_SDK_LOG"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(body)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, **(env or {})},
    )


_GIVE_UP = """
    import sys
    from autoplay_sdk import ConnectorClient, SdkUpstreamError
    {setup}
    client = ConnectorClient("http://127.0.0.1:{port}/stream/p", max_retries=1, initial_backoff_s=0.01)
    try:
        client.run()
    except SdkUpstreamError:
        print("gave up")
"""


def test_a_failing_connection_reaches_stderr_in_a_program_that_configured_no_logging() -> None:
    port = closed_port()
    result = _program(_GIVE_UP.format(setup="", port=port))
    assert result.stdout == "gave up\n"  # the 0.7.5 exception, unchanged
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"autoplay_sdk: connection lost (ConnectError: nothing is listening at 127.0.0.1:{port} "
        "(connection refused)) — retrying in 0s (attempt 1)"
    )
    assert lines[-1] == "autoplay_sdk: max_retries=1 exhausted — giving up"
    assert "connecting to" not in result.stderr  # INFO stays quiet


def test_the_application_logging_configuration_alone_decides_once_there_is_one() -> None:
    setup = "import logging; logging.basicConfig(level=logging.CRITICAL, format='app: %(message)s')"
    result = _program(_GIVE_UP.format(setup=setup, port=closed_port()))
    assert result.stdout == "gave up\n"
    assert result.stderr == "app: autoplay_sdk: max_retries=1 exhausted — giving up\n"


@pytest.mark.parametrize(
    ("value", "shows", "hides"),
    [
        ("info", ["INFO autoplay_sdk.client: autoplay_sdk: connecting to http://127.0.0.1:"], ["DEBUG"]),
        ("DEBUG", ["INFO autoplay_sdk.client: autoplay_sdk: connecting to"], []),
        ("warning", ["WARNING autoplay_sdk.client: autoplay_sdk: connection lost (ConnectError: "], ["INFO"]),
        ("off", [], ["autoplay_sdk"]),
    ],
)
def test_autoplay_sdk_log_switches_sdk_logging_on_or_off(value: str, shows: list[str], hides: list[str]) -> None:
    result = _program(_GIVE_UP.format(setup="", port=closed_port()), env={"AUTOPLAY_SDK_LOG": value})
    assert result.stdout == "gave up\n"
    for text in shows:
        assert text in result.stderr
    for text in hides:
        assert text not in result.stderr
    if value != "off":  # one handler: each record once, never also through the last-resort handler
        assert result.stderr.count("exhausted — giving up") == 1


def test_an_unknown_autoplay_sdk_log_value_changes_nothing() -> None:
    result = _program(_GIVE_UP.format(setup="", port=closed_port()), env={"AUTOPLAY_SDK_LOG": "loud"})
    assert result.stdout == "gave up\n"
    assert result.stderr.splitlines()[-1] == "autoplay_sdk: max_retries=1 exhausted — giving up"
    assert "connecting to" not in result.stderr


def test_describe_error_without_a_request_or_a_hint_keeps_the_transport_text() -> None:
    from autoplay_sdk._explain import describe_error

    assert describe_error(ConnectionRefusedError(111, "Connection refused")) == (
        "ConnectionRefusedError: [Errno 111] Connection refused"  # not a transport error: as is
    )
    import httpx

    assert describe_error(httpx.ConnectError("[Errno 111] Connection refused")) == (
        "ConnectError: nothing is listening at that address (connection refused)"
    )
    assert describe_error(httpx.ReadTimeout("timed out")) == "ReadTimeout: timed out"
    assert describe_error(httpx.ConnectError("")) == "ConnectError"
