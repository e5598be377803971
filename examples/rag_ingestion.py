"""RAG ingestion: embed and upsert the live stream into a vector index.

A toy hashed bag-of-words embedding and an in-memory index stand in for your embedding model and
vector database; the pipeline calls ``embed(text)`` then ``upsert(id, vector, metadata)``.

Run: python examples/rag_ingestion.py [STREAM_URL [TOKEN]]
"""

import asyncio
import math
import re
import sys
import zlib

from autoplay_sdk import AsyncConnectorClient, AsyncRagPipeline
from autoplay_sdk.testing import PayloadRecorder, stream_source

DIMENSIONS = 256
index: dict[str, tuple[list[float], dict]] = {}  # vector_id -> (vector, metadata)


async def embed(text: str) -> list[float]:
    # Your embedding model goes here, e.g. with openai_client = openai.AsyncOpenAI():
    # return (await openai_client.embeddings.create(model="text-embedding-3-small", input=text)).data[0].embedding
    vector = [0.0] * DIMENSIONS
    for word in re.findall(r"[a-z]+", text.lower()):
        vector[zlib.crc32(word.encode()) % DIMENSIONS] += 1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


async def upsert(vector_id: str, vector: list[float], metadata: dict) -> None:
    # Your vector database goes here, e.g. await vector_db.upsert([(vector_id, vector, metadata)])
    index[vector_id] = (vector, metadata)
    upserted(vector_id)


upserted = PayloadRecorder()  # records each upserted id, so the example knows when to stop


def search(query: str, k: int = 2) -> list[str]:
    wanted = asyncio.run(embed(query))
    score = {vid: sum(a * b for a, b in zip(wanted, vec, strict=True)) for vid, (vec, _) in index.items()}
    return sorted(score, key=score.__getitem__, reverse=True)[:k]


async def main() -> None:
    pipeline = AsyncRagPipeline(embed, upsert)
    with stream_source(*sys.argv[1:3]) as source:
        client = AsyncConnectorClient(url=source.url, token=source.token)
        client.on_actions(pipeline.on_actions).on_summary(pipeline.on_summary)
        task = client.run_in_background()
        await upserted.wait_for_async(source.expected or 10, timeout=source.timeout)  # the sample, or 10 of yours
        client.stop()
        await task


asyncio.run(main())
print(f"{len(index)} vectors indexed")
for vector_id in search("billing upgrade plan"):
    print("best match:", vector_id, index[vector_id][1]["type"])
