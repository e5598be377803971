"""The blocking client: print every payload as prompt-ready text, then stop.

Run: python examples/sync_client.py [STREAM_URL [TOKEN]]
"""

import sys

from autoplay_sdk import ActionsPayload, ConnectorClient, SummaryPayload
from autoplay_sdk.testing import stream_source

with stream_source(*sys.argv[1:3]) as source:  # your stream, or a local connector with a sample
    client = ConnectorClient(url=source.url, token=source.token)
    wanted = source.expected or 10  # the whole sample, or the first 10 payloads of your stream
    seen = 0

    def done_one() -> None:
        global seen
        seen += 1
        if seen == wanted:
            client.stop()  # run() returns once the queued callbacks are done

    def show_actions(payload: ActionsPayload) -> None:
        print(payload.to_text())
        done_one()

    def show_summary(payload: SummaryPayload) -> None:
        print("summary:", payload.summary)
        done_one()

    client.on_actions(show_actions)
    client.on_summary(show_summary)
    client.run()  # blocks; callbacks run one at a time, in order, on a worker thread; Ctrl-C stops it

print(f"done: {seen} payloads")
