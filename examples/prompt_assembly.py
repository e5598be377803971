"""Build the prompt of a chatbot reply from what the user just did, across two chat turns.

``assemble_rag_chat_context`` gathers the user's recent activity (and, on the second turn, what
they did since their previous message); ``format_rag_system_prompt`` fills the versioned
``RAG_SYSTEM_PROMPT``.  Nothing here calls a model: send the two strings to yours.

Run: python examples/prompt_assembly.py [STREAM_URL [TOKEN]]
"""

import asyncio
import sys
import time

from autoplay_sdk import ActionsPayload, AsyncConnectorClient, AsyncContextStore
from autoplay_sdk.prompts import RAG_SYSTEM_PROMPT
from autoplay_sdk.rag.query import (
    ChatWatermarkScope,
    InMemoryInboundWatermarkStore,
    RagChatProviders,
    assemble_rag_chat_context,
    cutoff_for_delta_activity,
    effective_inbound_timestamp,
    format_rag_system_prompt,
)
from autoplay_sdk.testing import PayloadRecorder, stream_source


async def main() -> None:
    store = AsyncContextStore(lookback_seconds=3600, max_actions=5)  # the 5 latest actions
    received = PayloadRecorder()

    async def on_actions(payload: ActionsPayload) -> None:
        await store.add(payload)
        received(payload)

    with stream_source(*sys.argv[1:3], sessions=1) as source:
        client = AsyncConnectorClient(url=source.url, token=source.token).on_actions(on_actions)
        task = client.run_in_background()
        await received.wait_for_async(lambda got: len(got) >= 3, timeout=source.timeout)
        client.stop()
        await task
    last: ActionsPayload = received.payloads[-1]

    async def session_activity(session_id: str) -> str:
        return store.get(session_id, product_id=last.product_id)

    async def activity_since(session_id: str, cutoff: float) -> str:
        return store.get(session_id, product_id=last.product_id, lookback_seconds=max(1.0, time.time() - cutoff))

    providers = RagChatProviders(session_activity_local=session_activity, session_activity_since=activity_since)
    watermarks = InMemoryInboundWatermarkStore()
    scope = ChatWatermarkScope("conv-1", product_id=last.product_id)

    for turn, (question, sent_at) in enumerate(
        [("How do I add a task?", last.forwarded_at - 30), ("And assign it?", last.forwarded_at)], start=1
    ):
        previous = await watermarks.get_previous_inbound_at(scope)
        user_block, assembly = await assemble_rag_chat_context(
            product_id=last.product_id or "",
            integration_config={},
            conversation_id="conv-1",
            user_message=question,
            email=last.email or "",
            session_id=last.session_id,
            activity_since_cutoff=cutoff_for_delta_activity(previous),
            providers=providers,
        )
        system = format_rag_system_prompt(
            template_content=RAG_SYSTEM_PROMPT["content"], assembly=assembly, user_question=question
        )
        print(
            f"--- turn {turn}: system prompt {RAG_SYSTEM_PROMPT['name']} v{RAG_SYSTEM_PROMPT['version']}, "
            f"{len(system)} characters; user message:"
        )
        print(user_block)
        await watermarks.set_last_inbound_at(scope, effective_inbound_timestamp(sent_at))


asyncio.run(main())
