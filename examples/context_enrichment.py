"""Context for a chatbot: stream into a context store, summarise, enrich a user's question.

The LLM here is the SDK's offline stand-in (no network, no key): replace ``my_llm`` with a call
to your model, ``async (prompt: str) -> str``.

Run: python examples/context_enrichment.py [STREAM_URL [TOKEN]]
"""

import asyncio
import sys

from autoplay_sdk import (
    ActionsPayload,
    AsyncConnectorClient,
    AsyncContextStore,
    AsyncSessionSummarizer,
    SummaryPayload,
)
from autoplay_sdk.testing import PayloadRecorder, local_summarizer_llm, stream_source


async def my_llm(prompt: str) -> str:
    return await local_summarizer_llm(prompt)  # your model call goes here


async def main() -> None:
    summarizer = AsyncSessionSummarizer(llm=my_llm, threshold=10)  # a summary every 10 actions
    store = AsyncContextStore(summarizer, lookback_seconds=300, max_actions=20)  # summaries land here
    received = PayloadRecorder()

    async def on_actions(payload: ActionsPayload) -> None:
        await store.add(payload)
        await summarizer.add(payload)
        received(payload)

    with stream_source(*sys.argv[1:3]) as source:
        client = AsyncConnectorClient(url=source.url, token=source.token).on_actions(on_actions)

        async def on_summary(payload: SummaryPayload) -> None:
            await store.on_summary(payload.session_id, payload.summary)
            received(payload)

        client.on_summary(on_summary)
        task = client.run_in_background()
        await received.wait_for_async(source.expected or 10, timeout=source.timeout)  # the sample, or 10 of yours
        client.stop()
        await task
        await summarizer.flush()  # let pending summaries finish

    session_id = received.payloads[-1].session_id
    text = store.enrich(session_id, "How do I invite a teammate?", product_id=received.payloads[-1].product_id)
    print(text)


asyncio.run(main())
