"""Built-in storage adapters.  The analytics sinks are imported from their own modules
(``autoplay_sdk.storage.adapters.amplitude`` / ``.posthog``), not from here."""

from __future__ import annotations

from autoplay_sdk.storage.adapters.memory import InMemoryStorageAdapter
from autoplay_sdk.storage.adapters.redis import RedisStorageAdapter

__all__ = ["InMemoryStorageAdapter", "RedisStorageAdapter"]
