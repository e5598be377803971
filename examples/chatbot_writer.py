"""Deliver live activity into a support desk conversation with ``BaseChatbotWriter``.

The writer buffers a session's actions until the session is linked to a conversation, then posts
them as one note; later batches are posted as debounced follow-up notes.  A fake desk API
(``httpx.MockTransport``) stands in for Intercom, Zendesk or your own helpdesk.

Run: python examples/chatbot_writer.py [STREAM_URL [TOKEN]]
"""

import asyncio
import json
import sys

import httpx

from autoplay_sdk import ActionsPayload, AsyncConnectorClient, BaseChatbotWriter
from autoplay_sdk.testing import PayloadRecorder, stream_source

notes: list[tuple[str, str]] = []  # (conversation id, note body) as the desk received them


def fake_desk(request: httpx.Request) -> httpx.Response:
    conversation_id = request.url.path.split("/")[2]
    notes.append((conversation_id, json.loads(request.content)["body"]))
    return httpx.Response(201, json={"id": f"note-{len(notes)}"})


class MyDeskWriter(BaseChatbotWriter):
    def __init__(self, product_id: str, http: httpx.AsyncClient, **policy: float) -> None:
        super().__init__(product_id, **policy)
        self.http = http

    async def _post_note(self, conversation_id: str, body: str) -> str | None:
        response = await self.http.post(f"/conversations/{conversation_id}/notes", json={"body": body})
        return response.json()["id"] if response.is_success else None  # falsy = failure


async def main() -> None:
    received = PayloadRecorder()
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake_desk), base_url="https://desk.example") as http:
        # Keep ten minutes of pre-link history: the sample session began a few minutes ago.
        writer = MyDeskWriter("demo-product", http, pre_link_window_s=600.0)

        async def on_actions(payload: ActionsPayload) -> None:
            wire_actions = [action.to_dict() for action in payload.actions]
            await writer.write_actions("", payload.session_id, wire_actions)
            received(payload)

        with stream_source(*sys.argv[1:3], sessions=1) as source:
            client = AsyncConnectorClient(url=source.url, token=source.token).on_actions(on_actions)
            task = client.run_in_background()
            await received.wait_for_async(lambda got: len(got) >= 2, timeout=source.timeout)
            # The user opens a chat: the desk's webhook tells us which conversation it is.
            await writer.on_session_linked(received.payloads[0].session_id, "conv-42")
            client.stop()
            await task

    for conversation_id, body in notes:
        print(f"note in {conversation_id}:\n{body}\n")


asyncio.run(main())
