"""The twins stay twins: same options where the spec says they match; config errors are clear."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpx_sse import ServerSentEvent

import autoplay_sdk.async_client as async_mod
import autoplay_sdk.client as sync_mod
from autoplay_sdk import AsyncConnectorClient, ConnectorClient
from autoplay_sdk.core.exceptions import SdkAuthError, SdkNotFoundError

SHARED = [
    "url",
    "token",
    "connect_timeout",
    "initial_backoff_s",
    "max_backoff_s",
    "max_retries",
    "on_connect",
    "on_disconnect",
    "metrics",
    "max_frame_bytes",
    "drain_timeout_s",
    "http_client",
    "headers",
    "retry",
    "last_event_id",
    "direct_read",
]
SYNC_ONLY = {"max_queue_size", "read_timeout_s"}
ASYNC_ONLY = {"session_concurrency", "max_pending", "read_timeout_s"}


def params(cls: type) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(cls).parameters)


def test_shared_options_have_the_same_defaults_and_kinds() -> None:
    sync, async_ = params(ConnectorClient), params(AsyncConnectorClient)
    for name in SHARED:
        assert sync[name].default == async_[name].default, name
        assert sync[name].kind == async_[name].kind, name
    # Positional in the published sync signature; keyword-only where it is new (async).
    assert sync["read_timeout_s"].default is async_["read_timeout_s"].default is None
    assert set(sync) - set(SHARED) == SYNC_ONLY
    assert set(async_) - set(SHARED) == ASYNC_ONLY


def test_published_positional_order_is_kept() -> None:
    assert list(params(ConnectorClient))[:11] == [
        "url",
        "token",
        "max_queue_size",
        "connect_timeout",
        "read_timeout_s",
        "initial_backoff_s",
        "max_backoff_s",
        "max_retries",
        "on_connect",
        "on_disconnect",
        "metrics",
    ]
    assert list(params(AsyncConnectorClient))[:10] == [
        "url",
        "token",
        "connect_timeout",
        "session_concurrency",
        "initial_backoff_s",
        "max_backoff_s",
        "max_retries",
        "on_connect",
        "on_disconnect",
        "metrics",
    ]
    for cls in (ConnectorClient, AsyncConnectorClient):
        published = 11 if cls is ConnectorClient else 10
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(params(cls).values())[published:])


def test_same_public_surface() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")}

    assert public(ConnectorClient) - {"queue_size"} == public(AsyncConnectorClient) - {"pending_count"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"connect_timeout": 0}, "connect_timeout must be > 0, got 0"),
        ({"initial_backoff_s": 0}, "initial_backoff_s must be > 0, got 0"),
        ({"initial_backoff_s": 5, "max_backoff_s": 1}, "max_backoff_s must be >= initial_backoff_s"),
        ({"max_retries": -1}, "max_retries must be >= 0 or None, got -1"),
        ({"max_frame_bytes": 0}, "max_frame_bytes must be >= 1, got 0"),
    ],
)
@pytest.mark.parametrize("cls", [ConnectorClient, AsyncConnectorClient])
def test_shared_validation_messages(cls: type, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        cls("http://h/stream/p", **kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (ConnectorClient, {"max_queue_size": 0}, "max_queue_size must be >= 1, got 0"),
        (AsyncConnectorClient, {"session_concurrency": 0}, "session_concurrency must be >= 1, got 0"),
        (AsyncConnectorClient, {"max_pending": 0}, "max_pending must be >= 1, got 0"),
        (AsyncConnectorClient, {"drain_timeout_s": -1}, "drain_timeout_s must be >= 0, got -1"),
        (ConnectorClient, {"drain_timeout_s": -1}, "drain_timeout_s must be >= 0, got -1"),
    ],
)
def test_specific_validation_messages(cls: type, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        cls("http://h/stream/p", **kwargs)
    assert str(info.value) == message


def test_validation_order_matches_the_published_client() -> None:
    with pytest.raises(ValueError, match="max_queue_size"):
        ConnectorClient("http://u", max_queue_size=0, connect_timeout=0)
    with pytest.raises(ValueError, match="connect_timeout"):
        AsyncConnectorClient("http://u", connect_timeout=0, session_concurrency=0)


def test_repr_and_token_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOPLAY_APP_UNKEY_TOKEN", "env-secret")
    sync = ConnectorClient("https://h/stream/p")
    async_ = AsyncConnectorClient("https://h/stream/p")
    monkeypatch.setenv("AUTOPLAY_APP_UNKEY_TOKEN", "changed-later")
    assert sync._token == async_._token == "env-secret"  # read once, at construction
    assert repr(sync) == "ConnectorClient(url='https://h/stream/p', running=False, dropped=0)"
    assert repr(async_) == "AsyncConnectorClient(url='https://h/stream/p', running=False)"


def test_builders_return_self_and_context_managers_stop() -> None:
    sync = ConnectorClient("http://u")
    assert sync.on_actions(print) is sync and sync.on_summary(print) is sync and sync.on_drop(print) is sync
    with sync as entered:
        assert entered is sync
    async_ = AsyncConnectorClient("http://u")
    assert async_.on_actions(print) is async_ and async_.on_drop(print) is async_

    async def use() -> None:
        async with async_ as entered:
            assert entered is async_

    asyncio.run(use())


def test_run_in_background_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError):
        AsyncConnectorClient("http://u").run_in_background()


# --------------------------------------------------------------------------- test doubles


class FakeSource:
    """What users' tests patch in: an object with ``iter_sse``/``aiter_sse`` and no real response."""

    def __init__(self, frames: list[ServerSentEvent]) -> None:
        self.frames = frames

    def iter_sse(self) -> Iterator[ServerSentEvent]:
        yield from self.frames

    async def aiter_sse(self) -> Any:
        for f in self.frames:
            yield f


FRAMES = [
    ServerSentEvent(event="heartbeat"),
    ServerSentEvent(data='{"type": "summary", "session_id": "s", "summary": "did things"}'),
]


def test_sync_client_works_with_a_patched_connect_sse(monkeypatch: pytest.MonkeyPatch) -> None:
    client = ConnectorClient("http://h/stream/p", max_retries=0)
    got: list[str] = []

    @contextlib.contextmanager
    def fake_connect(*_: Any, **__: Any) -> Iterator[FakeSource]:
        yield FakeSource(FRAMES)
        client.stop()

    monkeypatch.setattr(sync_mod, "connect_sse", fake_connect)
    client.on_summary(lambda p: got.append(p.summary))
    client.run()
    assert got == ["did things"]


def test_async_client_works_with_a_patched_aconnect_sse(monkeypatch: pytest.MonkeyPatch) -> None:
    client = AsyncConnectorClient("http://h/stream/p", max_retries=0)
    got: list[str] = []

    @contextlib.asynccontextmanager
    async def fake_connect(*_: Any, **__: Any) -> Any:
        yield FakeSource(FRAMES)
        client.stop()

    monkeypatch.setattr(async_mod, "aconnect_sse", fake_connect)
    client.on_summary(lambda p: got.append(p.summary))
    asyncio.run(client.run())
    assert got == ["did things"]


@pytest.mark.parametrize("status", [401, 403, 404])
def test_status_error_from_a_patched_connect_is_fatal(monkeypatch: pytest.MonkeyPatch, status: int) -> None:
    request = httpx.Request("GET", "http://h/stream/p")
    error = httpx.HTTPStatusError("x", request=request, response=httpx.Response(status, request=request))

    @contextlib.contextmanager
    def failing(*_: Any, **__: Any) -> Iterator[FakeSource]:
        raise error
        yield  # pragma: no cover

    monkeypatch.setattr(sync_mod, "connect_sse", failing)
    with pytest.raises(httpx.HTTPStatusError) as info:
        ConnectorClient("http://h/stream/p").run()
    assert isinstance(info.value, SdkAuthError if status != 404 else SdkNotFoundError)
    assert info.value.__cause__ is error
    assert info.value.response.status_code == status


def test_metrics_hook_sees_queue_depth_and_drops() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    class Hook:
        def record_queue_depth(self, **kw: Any) -> None:
            calls.append(("depth", kw))

        def record_event_dropped(self, **kw: Any) -> None:
            calls.append(("dropped", kw))

    client = ConnectorClient("http://u", max_queue_size=1, metrics=Hook())
    frame = ServerSentEvent(data='{"type": "actions", "session_id": "s", "product_id": "p"}')
    client._enqueue(frame)
    client._enqueue(frame)
    assert calls == [
        ("depth", {"depth": 1}),
        ("dropped", {"reason": "queue_full", "event_type": "actions", "session_id": "s", "product_id": "p"}),
    ]
    assert client.dropped_count == 1


def test_sync_stop_right_after_run_in_background_is_not_lost() -> None:
    # An unroutable port: if the stop were lost, run() would keep retrying forever.
    client = ConnectorClient("http://127.0.0.1:9/stream/p", initial_backoff_s=0.01, max_backoff_s=0.01)
    thread = client.run_in_background()
    client.stop()
    thread.join(5)
    assert not thread.is_alive()


def test_async_stop_right_after_run_in_background_is_not_lost() -> None:
    async def scenario() -> None:
        client = AsyncConnectorClient("http://127.0.0.1:9/stream/p", initial_backoff_s=0.01, max_backoff_s=0.01)
        task = client.run_in_background()
        client.stop()  # before the task has had a chance to enter run()
        await asyncio.wait_for(task, 5)

    asyncio.run(scenario())


def test_stop_before_a_direct_run_has_no_effect_as_published() -> None:
    client = ConnectorClient("http://127.0.0.1:9/stream/p", max_retries=0)
    client.stop()
    with pytest.raises(Exception, match="max_retries=0 exhausted"):
        client.run()  # it did run (and gave up), rather than returning at once


def test_callback_builders_are_typed_per_payload() -> None:
    import typing

    from autoplay_sdk import ActionsPayload, SummaryPayload

    for cls in (ConnectorClient, AsyncConnectorClient):
        actions = typing.get_type_hints(cls.on_actions)["fn"]
        summary = typing.get_type_hints(cls.on_summary)["fn"]
        # A checker therefore rejects ``on_actions(lambda p: p.summary)``.
        assert typing.get_args(actions)[0] == [ActionsPayload]
        assert typing.get_args(summary)[0] == [SummaryPayload]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"http_client": object()}, "http_client must be an"),
        ({"headers": {"X-A": 1}}, "headers must map str to str"),
        ({"retry": "fast"}, "retry must be a RetryPolicy"),
        ({"direct_read": "no"}, "direct_read must be True or False"),
        ({"retry": sync_mod.RetryPolicy(), "max_retries": 3}, "retry= replaces initial_backoff_s"),
    ],
)
@pytest.mark.parametrize("cls", [ConnectorClient, AsyncConnectorClient])
def test_new_options_are_validated(cls: type, kwargs: dict[str, Any], message: str) -> None:
    kwargs.setdefault("url", "http://h/stream/p")
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_a_retry_policy_object_replaces_the_scalars() -> None:
    policy = sync_mod.RetryPolicy(initial_backoff_s=0.5, max_backoff_s=4.0, max_retries=2, reset_after_s=5.0)
    assert ConnectorClient("http://h/s", retry=policy)._core.policy is policy
    assert AsyncConnectorClient("http://h/s", retry=policy)._core.policy is policy
    assert async_mod.RetryPolicy is sync_mod.RetryPolicy


def test_the_sync_backlog_keeps_the_queue_shape_users_tests_touch() -> None:
    import queue

    got: list[str] = []
    client = ConnectorClient("http://127.0.0.1:9/stream/p", max_queue_size=1, max_retries=0)
    client.on_summary(lambda p: got.append(p.summary))
    assert client._queue.empty() and client._queue.qsize() == 0
    client._queue.put_nowait({"type": "summary", "summary": "queued by hand"})
    with pytest.raises(queue.Full):
        client._queue.put_nowait({"type": "summary", "summary": "no room"})
    with pytest.raises(Exception, match="max_retries=0 exhausted"):
        client.run()  # the worker delivers what was queued before giving up
    assert got == ["queued by hand"]
