"""RAG ingestion: :class:`RagPipeline` and :class:`AsyncRagPipeline` (defined in ``.ingest``)."""

from autoplay_sdk.rag.ingest.ingest import AsyncRagPipeline, RagPipeline

__all__ = ["AsyncRagPipeline", "RagPipeline"]
