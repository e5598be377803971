"""RAG ingestion (``rag.ingest``: embed + upsert from the live stream) and query-time assembly (``rag.query``).

The package re-exports the two ingestion classes; the query-time names live in
:mod:`autoplay_sdk.rag.query` (and are re-exported by the package root).
"""

from autoplay_sdk.rag.ingest import AsyncRagPipeline, RagPipeline

__all__ = ["RagPipeline", "AsyncRagPipeline"]  # noqa: RUF022 - the published order
