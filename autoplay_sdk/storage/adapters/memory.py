"""``InMemoryStorageAdapter``: a process-local store for tests and development."""

from __future__ import annotations

import copy
from typing import Any

from autoplay_sdk.storage.base import AutoplayStorageAdapter

__all__ = ["InMemoryStorageAdapter"]


class InMemoryStorageAdapter(AutoplayStorageAdapter):
    """Dicts in this process; values are deep-copied in and out; snapshots are write-once; no expiry."""

    def __init__(self) -> None:
        self._users: dict[tuple[str, str], dict[str, Any]] = {}
        self._sessions: dict[tuple[str, str, str], dict[str, Any]] = {}

    async def save_user_state(self, product_id: str, user_id: str, state: dict[str, Any]) -> None:
        self._users[(product_id, user_id)] = copy.deepcopy(state)

    async def get_user_state(self, product_id: str, user_id: str) -> dict[str, Any] | None:
        found = self._users.get((product_id, user_id))
        return copy.deepcopy(found) if found is not None else None

    async def save_session_snapshot(
        self, product_id: str, user_id: str, session_id: str, snapshot: dict[str, Any]
    ) -> None:
        self._sessions.setdefault((product_id, user_id, session_id), copy.deepcopy(snapshot))

    async def get_session_snapshot(self, product_id: str, user_id: str, session_id: str) -> dict[str, Any] | None:
        found = self._sessions.get((product_id, user_id, session_id))
        return copy.deepcopy(found) if found is not None else None
