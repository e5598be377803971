"""``build_copilot_app`` in process (spec 03 §7): an ASGI client against the app, the stream from a
real local connector on 127.0.0.1.  Every wait polls a condition against a deadline."""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
import time
import types
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

import autoplay_sdk.api
import autoplay_sdk.api.fastapi as bridge
from autoplay_sdk.async_client import AsyncConnectorClient
from autoplay_sdk.chat.chat_pipeline import AsyncChatPipeline, compose_chat_pipeline
from autoplay_sdk.context.user_index import UserSessionIndex
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.prompts import RAG_SYSTEM_PROMPT
from autoplay_sdk.stream_auth import TOKEN_ENV_VAR
from autoplay_sdk.testing import LocalConnector
from tests.api._harness import actions_event, context_of, eventually, running, summary_event

pytestmark = pytest.mark.timeout(60)

NO_SUMMARIES = 10_000  # a summary threshold no test reaches, so the LLM only sees /reply prompts


class Llm:
    """An async LLM double that records every prompt."""

    def __init__(self, reply: object = "Open Reports, then click Export.") -> None:
        self.reply = reply
        self.prompts: list[str] = []

    async def __call__(self, prompt: str) -> Any:
        self.prompts.append(prompt)
        if isinstance(self.reply, BaseException):
            raise self.reply
        return self.reply


@pytest.fixture
def make_app(local_connector: LocalConnector) -> Callable[..., Any]:
    def make(**overrides: Any) -> Any:
        kwargs: dict[str, Any] = {
            "stream_url": local_connector.stream_url,
            "token": local_connector.token,
            "llm": Llm(),
            "summary_threshold": NO_SUMMARIES,
        }
        kwargs.update(overrides)
        return bridge.build_copilot_app(**kwargs)

    return make


@pytest.fixture
def no_session_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``autoplay_sdk.agent_state.v2`` unimportable, whether or not it exists in this build."""
    monkeypatch.setitem(sys.modules, "autoplay_sdk.agent_state.v2", None)


@pytest.fixture
def fake_session_state(monkeypatch: pytest.MonkeyPatch) -> type[Any]:
    class SessionState:
        created = 0

        def __init__(self) -> None:
            SessionState.created += 1

    module = types.ModuleType("autoplay_sdk.agent_state.v2")
    module.SessionState = SessionState  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "autoplay_sdk.agent_state.v2", module)
    return SessionState


async def wait_for_context(http: httpx.AsyncClient, user_id: str, needle: str = "", **headers: str) -> str:
    async def check() -> str | None:
        text = await context_of(http, user_id, **headers)
        return text if text is not None and needle in text else None

    return await eventually(check, what=f"activity of {user_id!r} containing {needle!r}")


# --------------------------------------------------------------------------- import surface


def test_public_surface_matches_the_spec() -> None:
    assert autoplay_sdk.api.__all__ == ["build_copilot_app"]
    assert bridge.__all__ == ["build_copilot_app"]
    assert autoplay_sdk.api.build_copilot_app is bridge.build_copilot_app
    assert bridge.LlmCallable == Callable[[str], Awaitable[str]]
    assert bridge.AsyncConnectorClient is AsyncConnectorClient
    assert bridge.compose_chat_pipeline is compose_chat_pipeline
    assert bridge.UserSessionIndex is UserSessionIndex
    assert bridge.RAG_SYSTEM_PROMPT is RAG_SYSTEM_PROMPT
    public = {n for n, v in vars(bridge).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert {"build_copilot_app", "LlmCallable"} <= public
    assert "logger" not in public  # this module keeps its logger private (spec 03 §8: it logs almost nothing)


def test_signature_is_keyword_only_with_the_published_defaults_plus_api_key() -> None:
    sig = inspect.signature(bridge.build_copilot_app)
    assert [(p.name, p.kind, p.default) for p in sig.parameters.values()] == [
        ("stream_url", inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.empty),
        ("token", inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.empty),
        ("llm", inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.empty),
        ("summary_threshold", inspect.Parameter.KEYWORD_ONLY, 10),
        ("lookback_seconds", inspect.Parameter.KEYWORD_ONLY, 300.0),
        ("system_prompt", inspect.Parameter.KEYWORD_ONLY, None),
        ("api_key", inspect.Parameter.KEYWORD_ONLY, None),
        ("redis_url", inspect.Parameter.KEYWORD_ONLY, None),
        ("role", inspect.Parameter.KEYWORD_ONLY, "ingest"),
        ("max_retries", inspect.Parameter.KEYWORD_ONLY, None),
    ]
    assert not inspect.iscoroutinefunction(bridge.build_copilot_app)
    with pytest.raises(TypeError):
        bridge.build_copilot_app("http://x/stream/p", "t", Llm())  # type: ignore[misc]


# --------------------------------------------------------------------------- construction


def test_building_needs_no_loop_and_connects_nothing(local_connector: LocalConnector) -> None:
    app = bridge.build_copilot_app(stream_url=local_connector.stream_url, token=local_connector.token, llm=Llm())

    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    assert isinstance(app.state.pipeline, AsyncChatPipeline)
    assert isinstance(app.state.user_index, UserSessionIndex)
    assert isinstance(app.state.connector_client, AsyncConnectorClient)
    assert app.state.session_states == {}
    assert app.state.connector_task is None
    assert local_connector.connections == []
    assert app.title == "FastAPI"  # nothing but the lifespan is passed to FastAPI


def test_invalid_settings_propagate_the_pipeline_errors() -> None:
    with pytest.raises(SdkConfigError, match=r"^threshold must be >= 1, got 0$"):
        bridge.build_copilot_app(stream_url="http://127.0.0.1:1/stream/p", token="t", llm=Llm(), summary_threshold=0)
    with pytest.raises(ValueError, match=r"^lookback_seconds must be > 0, got 0$"):
        bridge.build_copilot_app(stream_url="http://127.0.0.1:1/stream/p", token="t", llm=Llm(), lookback_seconds=0)


@pytest.mark.parametrize("bad", ["", "has space", "tab\there", "caf\u00e9", 42])
def test_a_malformed_api_key_is_a_config_error_that_does_not_echo_it(bad: Any) -> None:
    with pytest.raises(SdkConfigError, match="api_key") as info:
        bridge.build_copilot_app(stream_url="http://127.0.0.1:1/stream/p", token="t", llm=Llm(), api_key=bad)
    if isinstance(bad, str) and bad:
        assert bad not in str(info.value)


# --------------------------------------------------------------------------- routes


async def test_healthz(make_app: Callable[..., Any]) -> None:
    async with running(make_app()) as http:
        response = await http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_context_returns_the_streamed_activity_of_that_user(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    async with running(make_app()) as http:
        local_connector.publish(actions_event("u1", "s1", ["Clicked Export", "Opened billing"]))
        await wait_for_context(http, "u1")
        response = await http.get("/context/u1", params={"query": "how do I export?"})

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["user_id", "query", "context"]
    assert body["user_id"] == "u1"
    assert body["query"] == "how do I export?"
    assert body["context"] == (
        "Session s1 (demo-product):\nRecent activity:\n"
        "1. [0] click: Clicked Export \u2014 /reports\n2. [1] click: Opened billing \u2014 /reports"
    )


async def test_context_query_is_optional_and_reply_still_requires_it(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    async with running(make_app()) as http:
        local_connector.publish(actions_event("u1"))
        await wait_for_context(http, "u1")
        empty = await http.get("/context/u1", params={"query": ""})
        missing = await http.get("/context/u1")
        missing_reply = await http.get("/reply/u1")

    assert empty.status_code == 200 and empty.json()["query"] == ""
    assert missing.status_code == 200
    assert missing.json() == {**empty.json(), "query": ""}  # the same context, an empty query echoed
    assert missing_reply.status_code == 422
    assert missing_reply.json()["detail"][0]["loc"] == ["query", "query"]


async def test_unknown_user_gets_404(make_app: Callable[..., Any]) -> None:
    llm = Llm()
    async with running(make_app(llm=llm)) as http:
        context = await http.get("/context/nobody", params={"query": "q"})
        reply = await http.get("/reply/nobody", params={"query": "q"})
    for response in (context, reply):
        assert (response.status_code, response.json()) == (404, {"detail": "No activity found for user"})
    assert llm.prompts == []


async def test_reply_sends_one_prompt_with_the_exact_layout(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    llm = Llm("Click **Export** on the Reports page.")
    async with running(make_app(llm=llm, system_prompt="You are the Tasklane copilot.")) as http:
        local_connector.publish(actions_event("u1", "s1", ["Clicked Export"]))
        activity = await wait_for_context(http, "u1")
        response = await http.get("/reply/u1", params={"query": "where is my file?"})

    assert response.status_code == 200
    assert list(response.json()) == ["user_id", "query", "reply", "context"]
    assert response.json() == {
        "user_id": "u1",
        "query": "where is my file?",
        "reply": "Click **Export** on the Reports page.",
        "context": activity,
    }
    assert llm.prompts == [
        "You are the Tasklane copilot.\n\n[User ID]\nu1\n\n[Recent activity]\n"
        f"{activity}\n\n[User query]\nwhere is my file?"
    ]


@pytest.mark.parametrize("system_prompt", [None, ""])
async def test_reply_defaults_to_the_raw_rag_system_prompt(
    make_app: Callable[..., Any], local_connector: LocalConnector, system_prompt: str | None
) -> None:
    llm = Llm()
    async with running(make_app(llm=llm, system_prompt=system_prompt)) as http:
        local_connector.publish(actions_event("u1"))
        await wait_for_context(http, "u1")
        assert (await http.get("/reply/u1", params={"query": "q"})).status_code == 200

    (prompt,) = llm.prompts
    assert prompt.startswith(RAG_SYSTEM_PROMPT["content"] + "\n\n[User ID]\nu1\n\n[Recent activity]\n")
    assert "{user_question}" in prompt  # the template's placeholders reach the LLM unformatted


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (RuntimeError("LLM quota exceeded for alice@example.com"), "the llm raised RuntimeError"),
        (42, "the llm must return str, got int"),
        (None, "the llm must return str, got NoneType"),
    ],
)
async def test_reply_is_a_json_500_naming_the_llm_step_and_the_error_is_logged_with_its_traceback(
    make_app: Callable[..., Any],
    local_connector: LocalConnector,
    caplog: pytest.LogCaptureFixture,
    reply: object,
    error: str,
) -> None:
    caplog.set_level(logging.ERROR, logger="autoplay_sdk.api.fastapi")
    async with running(make_app(llm=Llm(reply))) as http:  # the app itself raises nothing
        local_connector.publish(actions_event("u1"))
        await wait_for_context(http, "u1")
        response = await http.get("/reply/u1", params={"query": "q"})
        healthy = await http.get("/context/u1", params={"query": "q"})
    assert response.status_code == 500
    assert response.json() == {"error": error, "step": "llm"}
    assert "alice@example.com" not in response.text  # the exception's text may hold user data
    assert healthy.status_code == 200  # the app keeps serving
    (record,) = [r for r in caplog.records if r.name == "autoplay_sdk.api.fastapi"]
    assert "/reply" in record.getMessage() and "u1" in record.getMessage()
    if isinstance(reply, Exception):
        assert record.exc_info is not None and record.exc_info[1] is reply  # the traceback is kept


async def test_admin_reset_forgets_the_user_until_new_activity_arrives(
    make_app: Callable[..., Any], local_connector: LocalConnector, fake_session_state: type[Any]
) -> None:
    app = make_app()
    async with running(app) as http:
        local_connector.publish(actions_event("u1", "s1", ["Clicked Export"]))
        await wait_for_context(http, "u1")
        assert "u1" in app.state.session_states

        reset = await http.post("/admin/reset/u1")
        assert (reset.status_code, reset.json()) == (200, {"status": "ok", "user_id": "u1"})
        assert await context_of(http, "u1") is None
        assert (await http.get("/reply/u1", params={"query": "q"})).status_code == 404
        assert "u1" not in app.state.session_states

        # The context store is not cleared: a later action re-indexes the session, older context included.
        local_connector.publish(actions_event("u1", "s1", ["Opened billing"], first_index=1))
        text = await wait_for_context(http, "u1", "Opened billing")
        assert "Clicked Export" in text

        unknown = await http.post("/admin/reset/never-seen")
        wrong_method = await http.get("/admin/reset/u1")
    assert (unknown.status_code, unknown.json()) == (200, {"status": "ok", "user_id": "never-seen"})
    assert wrong_method.status_code == 405


async def test_users_lists_who_was_seen_most_recent_first_and_forgets_reset_users(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    async with running(make_app()) as http:
        assert (await http.get("/users")).json() == {"users": []}
        local_connector.publish(actions_event("u1", "s1", ["Clicked Export"]))
        local_connector.publish({**actions_event("u2", "s2", ["Opened billing"]), "email": "b@example.com"})
        await wait_for_context(http, "u2")
        listed = (await http.get("/users")).json()["users"]
        await http.post("/admin/reset/u2")
        after_reset = (await http.get("/users")).json()["users"]
    assert [u["user_id"] for u in listed] == ["u2", "u1"]
    assert listed[0]["email"] == "b@example.com"
    assert listed[0]["last_seen_at"] >= listed[1]["last_seen_at"]
    assert [u["user_id"] for u in after_reset] == ["u1"]


async def test_stream_summaries_are_ignored(make_app: Callable[..., Any], local_connector: LocalConnector) -> None:
    async with running(make_app()) as http:
        local_connector.publish(actions_event("u1", "s1", ["Clicked Export"]))
        await wait_for_context(http, "u1")
        local_connector.publish(summary_event("s1", "CONNECTOR-SUMMARY-TEXT"))
        local_connector.publish(actions_event("u2", "s2", ["Opened billing"]))
        await wait_for_context(http, "u2")  # the stream is read in order: the summary went by
        text = await context_of(http, "u1")
    assert text is not None and "CONNECTOR-SUMMARY-TEXT" not in text


async def test_the_same_llm_writes_the_session_summaries(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    llm = Llm("Ada exported the quarterly report.")
    async with running(make_app(llm=llm, summary_threshold=2)) as http:
        local_connector.publish(actions_event("u1", "s1", ["Clicked Export", "Opened billing"]))
        text = await wait_for_context(http, "u1", "Ada exported the quarterly report.")
    assert "Summary: Ada exported the quarterly report." in text
    assert len(llm.prompts) == 1 and "Clicked Export" in llm.prompts[0]


async def test_no_route_returns_another_users_activity(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    llm = Llm()
    async with running(make_app(llm=llm)) as http:
        local_connector.publish(actions_event("u1", "s1", ["Alice secret click"]))
        local_connector.publish(actions_event("u2", "s2", ["Bob private click"]))
        await wait_for_context(http, "u1")
        await wait_for_context(http, "u2")
        u1 = (await http.get("/context/u1", params={"query": "q"})).text
        await http.get("/reply/u1", params={"query": "q"})
    assert "Alice secret click" in u1 and "Bob private click" not in u1
    assert "Bob private click" not in llm.prompts[0]


# --------------------------------------------------------------------------- the actions callback


async def test_session_state_is_created_once_per_user_when_agent_state_v2_exists(
    make_app: Callable[..., Any], local_connector: LocalConnector, fake_session_state: type[Any]
) -> None:
    app = make_app()
    async with running(app) as http:
        local_connector.publish(actions_event("u1", "s1", ["a"]))
        local_connector.publish(actions_event(None, "s9", ["anonymous"]))
        local_connector.publish(actions_event("u1", "s1", ["b"], first_index=1))
        local_connector.publish(actions_event("u2", "s2", ["c"]))
        await wait_for_context(http, "u1", "b")
        await wait_for_context(http, "u2")
        first = app.state.session_states["u1"]
    assert set(app.state.session_states) == {"u1", "u2"}
    assert isinstance(first, fake_session_state)
    assert fake_session_state.created == 2  # the second u1 action kept the existing state


async def test_session_state_step_is_skipped_without_agent_state_v2(
    make_app: Callable[..., Any], local_connector: LocalConnector, no_session_state: None
) -> None:
    app = make_app()
    async with running(app) as http:
        local_connector.publish(actions_event("u1"))
        await wait_for_context(http, "u1")
    assert app.state.session_states == {}


async def test_a_failing_pipeline_step_skips_indexing(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    app = make_app()
    failed = asyncio.Event()

    async def broken(payload: Any) -> None:
        failed.set()
        raise RuntimeError("store down")

    app.state.pipeline.on_actions = broken
    async with running(app) as http:
        local_connector.publish(actions_event("u1"))
        await asyncio.wait_for(failed.wait(), 10)
        app.state.pipeline.on_actions = AsyncChatPipeline.on_actions.__get__(app.state.pipeline)
        local_connector.publish(actions_event("u2", "s2"))
        await wait_for_context(http, "u2")  # later events flow again
        assert await context_of(http, "u1") is None


async def test_an_empty_token_falls_back_to_the_environment(
    local_connector: LocalConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV_VAR, local_connector.token)
    app = bridge.build_copilot_app(stream_url=local_connector.stream_url, token="", llm=Llm())
    async with running(app) as http:
        local_connector.publish(actions_event("u1"))
        await wait_for_context(http, "u1")


# --------------------------------------------------------------------------- lifespan


async def test_callback_is_registered_at_startup_not_at_build(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    app = make_app()
    local_connector.publish(actions_event("u1"))
    assert local_connector.connections == []
    assert app.state.connector_client._callbacks == {}  # nothing consumed before startup
    async with running(app) as http:
        assert set(app.state.connector_client._callbacks) == {"actions"}  # summaries are not wired
        assert isinstance(app.state.connector_task, asyncio.Task)
        await wait_for_context(http, "u1")  # replayed from the log once the stream opens
    assert app.state.connector_task.done()


async def test_fatal_stream_error_is_logged_when_it_happens_and_reraised_at_shutdown(
    local_connector: LocalConnector, caplog: pytest.LogCaptureFixture
) -> None:
    app = bridge.build_copilot_app(stream_url=local_connector.stream_url, token="wrong-token-123", llm=Llm())
    with pytest.raises(httpx.HTTPStatusError) as info:
        async with running(app) as http:
            await asyncio.wait({app.state.connector_task}, timeout=10)
            assert app.state.connector_task.done()
            # The routes keep serving while the stream is dead.
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/context/u1", params={"query": "q"})).status_code == 404
            errors = [r for r in caplog.records if r.name == "autoplay_sdk.api.fastapi"]
            assert [r.levelno for r in errors] == [logging.ERROR]
            assert "HTTPStatusError (HTTP 403)" in errors[0].getMessage()
            assert local_connector.stream_url in errors[0].getMessage()
    assert info.value.response.status_code == 403
    assert all("wrong-token-123" not in r.getMessage() for r in caplog.records)


async def test_defect_shutdown_is_prompt_on_an_idle_stream() -> None:
    with LocalConnector(heartbeat_s=30) as quiet:  # connected, and nothing arrives for 30 s
        app = bridge.build_copilot_app(stream_url=quiet.stream_url, token=quiet.token, llm=Llm())
        async with running(app):
            await eventually(_has_connections(quiet), what="the stream to be open")
            started = time.monotonic()
        elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert app.state.connector_task.done() and not app.state.connector_task.cancelled()


async def test_defect_shutdown_right_after_startup_is_prompt(caplog: pytest.LogCaptureFixture) -> None:
    # The reader must have started before the app is up: a stop() issued before the client's
    # run() begins would otherwise be lost and shutdown would fall back to cancelling it.
    with LocalConnector(heartbeat_s=30) as quiet:
        app = bridge.build_copilot_app(stream_url=quiet.stream_url, token=quiet.token, llm=Llm())
        started = time.monotonic()
        async with running(app):
            pass
        elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert [r for r in caplog.records if r.name == "autoplay_sdk.api.fastapi"] == []


def _has_connections(server: LocalConnector) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(server.connections) >= 1

    return check


class _StubbornClient:
    """A reader like the reference's: ``stop()`` only sets a flag it never checks while idle."""

    swallow_cancel = True

    def __init__(self, url: str, token: str) -> None:
        self.stopped = False

    def on_actions(self, fn: Any) -> _StubbornClient:
        return self

    def run_in_background(self) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            if not self.swallow_cancel:
                raise

    def stop(self) -> None:
        self.stopped = True


@pytest.mark.parametrize("swallow_cancel", [True, False])
async def test_defect_shutdown_cancels_a_reader_that_ignores_stop(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, swallow_cancel: bool
) -> None:
    monkeypatch.setattr(bridge, "AsyncConnectorClient", _StubbornClient)
    monkeypatch.setattr(bridge, "_STOP_GRACE_S", 0.2)
    monkeypatch.setattr(_StubbornClient, "swallow_cancel", swallow_cancel)
    app = bridge.build_copilot_app(stream_url="http://127.0.0.1:1/stream/p", token="t", llm=Llm())

    async def start_and_stop() -> None:
        async with running(app):
            pass

    started = time.monotonic()
    await asyncio.wait_for(start_and_stop(), 5)  # fails fast (TimeoutError) if shutdown hangs
    elapsed = time.monotonic() - started

    assert elapsed < 2.0
    assert app.state.connector_client.stopped
    assert app.state.connector_task.done()
    (warning,) = [r for r in caplog.records if r.name == "autoplay_sdk.api.fastapi"]
    assert warning.getMessage() == "autoplay_sdk: bridge: the stream reader did not stop within 0.2 s; cancelling it"


# --------------------------------------------------------------------------- api_key


PROTECTED = [
    ("GET", "/context/u1?query=q"),
    ("GET", "/reply/u1?query=q"),
    ("POST", "/admin/reset/u1"),
    ("GET", "/users"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    ("GET", "/openapi.json"),
    ("GET", "/no-such-route"),
]


BAD_AUTHORIZATIONS = [
    None,
    "Bearer wrong-key",
    "Basic c2VjcmV0LWtleS0x",
    "secret-key-1",
    "Bearer",
    "Bearer secret-key-1x",
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_api_key_guards_every_route_but_healthz(make_app: Callable[..., Any], method: str, path: str) -> None:
    app = make_app(api_key="secret-key-1")
    async with running(app) as http:
        for authorization in BAD_AUTHORIZATIONS:
            headers = {} if authorization is None else {"Authorization": authorization}
            response = await http.request(method, path, headers=headers)
            assert response.status_code == 401, authorization
            assert response.json() == {"detail": "Not authenticated"}
            assert response.headers["www-authenticate"] == "Bearer"
        health = await http.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


async def test_rejected_requests_never_reach_the_handlers(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    llm = Llm()
    auth = {"Authorization": "Bearer secret-key-1"}
    async with running(make_app(api_key="secret-key-1", llm=llm)) as http:
        local_connector.publish(actions_event("u1"))
        await wait_for_context(http, "u1", **auth)
        assert (await http.post("/admin/reset/u1")).status_code == 401
        assert (await http.get("/reply/u1", params={"query": "q"})).status_code == 401
        assert await context_of(http, "u1", **auth)  # not reset
    assert llm.prompts == []  # no LLM call on the caller's behalf


async def test_api_key_lets_the_right_bearer_through(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    app = make_app(api_key="secret-key-1")
    auth = {"Authorization": "Bearer secret-key-1"}
    async with running(app) as http:
        local_connector.publish(actions_event("u1"))
        await wait_for_context(http, "u1", **auth)
        assert (await http.get("/reply/u1", params={"query": "q"}, headers=auth)).status_code == 200
        assert (await http.get("/docs", headers={"authorization": "bearer secret-key-1"})).status_code == 200
        assert (await http.get("/openapi.json", headers=auth)).status_code == 200
        assert (await http.post("/admin/reset/u1", headers=auth)).status_code == 200
        assert (await http.get("/no-such-route", headers=auth)).status_code == 404
    assert "secret-key-1" not in repr(vars(app.state))


async def test_without_api_key_the_published_open_app_is_kept(make_app: Callable[..., Any]) -> None:
    async with running(make_app()) as http:
        assert (await http.get("/docs")).status_code == 200
        assert (await http.get("/openapi.json")).status_code == 200
        assert (await http.post("/admin/reset/u1")).status_code == 200


async def test_logs_never_carry_tokens_keys_or_activity(
    make_app: Callable[..., Any], local_connector: LocalConnector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="autoplay_sdk")
    app = make_app(api_key="secret-key-1", summary_threshold=1)
    auth = {"Authorization": "Bearer secret-key-1"}
    async with running(app) as http:
        local_connector.publish(actions_event("u1", "s1", ["Alice secret click"]))
        await wait_for_context(http, "u1", **auth)
        await http.get("/reply/u1", params={"query": "my private question"}, headers=auth)
        await http.get("/context/u1", params={"query": "q"}, headers={"Authorization": "Bearer nope"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("secret-key-1", local_connector.token, "Alice secret click", "my private question"):
        assert secret not in text


@pytest.fixture(autouse=True)
def _no_leftover_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(TOKEN_ENV_VAR, raising=False)
    yield


@pytest.mark.parametrize("stream_url", ["127.0.0.1:8765/stream/p", "ftp://h/stream/p", "http://u:pw@h/stream/p"])
def test_a_stream_url_that_cannot_work_is_refused_naming_stream_url(stream_url: str) -> None:
    with pytest.raises(SdkConfigError, match=r"^stream_url ") as info:
        bridge.build_copilot_app(stream_url=stream_url, token="t", llm=Llm())
    assert isinstance(info.value, ValueError) and "pw" not in str(info.value)
