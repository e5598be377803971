"""``autoplay-sdk serve`` explains what goes wrong: an unreachable stream, a user LLM that raises.

The command runs in-process on a thread (``stop``/``ready`` hooks) against real servers: a port
nobody listens on, the local connector, and the bridge's own uvicorn on a free port.
"""

from __future__ import annotations

import socket
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autoplay_sdk.testing import LocalConnector
from tests.api._harness import actions_event, eventually_sync
from tests.api.test_serve_cli import Serve, start, wait_for_context
from tests.cli._run import Run

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def connector() -> Iterator[LocalConnector]:
    with LocalConnector(heartbeat_s=30) as server:
        yield server


@pytest.fixture
def background() -> Iterator[list[tuple[Run, threading.Thread]]]:
    started: list[tuple[Run, threading.Thread]] = []
    yield started
    for serve, thread in started:
        serve.stop.set()
        thread.join(15)
        assert not thread.is_alive()


def flat(text: str) -> str:
    """``text`` with every run of whitespace as one space: log lines wrap at the console's width."""
    return " ".join(text.split())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_stream_is_reported_while_serve_keeps_retrying(
    background: list[tuple[Run, threading.Thread]],
) -> None:
    port = closed_port()
    stream = f"http://127.0.0.1:{port}/stream/p"
    serve = start(Serve(["--stream-url", stream, "--token", "t", "--port", "0", "--no-auth"]), background)
    cause = f"nothing is listening at 127.0.0.1:{port} (connection refused)"
    eventually_sync(lambda: flat(serve.stderr).count(cause) >= 2, what="two reported failed attempts")
    assert "retrying in 1s (attempt 1)" in flat(serve.stderr)
    base_url = serve.banner_value("Bridge URL")
    assert httpx.get(f"{base_url}/healthz").status_code == 200  # still serving
    serve.stop.set()
    background[0][1].join(15)
    assert serve.code == 0


def test_max_retries_turns_an_unreachable_stream_into_exit_2() -> None:
    port = closed_port()
    serve = Serve(
        ["--stream-url", f"http://127.0.0.1:{port}/stream/p", "--token", "t", "--port", "0", "--max-retries", "1"]
    )
    assert serve() == 2
    last = serve.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: the stream stopped: http://127.0.0.1:{port}/stream/p: gave up, max_retries=1")
    assert f"nothing is listening at 127.0.0.1:{port}" in last  # the error line is never wrapped
    assert "Traceback" not in serve.stderr


@pytest.fixture
def raising_llm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An ``--llm`` that summarises but raises when asked for a reply."""
    (tmp_path / "my_failing_llm.py").write_text(
        textwrap.dedent(
            """
            async def reply(prompt: str) -> str:
                if "[User query]" in prompt:
                    raise RuntimeError("the model provider is down")
                return "a summary"
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return "my_failing_llm:reply"


@pytest.mark.parametrize(("verbose", "traceback"), [([], False), (["-vv"], True)])
def test_a_raising_llm_answers_a_json_error_and_is_logged(
    connector: LocalConnector,
    background: list[tuple[Run, threading.Thread]],
    raising_llm: str,
    verbose: list[str],
    traceback: bool,
) -> None:
    argv = ["--stream-url", connector.stream_url, f"--token={connector.token}", "--port", "0", "--no-auth"]
    serve = start(Serve([*argv, "--llm", raising_llm, *verbose]), background)
    base_url = serve.banner_value("Bridge URL")
    connector.publish(actions_event("u1"))
    wait_for_context(base_url, "u1", {})
    reply = httpx.get(f"{base_url}/reply/u1", params={"query": "hello"})
    assert reply.status_code == 500
    assert reply.json() == {"error": "the llm raised RuntimeError", "step": "llm"}
    logged = "/reply: the llm raised RuntimeError for user u1"
    eventually_sync(lambda: logged in flat(serve.stderr), what="the log line")
    assert ('raise RuntimeError("the model provider is down")' in flat(serve.stderr)) is traceback
    assert "Exception in ASGI application" not in serve.stderr


def test_context_answers_without_a_query(
    connector: LocalConnector, background: list[tuple[Run, threading.Thread]]
) -> None:
    argv = ["--stream-url", connector.stream_url, f"--token={connector.token}", "--port", "0", "--no-auth"]
    serve = start(Serve(argv), background)
    base_url = serve.banner_value("Bridge URL")
    connector.publish(actions_event("u1", "s1", ["Clicked Export"]))
    wait_for_context(base_url, "u1", {})
    bare = httpx.get(f"{base_url}/context/u1")
    assert bare.status_code == 200
    assert bare.json()["query"] == "" and "Clicked Export" in bare.json()["context"]
