"""RAG ingestion: embed and upsert the live stream into a vector index.

A toy bag-of-words embedding and an in-memory index stand in for your embedding model and
vector database; the pipeline calls ``embed(text)`` then ``upsert(id, vector, metadata)``.

Run: python examples/rag_ingestion.py [STREAM_URL [TOKEN]]
"""

import asyncio
import math
import re
from collections import Counter

from _source import event_source

from autoplay_sdk import AsyncConnectorClient, AsyncRagPipeline
from autoplay_sdk.testing import PayloadRecorder

index: dict[str, tuple[dict[str, float], dict]] = {}  # vector_id -> (vector, metadata)


async def embed(text: str) -> dict[str, float]:
    words = Counter(re.findall(r"[a-z]+", text.lower()))
    norm = math.sqrt(sum(n * n for n in words.values())) or 1.0
    return {word: n / norm for word, n in words.items()}


async def upsert(vector_id: str, vector: dict[str, float], metadata: dict) -> None:
    index[vector_id] = (vector, metadata)
    upserted(vector_id)


upserted = PayloadRecorder()  # records each upserted id, so the example knows when to stop


def search(query: str, k: int = 2) -> list[str]:
    wanted = asyncio.run(embed(query))
    score = {vid: sum(wanted.get(w, 0.0) * x for w, x in vec.items()) for vid, (vec, _) in index.items()}
    return sorted(score, key=score.__getitem__, reverse=True)[:k]


async def main() -> None:
    pipeline = AsyncRagPipeline(embed, upsert)
    with event_source() as source:
        client = AsyncConnectorClient(url=source.url, token=source.token)
        client.on_actions(pipeline.on_actions).on_summary(pipeline.on_summary)
        task = client.run_in_background()
        await upserted.wait_for_async(source.expected, timeout=source.timeout)
        client.stop()
        await task


asyncio.run(main())
print(f"{len(index)} vectors indexed")
for vector_id in search("billing upgrade plan"):
    print("best match:", vector_id, index[vector_id][1]["type"])
