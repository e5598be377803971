"""build_copilot_app(redis_url=..., role=...) and ``autoplay-sdk serve --redis/--role`` in-process."""

from __future__ import annotations

import time
from typing import Any

import pytest

from autoplay_sdk.api import build_copilot_app
from autoplay_sdk.context.redis_store import RedisContextStore, RedisUserSessionIndex
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.testing import local_summarizer_llm
from tests.api._harness import running
from tests.buffer._helpers import RedisProcess
from tests.cli._run import Run


def _app(redis_url: str, **options: object) -> object:
    return build_copilot_app(
        stream_url="http://127.0.0.1:1/stream/p",
        token="t",
        llm=local_summarizer_llm,
        redis_url=redis_url,
        **options,  # type: ignore[arg-type]
    )


def test_bad_role_and_url_name_the_parameter(redis_url: str) -> None:
    with pytest.raises(SdkConfigError, match="role must be one of ingest, serve, got 'reader'"):
        _app(redis_url, role="reader")
    with pytest.raises(SdkConfigError, match="redis_url must be a redis://"):
        _app("http://localhost:6379")
    with pytest.raises(SdkConfigError, match="threshold"):
        _app(redis_url, summary_threshold=0)


async def test_a_serve_replica_answers_from_redis_and_503_when_it_is_down(own_redis: RedisProcess) -> None:
    store = RedisContextStore(own_redis.url, lookback_seconds=300.0, max_actions=20)
    index = RedisUserSessionIndex(store, own_redis.url, lookback_seconds=300.0)
    payload = ActionsPayload("p", "s1", "u1", None, [SlimAction("a", "Opened billing", "/billing")], 1, time.time())
    store.add(payload)
    index.add(payload)
    app: Any = _app(own_redis.url, role="serve")
    async with running(app) as http:
        body = (await http.get("/context/u1", params={"query": "q"})).json()
        assert body["context"] == "Session s1 (p):\nRecent activity:\n1. [0] : Opened billing — /billing"
        assert (await http.get("/context/nobody", params={"query": "q"})).status_code == 404
        app.state.users["u1"] = {"email": None, "last_seen_at": payload.forwarded_at}  # as the ingester does
        listed = (await http.get("/users")).json()
        assert listed == {"users": [{"user_id": "u1", "email": None, "last_seen_at": payload.forwarded_at}]}
        assert (await http.post("/admin/reset/u1")).json() == {"status": "ok", "user_id": "u1"}
        assert (await http.get("/context/u1", params={"query": "q"})).status_code == 404  # for every replica
        assert (await http.get("/users")).json() == {"users": []}
        own_redis.stop()
        down = await http.get("/context/u1", params={"query": "q"})
        assert (down.status_code, down.json()) == (503, {"detail": "Context store unavailable"})
    own_redis.start()


def test_cli_needs_a_stream_url_except_for_a_serve_replica(redis_url: str) -> None:
    run = Run(["serve", "--port", "0", "--token", "t"])
    assert run() == 2
    assert "--stream-url is required (except with --redis URL --role serve)" in run.stderr
    alone = Run(
        ["serve", "--port", "0", "--token", "t", "--stream-url", "http://127.0.0.1:1/stream/p", "--role", "serve"]
    )
    assert alone() == 2
    assert "error: --role needs --redis URL" in alone.stderr
    bad = Run(["serve", "--port", "0", "--no-auth", "--redis", "http://" + redis_url[8:], "--role", "serve"])
    assert bad() == 2
    assert "error: redis_url must be a redis://, rediss:// or unix:// URL" in bad.stderr


def test_building_a_redis_app_connects_nothing() -> None:
    app: Any = _app("redis://127.0.0.1:1/0", role="serve")  # nothing listens there
    assert type(app.state.user_index).__name__ == "RedisUserSessionIndex"
    assert type(app.state.session_states).__name__ == "RedisSessionStateStore"


def test_a_redis_app_builds_only_what_its_role_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import autoplay_sdk.api.fastapi as bridge
    from autoplay_sdk import AsyncConnectorClient
    from autoplay_sdk.context.redis_ingest import RedisIngester

    built: list[str] = []
    real_compose, real_client = bridge.compose_chat_pipeline, bridge.AsyncConnectorClient

    def compose(**options: Any) -> Any:
        built.append("pipeline")
        return real_compose(**options)

    class CountedClient(real_client):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built.append("bridge client")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(bridge, "compose_chat_pipeline", compose)
    monkeypatch.setattr(bridge, "AsyncConnectorClient", CountedClient)
    serve: Any = _app("redis://127.0.0.1:1/0", role="serve")
    assert built == [] and serve.state.pipeline is None and serve.state.connector_client is None
    ingest: Any = _app("redis://127.0.0.1:1/0", role="ingest")
    assert built == [] and ingest.state.pipeline is None
    client = ingest.state.connector_client  # the ingester's own client, the only one built
    assert isinstance(client, AsyncConnectorClient) and not isinstance(client, CountedClient)
    memory: Any = build_copilot_app(stream_url="http://127.0.0.1:1/stream/p", token="t", llm=local_summarizer_llm)
    assert built == ["pipeline", "bridge client"] and memory.state.pipeline is not None
    assert RedisIngester.__module__ == "autoplay_sdk._fleet.ingest"  # public path, fleet home


async def test_an_ingest_replica_reports_a_dead_stream(redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio
    import logging

    import httpx

    from autoplay_sdk.testing import LocalConnector

    with LocalConnector() as connector:
        app: Any = build_copilot_app(
            stream_url=connector.stream_url,
            token="wrong-token-123",
            llm=local_summarizer_llm,
            redis_url=redis_url,
            role="ingest",
        )
        with pytest.raises(httpx.HTTPStatusError):
            async with running(app) as http:
                await asyncio.wait({app.state.connector_task}, timeout=20)
                assert (await http.get("/healthz")).status_code == 200  # the routes keep serving
                errors = [r for r in caplog.records if r.name == "autoplay_sdk.api.fastapi"]
                assert errors and errors[0].levelno == logging.ERROR
                assert "HTTPStatusError (HTTP 403)" in errors[0].getMessage()
    assert all("wrong-token-123" not in r.getMessage() for r in caplog.records)
