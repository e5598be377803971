"""``autoplay-sdk serve`` (``autoplay_sdk._cli._serve``): the bridge on uvicorn from the command line.

The command runs on a thread with the ``stop``/``ready`` hooks (or in a subprocess for Ctrl-C);
its banner is parsed for the URL and the generated key.  Waits are bounded and condition-based.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autoplay_sdk._cli import _serve
from autoplay_sdk.stream_auth import TOKEN_ENV_VAR
from autoplay_sdk.testing import LocalConnector, sample_events
from tests.api._harness import actions_event, eventually_sync
from tests.cli._run import Run, console, text

pytestmark = pytest.mark.timeout(60)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="autoplay-sdk")
    _serve.add_parser(root.add_subparsers(dest="command"))
    return root


def Serve(argv: list[str]) -> Run:
    """``autoplay-sdk serve ARGV`` through the real CLI entry point."""
    return Run(["serve", *argv])


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


def start(serve: Run, background: list[tuple[Run, threading.Thread]]) -> Run:
    thread = threading.Thread(target=serve, daemon=True)
    background.append((serve, thread))
    thread.start()
    eventually_sync(lambda: serve.ready.is_set() or not thread.is_alive(), timeout=15, what="serve to be ready")
    assert serve.ready.is_set(), serve.stderr
    return serve


def wait_for_context(base_url: str, user_id: str, headers: dict[str, str]) -> httpx.Response:
    def check() -> httpx.Response | None:
        response = httpx.get(f"{base_url}/context/{user_id}", params={"query": "q"}, headers=headers)
        return response if response.status_code == 200 else None

    return eventually_sync(check, what=f"activity of {user_id!r}")


# --------------------------------------------------------------------------- parser


def test_parser_defaults() -> None:
    args = parser().parse_args(["serve", "--stream-url", "https://connector.example/stream/p1"])
    assert (args.command, args.host, args.port, args.llm, args.no_auth) == (
        "serve",
        "127.0.0.1",
        8000,
        "autoplay_sdk.testing._summarizer:local_summarizer_llm",
        False,
    )
    assert (args.token, args.summary_threshold, args.lookback, args.duration, args.verbose) == ("", 10, 300.0, None, 0)
    assert args.llm == _serve.DEFAULT_LLM


def test_parents_supply_shared_options() -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=0)
    root = argparse.ArgumentParser(prog="autoplay-sdk")
    _serve.add_parser(root.add_subparsers(dest="command"), parents=[common])
    args = root.parse_args(["serve", "-vv", "--stream-url", "https://h/stream/p"])
    assert args.verbose == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["--stream-url", "ftp://host/stream/p"],
        ["--stream-url", "https://h/stream/p", "--port", "70000"],
        ["--stream-url", "https://h/stream/p", "--summary-threshold", "0"],
        ["--stream-url", "https://h/stream/p", "--lookback", "0"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        parser().parse_args(["serve", *argv])
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err


# --------------------------------------------------------------------------- serving


def test_serve_generates_a_key_shows_it_once_and_serves_the_stream(
    connector: LocalConnector, background: list[tuple[Run, threading.Thread]]
) -> None:
    serve = start(
        Serve(["--stream-url", connector.stream_url, f"--token={connector.token}", "--port", "0"]), background
    )
    base_url, key = serve.banner_value("Bridge URL"), serve.banner_value("API key")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
    assert len(key) >= 40 and not key.startswith("-")
    assert serve.stdout.count(key) == 1

    connector.publish(actions_event("u1", "s1", ["Clicked Export"]))
    auth = {"Authorization": f"Bearer {key}"}
    context = wait_for_context(base_url, "u1", auth).json()["context"]
    assert "Clicked Export" in context
    reply = httpx.get(f"{base_url}/reply/u1", params={"query": "what did I do?"}, headers=auth)
    assert "Clicked Export" in reply.json()["reply"]  # the default offline LLM recaps the activity
    assert httpx.get(f"{base_url}/context/u1", params={"query": "q"}).status_code == 401
    assert httpx.get(f"{base_url}/healthz").json() == {"status": "ok"}

    serve.stop.set()
    background[0][1].join(15)
    assert serve.code == 0, serve.stderr
    assert "Bridge stopped." in serve.stdout
    assert connector.token not in serve.stdout + serve.stderr


def test_serve_names_the_users_it_sees_and_lists_them_on_get_users(
    background: list[tuple[Run, threading.Thread]],
) -> None:
    events = sample_events(sessions=2)
    users = list(dict.fromkeys(e["user_id"] for e in events if e.get("user_id")))
    with LocalConnector(events, heartbeat_s=30.0) as sample:
        serve = start(
            Serve(["--stream-url", sample.stream_url, f"--token={sample.token}", "--port", "0", "--no-auth"]),
            background,
        )
        assert "GET /users" in serve.stdout  # the banner says how to find user ids
        line = eventually_sync(
            lambda: next((x for x in serve.stdout.splitlines() if "Users seen on the stream:" in x), None),
            what="the users line",
        )
        listed = httpx.get(f"{serve.banner_value('Bridge URL')}/users").json()["users"]
        serve.stop.set()
        background[0][1].join(15)
    assert all(user in line for user in users)
    assert {u["user_id"] for u in listed} == set(users)


def test_no_auth_serves_without_a_key(
    connector: LocalConnector, background: list[tuple[Run, threading.Thread]]
) -> None:
    serve = start(
        Serve(["--stream-url", connector.stream_url, f"--token={connector.token}", "--port", "0", "--no-auth"]),
        background,
    )
    assert "none (--no-auth)" in serve.stdout
    connector.publish(actions_event("u1"))
    wait_for_context(serve.banner_value("Bridge URL"), "u1", {})


def test_custom_llm_is_imported_and_used(
    connector: LocalConnector,
    background: list[tuple[Run, threading.Thread]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "my_copilot_llm.py").write_text(
        textwrap.dedent(
            """
            class Models:
                @staticmethod
                async def reply(prompt: str) -> str:
                    return "custom reply for " + prompt.split("[User query]\\n")[-1]
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    serve = start(
        Serve(
            [
                "--stream-url",
                connector.stream_url,
                f"--token={connector.token}",
                "--port",
                "0",
                "--no-auth",
                "--llm",
                "my_copilot_llm:Models.reply",
            ]
        ),
        background,
    )
    base_url = serve.banner_value("Bridge URL")
    connector.publish(actions_event("u1"))
    wait_for_context(base_url, "u1", {})
    reply = httpx.get(f"{base_url}/reply/u1", params={"query": "hello"})
    assert reply.json()["reply"] == "custom reply for hello"


def test_for_stops_by_itself(connector: LocalConnector) -> None:
    serve = Serve(["--stream-url", connector.stream_url, f"--token={connector.token}", "--port", "0", "--for", "0.3"])
    assert serve() == 0, serve.stderr
    assert serve.ready.is_set()
    assert "Bridge stopped." in serve.stdout


def test_token_falls_back_to_the_environment(
    connector: LocalConnector, background: list[tuple[Run, threading.Thread]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV_VAR, connector.token)
    serve = start(Serve(["--stream-url", connector.stream_url, "--port", "0", "--no-auth"]), background)
    connector.publish(actions_event("u1"))
    wait_for_context(serve.banner_value("Bridge URL"), "u1", {})


# --------------------------------------------------------------------------- errors


def test_missing_token_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV_VAR, raising=False)
    serve = Serve(["--stream-url", "http://127.0.0.1:1/stream/p", "--port", "0"])
    assert serve() == 2
    assert f"error: no stream token: pass --token or set {TOKEN_ENV_VAR}" in serve.stderr
    assert not serve.ready.is_set()


@pytest.mark.parametrize(
    ("llm", "message"),
    [
        ("json", "--llm expects MODULE:FUNCTION, got 'json'"),
        ("no_such_module_xyz:f", "--llm: cannot import 'no_such_module_xyz': ModuleNotFoundError"),
        ("json:nope", "--llm: 'json' has no attribute 'nope'"),
        ("json:dumps", "--llm: json:dumps must be an async function"),
    ],
)
def test_unusable_llm_exits_2(llm: str, message: str) -> None:
    serve = Serve(["--stream-url", "http://127.0.0.1:1/stream/p", "--token", "t", "--port", "0", "--llm", llm])
    assert serve() == 2
    assert message in serve.stderr


@pytest.mark.parametrize("missing", ["uvicorn", "fastapi"])
def test_missing_serve_extra_exits_2(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # makes `import <missing>` fail
    serve = Serve(["--stream-url", "http://127.0.0.1:1/stream/p", "--token", "t", "--port", "0"])
    assert serve() == 2
    assert "error: autoplay-sdk serve needs FastAPI and uvicorn: pip install 'autoplay-sdk[serve]'" in serve.stderr


def test_port_in_use_exits_2() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        serve = Serve(["--stream-url", "http://127.0.0.1:1/stream/p", "--token", "t", "--port", str(port)])
        assert serve() == 2
    assert f"error: cannot listen on 127.0.0.1:{port}" in serve.stderr


def test_rejected_stream_token_ends_the_command_with_exit_2(connector: LocalConnector) -> None:
    serve = Serve(["--stream-url", connector.stream_url, "--token", "not-the-token-42", "--port", "0"])
    assert serve() == 2
    expected = f"the stream stopped: {connector.stream_url} answered HTTP 403 Forbidden: the token was rejected"
    assert expected in serve.stderr
    assert "not-the-token-42" not in serve.stdout + serve.stderr


def test_banner_warns_when_listening_beyond_loopback() -> None:
    out = console()
    out.print(
        _serve._banner(base_url="http://0.0.0.0:8000", key=None, stream_url="https://h/s/p", llm="m:f", exposed=True)
    )
    assert "Warning: listening beyond loopback; anyone who can connect reads the data." in text(out)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_cleanly_with_exit_0(connector: LocalConnector) -> None:
    code = textwrap.dedent(
        """
        import sys
        from autoplay_sdk._cli import main
        raise SystemExit(main(sys.argv[1:]))
        """
    )
    argv = ["serve", "--stream-url", connector.stream_url, f"--token={connector.token}", "--port", "0"]
    env = {**os.environ, "COLUMNS": "120"}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    try:
        assert proc.stdout is not None
        banner = ""
        for line in proc.stdout:  # the banner is flushed as soon as the server is up
            banner += line
            if "Press Ctrl-C to stop." in line:
                break
        base_url = re.search(r"Bridge URL\s+(\S+)", banner)
        assert base_url, banner
        assert httpx.get(f"{base_url.group(1)}/healthz").status_code == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Bridge stopped." in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
