"""``AmplitudeStorageAdapter``: a write-only sink that mirrors adoption state into Amplitude.

User state becomes an ``$identify`` of user properties; each session snapshot an
``autoplay_session_captured`` event.  Reads return ``None``: list a readable adapter first in a
:class:`~autoplay_sdk.storage.StorageManager`.  Every save posts (no write-once), best effort:
failures are logged at WARNING, never raised.  The API key travels in the body, as Amplitude
requires, and is never logged.  Part of the ``analytics`` extra.
"""

from __future__ import annotations

from typing import Any

import httpx

from autoplay_sdk.storage.adapters._common import best_effort_post
from autoplay_sdk.storage.adapters._props import session_properties, user_properties
from autoplay_sdk.storage.base import AutoplayStorageAdapter

__all__ = ["AmplitudeStorageAdapter"]


class AmplitudeStorageAdapter(AutoplayStorageAdapter):
    """Post adoption state to Amplitude's HTTP API (``base_url``); ``property_prefix="ap"`` names keys ``ap_*``."""

    def __init__(
        self,
        api_key: str,
        *,
        property_prefix: str = "",
        base_url: str = "https://api2.amplitude.com/2/httpapi",
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url
        self._prefix = property_prefix
        self._client = client

    def __repr__(self) -> str:
        return f"AmplitudeStorageAdapter(base_url={self.base_url!r}, api_key='***')"

    async def save_user_state(self, product_id: str, user_id: str, state: dict[str, Any]) -> None:
        event = {
            "user_id": user_id,
            "event_type": "$identify",
            "user_properties": {"$set": user_properties(product_id, state, self._prefix)},
        }
        await best_effort_post(
            self.base_url, {"api_key": self.api_key, "events": [event]}, label=type(self).__name__, client=self._client
        )

    async def save_session_snapshot(
        self, product_id: str, user_id: str, session_id: str, snapshot: dict[str, Any]
    ) -> None:
        event = {
            "user_id": user_id,
            "event_type": "autoplay_session_captured",
            "event_properties": session_properties(product_id, session_id, snapshot),
        }
        await best_effort_post(
            self.base_url, {"api_key": self.api_key, "events": [event]}, label=type(self).__name__, client=self._client
        )

    async def get_user_state(self, product_id: str, user_id: str) -> dict[str, Any] | None:
        return None

    async def get_session_snapshot(self, product_id: str, user_id: str, session_id: str) -> dict[str, Any] | None:
        return None
