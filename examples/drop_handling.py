"""A slow callback and a small queue: what is dropped is counted and reported, never blocking.

Run: python examples/drop_handling.py [STREAM_URL [TOKEN]]
"""

import logging
import sys
import threading
import time

from autoplay_sdk import ActionsPayload, ConnectorClient
from autoplay_sdk.testing import stream_source

logging.basicConfig(level=logging.WARNING, format="%(message)s")
log = logging.getLogger("drop_handling")

with stream_source(*sys.argv[1:3], sessions=4) as source:
    handled: list[str] = []
    first_drop = threading.Event()

    def slow(payload: ActionsPayload) -> None:
        time.sleep(0.05)  # stands in for slow work (an HTTP call, a database write)
        handled.append(payload.session_id or "")

    def on_drop(payload: dict, total_dropped: int) -> None:
        log.warning("dropped %s for %s (total %d)", payload["type"], payload.get("session_id"), total_dropped)
        first_drop.set()

    client = ConnectorClient(url=source.url, token=source.token, max_queue_size=2).on_drop(on_drop)
    client.on_actions(slow)
    thread = client.run_in_background()
    first_drop.wait(source.timeout)  # the replay outruns the slow callback
    client.stop()
    thread.join()

print(f"handled {len(handled)}, dropped {client.dropped_count}")
