"""The bridge and conversation links: ``POST /link`` and the linked conversation in ``/context``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import autoplay_sdk.api.fastapi as bridge
from autoplay_sdk.chat.chatbot import InMemoryConversationLinkStore
from autoplay_sdk.testing import LocalConnector
from tests.api._harness import actions_event, context_of, eventually, running

pytestmark = pytest.mark.timeout(60)


async def _llm(prompt: str) -> str:
    return "ok"


@pytest.fixture
def make_app(local_connector: LocalConnector) -> Callable[..., Any]:
    def make(**overrides: Any) -> Any:
        kwargs: dict[str, Any] = {
            "stream_url": local_connector.stream_url,
            "token": local_connector.token,
            "llm": _llm,
            "summary_threshold": 10_000,
            **overrides,
        }
        return bridge.build_copilot_app(**kwargs)

    return make


async def test_context_shows_the_linked_conversation_only_once_linked(
    make_app: Callable[..., Any], local_connector: LocalConnector
) -> None:
    app = make_app()
    assert isinstance(app.state.link_store, InMemoryConversationLinkStore)
    async with running(app) as http:
        local_connector.publish(actions_event("u1", "s1"))
        local_connector.publish(actions_event("u2", "s2"))

        async def both() -> bool:
            return bool(await context_of(http, "u1") and await context_of(http, "u2"))

        await eventually(both, what="activity of u1 and u2")
        before = (await http.get("/context/u1", params={"query": "q"})).json()
        first = await http.post("/link/u1", params={"conversation_id": "conv-1"})
        again = await http.post("/link/u2", params={"conversation_id": "conv-1"})
        empty = await http.post("/link/u1", params={"conversation_id": ""})
        after = (await http.get("/context/u1", params={"query": "q"})).json()
        other = (await http.get("/context/u2", params={"query": "q"})).json()
    assert list(before) == ["user_id", "query", "context"]  # the published response while unlinked
    assert first.json() == {"user_id": "u1", "conversation_id": "conv-1", "event": "NEW"}
    assert again.json() == {"user_id": "u2", "conversation_id": "conv-1", "event": "REPLY_EXISTING"}
    assert empty.status_code == 422
    assert list(after) == ["user_id", "query", "context", "conversation_id"]
    assert after["conversation_id"] == "conv-1" and after["context"] == before["context"]
    assert other["conversation_id"] == "conv-1"
    assert app.state.link_store.get_session_id("conv-1") == "u2"
    # the bridge keeps one 0.7.5-style SessionState() per user: no session id is forced on it
    assert app.state.session_states["u2"].session_id == ""


async def test_link_is_shared_through_redis(
    make_app: Callable[..., Any], redis_url: str, local_connector: LocalConnector
) -> None:
    """Two bridge replicas on one Redis: a link made on one is seen by the other's link index."""
    import uuid

    a = make_app(redis_url=redis_url, role="serve")
    b = make_app(redis_url=redis_url, role="serve")
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    async with running(a) as http_a, running(b):
        response = await http_a.post("/link/u7", params={"conversation_id": conversation})
        assert response.json()["event"] == "NEW"
    assert b.state.link_store.get_session_id(conversation) == "u7"
    state = b.state.session_states["u7"]
    assert state.conversation_id == conversation  # the session state is shared too
