"""``autoplay-sdk`` end to end: help, demo, tail and connector against real local servers.

Synchronisation is by events and conditions (``ready``/``stop`` hooks of ``main``, the local
connector's counters, ``--max-events``), never by sleeping.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console

from autoplay_sdk import ConnectorClient
from autoplay_sdk._cli import _commands, _common, main
from autoplay_sdk._cli._demo import DemoSection, DemoSession, run_demo
from autoplay_sdk._cli._render import tail_table
from autoplay_sdk._cli._tail import TailStats
from autoplay_sdk.core.models import ActionsPayload, AnyPayload
from autoplay_sdk.stream_auth import TOKEN_ENV_VAR
from autoplay_sdk.testing import LocalConnector, sample_events
from tests.cli._run import Run, text

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(autouse=True)
def no_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV_VAR, raising=False)


@pytest.fixture
def server() -> Iterator[LocalConnector]:
    with LocalConnector(heartbeat_s=0.2) as connector:
        yield connector


# --------------------------------------------------------------------------- parsing


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("connector", "tail", "demo"):
        assert command in out
    assert "autoplay-sdk tail http://127.0.0.1:8765/stream/demo-product" in out


@pytest.mark.parametrize("command", ["connector", "tail", "demo"])
def test_command_help(command: str) -> None:
    run = Run([command, "--help"])
    assert run() == 0, run.stderr
    assert f"usage: autoplay-sdk {command}" in run.stdout


def test_version() -> None:
    run = Run(["--version"])
    assert run() == 0, run.stderr
    assert run.stdout.startswith("autoplay-sdk ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "usage: autoplay-sdk"),
        (["tail", "not-a-url"], "expected an http(s) URL"),
        (["tail", "https://h/stream/p", "--for", "0"], "must be > 0"),
        (["demo", "--sessions", "0"], "must be >= 1"),
        (["connector", "--heartbeat", "soon"], "not a number"),
        (["nope"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str) -> None:
    run = Run(argv)
    assert run() == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


# --------------------------------------------------------------------------- demo


def test_demo_tells_a_short_story_one_session_through_the_pipeline_then_a_table() -> None:
    events = sample_events(sessions=3, seed=11, hesitant=True)  # the demo adds three hesitating sessions
    session_ids = list(dict.fromkeys(e["session_id"] for e in events))
    first_actions = ActionsPayload.from_dict(next(e for e in events if e["session_id"] == session_ids[0]))
    n_actions = sum(e["type"] == "actions" for e in events)
    n_summaries = len(events) - n_actions

    out_console = Console(file=io.StringIO(), width=80)  # a plain terminal
    run = Run(["demo", "--sessions", "3", "--seed", "11"], out=out_console)
    assert run() == 0, run.stderr

    out = run.stdout
    assert len(out.splitlines()) <= 95  # about a screen, not one panel per session
    assert "LocalConnector" in out and "examples/" in out  # what runs, and where the code is
    assert f"One session, step by step: {session_ids[0]}" in out
    steps = re.findall(r"│ (\d)\. (Stream|Typed payload|Enriched query|Assembled prompt|Reply)", out)
    assert [n for n, _ in steps] == ["1", "2", "3", "4", "5"]
    assert first_actions.to_text().splitlines()[0] in out  # "Session ps_… — N actions"
    assert "[Session context]" in out and "[CURRENT USER MESSAGE]" in out
    # Step 3 is the store's own enrich() asked for the newest three actions, shown as returned.
    assert "store.enrich(…, max_actions=3)" in out
    step3 = out[out.index("3. Enriched query") : out.index("4. Assembled prompt")]
    assert re.findall(r"│ +(\d+)\. \[\d+\] ", step3) == ["1", "2", "3"]
    assert "(the session context: its summary and newest actions, as in step 3)" in out
    table = out[out.index("The other sessions") :]
    for session_id in session_ids[1:]:
        assert session_id[:10] in table
    summary_line = " ".join(out.split())
    assert (
        f"Received {len(events)}/{len(events)} events: {n_actions} actions payloads, "
        f"{n_summaries} summary payloads from {len(session_ids)} sessions · 0 dropped" in summary_line
    )
    assert "-v for every session in full" in summary_line
    assert run.stderr == ""


def test_demo_verbose_shows_every_session_in_full_without_logs() -> None:
    events = sample_events(sessions=2, seed=11)
    first_actions = ActionsPayload.from_dict(next(e for e in events if e["type"] == "actions"))
    run = Run(["demo", "-v", "--sessions", "2", "--seed", "11"])
    assert run() == 0, run.stderr
    for session_id in dict.fromkeys(e["session_id"] for e in events):
        assert f"Session {session_id}" in run.stdout
    assert first_actions.actions[0].to_text() in run.stdout
    assert "ActionsPayload" in run.stdout and "SummaryPayload" in run.stdout
    assert run.stderr == ""  # -v is "more demo"; the SDK's logs need -vv


def test_demo_timeout_exits_2() -> None:
    run = Run(["demo", "--sessions", "1", "--timeout", "0.001"])
    assert run() == 2
    assert re.search(r"error: only \d+ of \d+ sample events arrived within 0.001 s", run.stderr)


class RecordingStage:
    """A stand-in for the context-enrichment stage a later issue adds."""

    title = "Context"

    def __init__(self) -> None:
        self.seen: list[AnyPayload] = []

    async def observe(self, payload: AnyPayload) -> None:
        self.seen.append(payload)

    async def annotate(self, session: DemoSession) -> DemoSection | None:
        mine = [p for p in self.seen if p.session_id == session.session_id]
        return DemoSection(self.title, f"{len(mine)} payloads seen for {session.session_id}")


def shape(event: dict[str, Any]) -> tuple[Any, ...]:
    if event["type"] == "actions":
        return ("actions", [(a["type"], a["description"], a["canonical_url"]) for a in event["actions"]])
    return ("summary", event["summary"], event["replaces"])


async def test_run_demo_returns_typed_payloads_and_runs_stages() -> None:
    stage = RecordingStage()
    result = await run_demo(sessions=2, seed=3, stages=[stage])

    events = sample_events(sessions=2, seed=3, hesitant=True)
    assert result.complete and result.received == result.expected == len(events)
    assert [s.session_id for s in result.sessions] == list(dict.fromkeys(e["session_id"] for e in events))
    for session in result.sessions:
        expected = [e for e in events if e["session_id"] == session.session_id]
        # Same content and per-session order (timestamps differ: sample_events places them "now").
        assert [shape(p.to_dict()) for p in session.payloads] == [shape(e) for e in expected]
        assert session.email is not None and session.user_id is not None
        assert session.sections == [DemoSection("Context", f"{len(expected)} payloads seen for {session.session_id}")]
    assert len(stage.seen) == len(events)
    assert result.stream_url.startswith("http://127.0.0.1:")


# --------------------------------------------------------------------------- tail


def test_tail_shows_the_sessions_of_a_local_stream(server: LocalConnector) -> None:
    events = sample_events(sessions=3, seed=5)
    server.publish_many(events)
    run = Run(["tail", server.stream_url, f"--token={server.token}", "--max-events", str(len(events)), "--for", "20"])
    assert run() == 0, run.stderr

    out = run.stdout
    for session_id in {e["session_id"] for e in events}:
        assert session_id in out
    assert f"{len(events)} events" in out
    assert "0 dropped" in out and "● stopped" in out
    assert server.token not in out + run.stderr


def test_tail_for_ends_by_itself(server: LocalConnector) -> None:
    run = Run(["tail", server.stream_url, f"--token={server.token}", "--for", "0.3"])
    assert run() == 0, run.stderr
    assert "waiting for events" in run.stdout
    assert "● stopped · 0 events" in run.stdout


def test_tail_sees_live_publishes(server: LocalConnector) -> None:
    run = Run(["tail", server.stream_url, f"--token={server.token}", "--for", "20", "--max-events", "1"])
    thread = threading.Thread(target=run)
    thread.start()
    if not server.wait_for_connections(1, timeout=15):
        run.stop.set()
        thread.join(10)
        pytest.fail(f"tail never connected: code={run.code} stderr={run.stderr!r}")
    server.publish(sample_events(sessions=1, seed=2)[0])
    thread.join(20)
    assert run.code == 0
    assert "1 event " in run.stdout


def test_tail_stop_is_a_clean_exit(server: LocalConnector) -> None:
    run = Run(["tail", server.stream_url, f"--token={server.token}"])
    thread = threading.Thread(target=run)
    thread.start()
    assert run.ready.wait(10)
    assert server.wait_for_connections(1)
    run.stop.set()  # what Ctrl-C does
    thread.join(10)
    assert run.code == 0
    assert "waiting for events" in run.stdout


@pytest.mark.parametrize(("token", "status"), [("wrong-secret-token", "403 Forbidden"), ("", "401 Unauthorized")])
def test_tail_fatal_http_error_exits_2_without_the_token(server: LocalConnector, token: str, status: str) -> None:
    argv = ["tail", server.stream_url, "--for", "20", "-v"] + (["--token", token] if token else [])
    run = Run(argv)
    assert run() == 2

    errors = run.stderr.strip().splitlines()
    assert errors[-1] == f"error: {server.stream_url} answered HTTP {status}: " + (
        "the token was rejected" if token else f"missing or malformed token (pass --token or set {TOKEN_ENV_VAR})"
    )
    everything = run.stdout + run.stderr
    assert "Traceback" not in everything
    assert server.token not in everything
    if token:
        assert token not in everything


def test_tail_gives_up_after_max_retries() -> None:
    with socket.socket() as sock:  # a port nobody listens on (bound, not listening)
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/stream/p"
        run = Run(["tail", url, "--max-retries", "0", "--for", "20"])
        assert run() == 2
    error = " ".join(run.stderr.split())
    assert error.startswith(f"error: {url}: gave up, max_retries=0 exhausted after 1 attempts; last failure: ")
    assert "connection lost (ConnectError" in error  # the cause, not just the count


def test_tail_shows_the_cause_while_reconnecting_and_when_giving_up(server: LocalConnector) -> None:
    server.fail_next(3, status=503)
    run = Run(["tail", server.stream_url, "--token", server.token, "--max-retries", "2", "--for", "20"])
    assert run() == 2
    error = " ".join(run.stderr.split())
    assert "gave up, max_retries=2 exhausted after 3 attempts; last failure: HTTP 503" in error
    assert server.token not in run.stdout + run.stderr


def test_tail_refuses_credentials_in_the_url_without_echoing_them(server: LocalConnector) -> None:
    url = server.stream_url.replace("http://", "http://user:secret@")
    run = Run(["tail", url, "--token", server.token, "--for", "20"])
    assert run() == 2
    assert "must not contain credentials" in run.stderr
    assert "secret" not in run.stdout + run.stderr
    assert server.connections == []  # refused before any request


def test_tail_view_names_the_last_failure_while_reconnecting() -> None:
    stats = TailStats()
    stats.connected()
    stats.failure("HTTP 503")
    stats.disconnected()
    console = Console(file=io.StringIO(), width=120)
    console.print(tail_table(stats.snapshot(), url="http://h/stream/p"))
    assert "reconnecting (1 failure, last: HTTP 503)" in text(console)


def test_tail_repeats_a_stop_that_came_before_run() -> None:
    class LateClient:
        """Ignores the first stop(), like a ConnectorClient whose run() has not started yet."""

        def __init__(self) -> None:
            self.stops = 0
            self.stopped = threading.Event()

        def stop(self) -> None:
            self.stops += 1
            if self.stops == 2:
                self.stopped.set()

    client = LateClient()
    thread = threading.Thread(target=client.stopped.wait)
    thread.start()
    _commands._stop_reader(client, thread)  # type: ignore[arg-type]
    assert not thread.is_alive() and client.stops == 2


def test_tail_view_drops_columns_on_narrow_terminals() -> None:
    stats = TailStats()
    stats.add(ActionsPayload.from_dict(sample_events(sessions=1)[0]))
    snapshot = stats.snapshot()
    session_id = snapshot.sessions[0].session_id
    for width, user, latest in [(120, True, True), (80, True, False), (50, False, False)]:
        c = Console(file=io.StringIO(), width=width)
        c.print(tail_table(snapshot, url="http://h/stream/p"))
        out = text(c)
        assert session_id in out
        assert ("User" in out) is user
        assert ("Latest action" in out) is latest
        assert max(len(line) for line in out.splitlines()) <= width


# --------------------------------------------------------------------------- connector


def test_connector_serves_sample_events_until_stopped() -> None:
    run = Run(["connector", "--port", "0", "--heartbeat", "0.5"])
    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert run.ready.wait(10)
        url = re.search(r"Stream URL\s+(\S+)", run.stdout)
        key = re.search(r"Key\s+(\S+)", run.stdout)
        assert url and key
        assert url.group(1).endswith("/stream/demo-product")
        assert run.stdout.count(key.group(1)) == 1  # the generated key is shown once
        assert not key.group(1).startswith("-")  # usable as `--token KEY`
        sample_users = {e["user_id"] for e in sample_events() if e.get("user_id")}
        users = re.search(r"User ids\s+(.+?)\s*│", run.stdout)
        assert users and set(users.group(1).split(", ")) == sample_users  # users can ask about them

        expected = len(sample_events())
        got: list[AnyPayload] = []
        all_in = threading.Event()

        def take(p: AnyPayload) -> None:
            got.append(p)
            if len(got) == expected:
                all_in.set()

        client = ConnectorClient(url.group(1), token=key.group(1))
        client.on_actions(take).on_summary(take)
        reader = client.run_in_background()
        assert all_in.wait(10)
        client.stop()
        reader.join(10)
    finally:
        run.stop.set()
        thread.join(10)
    assert run.code == 0
    assert "Local connector stopped." in run.stdout


def test_connector_does_not_echo_a_given_token_and_for_ends_it() -> None:
    run = Run(["connector", "--port", "0", "--token", "my-own-secret", "--no-sample", "--for", "0.2"])
    assert run() == 0, run.stderr
    assert "my-own-secret" not in run.stdout + run.stderr
    assert "the token given with --token" in run.stdout
    assert "nothing (--no-sample)" in run.stdout


def test_generated_keys_never_look_like_an_option() -> None:
    keys = {_common.new_key() for _ in range(200)} | {LocalConnector().token for _ in range(50)}
    assert len(keys) == 250  # random each time
    assert not any(k.startswith("-") for k in keys)


def test_connector_port_in_use_exits_2() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        run = Run(["connector", "--port", str(port)])
        assert run() == 2
    assert f"error: cannot listen on 127.0.0.1:{port}" in run.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_connector_ctrl_c_exits_0() -> None:
    code = "from autoplay_sdk._cli import main; raise SystemExit(main(['connector', '--port', '0']))"
    # PYTHONFAULTHANDLER: if it ever hangs, SIGABRT makes it print every thread's stack.
    env = {**os.environ, "COLUMNS": "120", "PYTHONFAULTHANDLER": "1"}
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:  # the banner is flushed as soon as the server is up
            if "Press Ctrl-C to stop." in line:
                break
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            out, err = proc.communicate()
            pytest.fail(f"still running 15 s after Ctrl-C; its threads:\n{err}")
    assert proc.returncode == 0, err
    assert "Local connector stopped." in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
