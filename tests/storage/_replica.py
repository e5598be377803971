"""One replica of a service that keeps adoption state in Redis: run as a separate process by the tests.

``python -m tests.storage._replica <redis_url> <product> <ops.json>`` applies the ops (see
``tests/storage/test_replicas.py``) with a fixed clock and prints the results as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any
from unittest import mock

from autoplay_sdk.storage import RedisStorageAdapter, StorageManager
from tests.storage._ops import apply_op


async def _main(redis_url: str, product: str, ops: list[list[Any]]) -> list[Any]:
    adapter = RedisStorageAdapter(redis_url)
    try:
        store = StorageManager([adapter])
        with mock.patch("time.time", return_value=1000.0):
            return [await apply_op(store, product, op) for op in ops]
    finally:
        await adapter.aclose()


if __name__ == "__main__":
    with open(sys.argv[3], encoding="utf-8") as fh:
        operations = json.load(fh)
    print(json.dumps(asyncio.run(_main(sys.argv[1], sys.argv[2], operations))))
