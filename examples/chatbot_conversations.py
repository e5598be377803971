"""The whole chatbot flow, offline: stream → session state → conversation link → notes in the chat.

1. A local connector streams a user's activity; ``AutoplayChatbotManager.on_actions`` keeps a
   session state per session and hands the actions to the writer, which buffers them (the
   session has no conversation yet).
2. The user opens a chat.  The chat platform's webhook (simulated here) names the conversation;
   ``on_chatbot_event`` links the session to it, and the writer posts the buffered activity as
   one note.  Later activity follows as debounced notes.
3. A proactive message for the session would go to the linked conversation.

A fake helpdesk API (``httpx.MockTransport``) stands in for Intercom, Zendesk or your own desk.
Across replicas, pass ``AsyncRedisSessionStateStore`` and ``RedisConversationLinkStore`` to the
manager instead of the in-memory defaults.

Run: python examples/chatbot_conversations.py
"""

import asyncio
import json
from typing import Any

import httpx

from autoplay_sdk import ActionsPayload, AsyncConnectorClient, BaseChatbotWriter, ConversationEvent
from autoplay_sdk.chat.chatbot import AutoplayChatbotManager, resolve_linked_conversation_id
from autoplay_sdk.observability import set_error_reporter
from autoplay_sdk.testing import LocalConnector, PayloadRecorder, sample_events

notes: list[tuple[str, str]] = []  # (conversation id, note body) as the desk received them
two_notes = asyncio.Event()


def fake_desk(request: httpx.Request) -> httpx.Response:
    conversation_id = request.url.path.split("/")[2]
    notes.append((conversation_id, json.loads(request.content)["body"]))
    if len(notes) >= 2:
        two_notes.set()
    return httpx.Response(201, json={"id": f"note-{len(notes)}"})


class DeskWriter(BaseChatbotWriter, strict_session_link=True):
    """Posts notes to the desk; understands the desk's "conversation started" webhook."""

    SESSION_LINK_WEBHOOK_TOPICS = ("conversation.user.created",)

    def __init__(self, http: httpx.AsyncClient) -> None:
        # Keep an hour of pre-link history (the sample session began minutes ago); batch follow-ups.
        super().__init__("demo-product", pre_link_window_s=3600.0, post_link_debounce_s=0.2)
        self.http = http

    @classmethod
    def _parse_session_link_webhook_payload(cls, payload: dict[str, Any]) -> ConversationEvent | None:
        data = payload.get("data") or {}
        return ConversationEvent(str(data["id"]), external_id=str(data["user"]["external_id"]))

    async def _post_note(self, conversation_id: str, body: str) -> str | None:
        response = await self.http.post(f"/conversations/{conversation_id}/notes", json={"body": body})
        return response.json()["id"] if response.is_success else None


def report(event: str, *, exc: BaseException | None = None, **context: Any) -> None:
    print(f"reported: {event} {context}")  # in production: Sentry, Datadog, ...


async def main() -> None:
    set_error_reporter(report)
    events = [e for e in sample_events(sessions=1) if e["type"] == "actions"]
    before_chat, after_chat = events[:3], events[3:6]
    sessions_by_user: dict[str, str] = {}
    received = PayloadRecorder()

    async with httpx.AsyncClient(transport=httpx.MockTransport(fake_desk), base_url="https://desk.example") as http:
        manager = AutoplayChatbotManager(DeskWriter(http))

        async def on_actions(payload: ActionsPayload) -> None:
            await manager.on_actions(payload)
            if payload.user_id and payload.session_id:
                sessions_by_user[payload.user_id] = payload.session_id
            received(payload)

        with LocalConnector(before_chat) as connector:
            client = AsyncConnectorClient(url=connector.stream_url, token=connector.token).on_actions(on_actions)
            task = client.run_in_background()
            await received.wait_for_async(len(before_chat), timeout=10)
            print(f"before the chat: {len(notes)} notes posted")

            # The user opens the chat widget; the desk calls our webhook.
            user_id = received.payloads[0].user_id
            webhook = {"topic": "conversation.user.created", "data": {"id": "conv-7", "user": {"external_id": user_id}}}
            event = DeskWriter.extract_conversation_event(webhook)
            assert event is not None
            session_id = sessions_by_user[event.external_id]
            link = await manager.on_chatbot_event(session_id, event.conversation_id, {"user_id": user_id})
            print(f"linked {link.session_id} to {link.conversation_id} ({link.event.value})")

            connector.publish_many(after_chat)
            await received.wait_for_async(len(before_chat) + len(after_chat), timeout=10)
            await asyncio.wait_for(two_notes.wait(), timeout=10)
            client.stop()
            await task

    state = await manager.session_store.get(session_id)
    assert state is not None
    state.tick()
    _, reason = state.can_deliver_proactive()  # (True, "ok") unless engaged or cooling down
    print(f"proactive target: {resolve_linked_conversation_id(state)} ({reason})\n")
    for conversation_id, body in notes:
        print(f"note in {conversation_id}:\n{body}\n")
    set_error_reporter(None)


asyncio.run(main())
