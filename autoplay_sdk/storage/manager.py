"""``StorageManager``: one storage front over several adapters (a primary store plus sinks).

Writes go to every adapter, one after the other, in order; a failing adapter is logged at
WARNING (adapter class and ids only, never the document), reported to the error reporter as
``"Storage adapter write failed"``, and the others still run — nothing is raised.  Reads try
the adapters in order and return the first non-``None`` answer, so list the readable primary
first: write-only sinks always read ``None``.  The manager is itself an adapter and can be
nested.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from autoplay_sdk.observability import _forward
from autoplay_sdk.storage.base import AutoplayStorageAdapter

__all__ = ["StorageManager"]

logger = logging.getLogger(__name__)


class StorageManager(AutoplayStorageAdapter):
    """Fan writes out to ``adapters`` sequentially; read from the first that answers."""

    def __init__(self, adapters: Sequence[AutoplayStorageAdapter]) -> None:
        if not adapters:
            raise ValueError(
                "StorageManager requires at least one storage adapter. Put your primary (readable) adapter first, "
                "e.g. StorageManager([RedisStorageAdapter(redis_url=...)])."
            )
        self.adapters: list[AutoplayStorageAdapter] = list(adapters)

    async def save_user_state(self, product_id: str, user_id: str, state: dict[str, Any]) -> None:
        for adapter in self.adapters:
            try:
                await adapter.save_user_state(product_id, user_id, state)
            except Exception as exc:
                name = type(adapter).__name__
                logger.warning(
                    "storage: save_user_state failed on %s product=%s user=%s: %s",
                    name,
                    product_id,
                    user_id,
                    exc,
                    extra={"event_type": "storage_adapter_write_failed"},
                )
                _forward(
                    "Storage adapter write failed",
                    exc,
                    adapter=name,
                    operation="save_user_state",
                    product_id=product_id,
                    user_id=user_id,
                )

    async def save_session_snapshot(
        self, product_id: str, user_id: str, session_id: str, snapshot: dict[str, Any]
    ) -> None:
        for adapter in self.adapters:
            try:
                await adapter.save_session_snapshot(product_id, user_id, session_id, snapshot)
            except Exception as exc:
                name = type(adapter).__name__
                logger.warning(
                    "storage: save_session_snapshot failed on %s product=%s user=%s session=%s: %s",
                    name,
                    product_id,
                    user_id,
                    session_id,
                    exc,
                    extra={"event_type": "storage_adapter_write_failed"},
                )
                _forward(
                    "Storage adapter write failed",
                    exc,
                    adapter=name,
                    operation="save_session_snapshot",
                    product_id=product_id,
                    user_id=user_id,
                    session_id=session_id,
                )

    async def get_user_state(self, product_id: str, user_id: str) -> dict[str, Any] | None:
        for adapter in self.adapters:
            try:
                found = await adapter.get_user_state(product_id, user_id)
            except Exception as exc:
                logger.warning(
                    "storage: get_user_state failed on %s product=%s user=%s: %s",
                    type(adapter).__name__,
                    product_id,
                    user_id,
                    exc,
                    extra={"event_type": "storage_adapter_read_failed"},
                )
                continue
            if found is not None:
                return found
        return None

    async def get_session_snapshot(self, product_id: str, user_id: str, session_id: str) -> dict[str, Any] | None:
        for adapter in self.adapters:
            try:
                found = await adapter.get_session_snapshot(product_id, user_id, session_id)
            except Exception as exc:
                logger.warning(
                    "storage: get_session_snapshot failed on %s product=%s user=%s session=%s: %s",
                    type(adapter).__name__,
                    product_id,
                    user_id,
                    session_id,
                    exc,
                    extra={"event_type": "storage_adapter_read_failed"},
                )
                continue
            if found is not None:
                return found
        return None
