"""Pull mode with an in-memory EventBuffer: collect the stream, process it in batches.

    python examples/buffer_memory.py                      # against a local connector it starts
    python examples/buffer_memory.py URL --token TOKEN    # against a real connector stream

With no URL it starts a local connector with sample sessions and ends once they are all
processed; with a URL it runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import threading

from autoplay_sdk import ActionsPayload, ConnectorClient, EventBuffer
from autoplay_sdk.testing import stream_source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", help="connector stream URL (default: start a local connector)")
    parser.add_argument("--token", default="", help="bearer token (default: $AUTOPLAY_APP_UNKEY_TOKEN)")
    parser.add_argument("--batch-every", type=float, default=0.5, metavar="SECONDS")
    args = parser.parse_args()

    dropped: list[object] = []
    buffer = EventBuffer(max_size=1000, on_drop=dropped.append)  # oldest evicted when full
    # Your stream, or else a local connector with 4 sample sessions (expected: how many it serves).
    with stream_source(args.url, args.token, sessions=4) as source:
        url, token, expected = source.url, source.token, source.expected
        client = ConnectorClient(url, token=token)
        client.on_actions(buffer.add).on_summary(buffer.add)  # add() is thread-safe
        reader = client.run_in_background()
        processed = 0
        done = threading.Event()
        try:
            while not done.wait(args.batch_every):
                batch = buffer.drain()  # everything so far, oldest first
                actions = [p for p in batch if isinstance(p, ActionsPayload)]
                processed += len(batch)
                if batch:
                    print(f"batch: {len(actions)} actions payloads, {len(batch) - len(actions)} summaries")
                    for payload in actions[:2]:
                        print("  " + payload.to_text().splitlines()[0])
                if expected is not None and processed >= expected:
                    done.set()
        except KeyboardInterrupt:
            pass
        finally:
            client.stop()
            reader.join(15)
    print(f"processed {processed} payloads, {len(dropped)} evicted")


if __name__ == "__main__":
    main()
