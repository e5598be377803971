"""The sync client in the background, as a context manager, waiting without sleeps.

Run: python examples/background_client.py [STREAM_URL [TOKEN]]
"""

import sys

from autoplay_sdk import ConnectorClient
from autoplay_sdk.testing import PayloadRecorder, stream_source

with stream_source(*sys.argv[1:3]) as source:  # your stream, or a local connector with a sample
    received = PayloadRecorder()  # a thread-safe callback that keeps what it is given
    with ConnectorClient(url=source.url, token=source.token) as client:
        client.on_actions(received).on_summary(received)
        thread = client.run_in_background()  # a daemon thread
        # ... your program does its own work here; we just wait for the sample to arrive.
        received.wait_for(source.expected or 10, timeout=source.timeout)  # the sample, or 10 of yours
    # leaving the block called stop(): it takes effect within a second, even on an idle stream
    thread.join()

sessions = {p.session_id for p in received.payloads}
print(f"{len(received)} payloads from {len(sessions)} sessions")
