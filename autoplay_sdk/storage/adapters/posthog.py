"""``PostHogStorageAdapter``: a write-only sink that mirrors adoption state into PostHog.

User state becomes a ``$set`` of person properties; each session snapshot an
``autoplay_session_captured`` event, both through ``{host}/capture/``.  Reads return ``None``.
Every save posts (no write-once), best effort: failures are logged at WARNING, never raised.
The project API key travels in the body, as PostHog requires, and is never logged.  Part of the
``analytics`` extra.
"""

from __future__ import annotations

from typing import Any

import httpx

from autoplay_sdk.storage.adapters._common import best_effort_post
from autoplay_sdk.storage.adapters._props import session_properties, user_properties
from autoplay_sdk.storage.base import AutoplayStorageAdapter

__all__ = ["PostHogStorageAdapter"]


class PostHogStorageAdapter(AutoplayStorageAdapter):
    """Post adoption state to PostHog at ``host`` (trailing ``/`` removed)."""

    def __init__(
        self,
        api_key: str,
        *,
        host: str = "https://app.posthog.com",
        property_prefix: str = "",
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.api_key = api_key
        self.host = host.rstrip("/")
        self._prefix = property_prefix
        self._client = client

    def __repr__(self) -> str:
        return f"PostHogStorageAdapter(host={self.host!r}, api_key='***')"

    async def _post(self, payload: dict[str, Any]) -> None:
        await best_effort_post(f"{self.host}/capture/", payload, label=type(self).__name__, client=self._client)

    async def save_user_state(self, product_id: str, user_id: str, state: dict[str, Any]) -> None:
        await self._post(
            {
                "api_key": self.api_key,
                "distinct_id": user_id,
                "event": "$set",
                "properties": {"$set": user_properties(product_id, state, self._prefix)},
            }
        )

    async def save_session_snapshot(
        self, product_id: str, user_id: str, session_id: str, snapshot: dict[str, Any]
    ) -> None:
        await self._post(
            {
                "api_key": self.api_key,
                "distinct_id": user_id,
                "event": "autoplay_session_captured",
                "properties": session_properties(product_id, session_id, snapshot),
            }
        )

    async def get_user_state(self, product_id: str, user_id: str) -> dict[str, Any] | None:
        return None

    async def get_session_snapshot(self, product_id: str, user_id: str, session_id: str) -> dict[str, Any] | None:
        return None
