"""The storage adapter protocol: four coroutines over JSON dicts."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["AutoplayStorageAdapter"]


@runtime_checkable
class AutoplayStorageAdapter(Protocol):
    """Where user adoption state and session snapshots live.

    Any object with these four coroutine methods qualifies.  Values are JSON-serialisable
    dicts; typed conversion happens in :mod:`autoplay_sdk.storage.lifecycle`.

    * ``save_user_state`` overwrites the user's mutable document.
    * ``get_user_state`` returns it, or ``None`` when not found (or not supported, for sinks).
    * ``save_session_snapshot`` is **write-once**: an existing ``session_id`` is never overwritten.
    * ``get_session_snapshot`` returns a snapshot, or ``None``.
    """

    async def save_user_state(self, product_id: str, user_id: str, state: dict[str, Any]) -> None: ...

    async def get_user_state(self, product_id: str, user_id: str) -> dict[str, Any] | None: ...

    async def save_session_snapshot(
        self, product_id: str, user_id: str, session_id: str, snapshot: dict[str, Any]
    ) -> None: ...

    async def get_session_snapshot(self, product_id: str, user_id: str, session_id: str) -> dict[str, Any] | None: ...
