"""The blocking client: print every payload as prompt-ready text, then stop.

Run: python examples/sync_client.py [STREAM_URL [TOKEN]]
"""

from _source import event_source

from autoplay_sdk import ActionsPayload, ConnectorClient, SummaryPayload

with event_source() as source:
    client = ConnectorClient(url=source.url, token=source.token)
    seen = 0

    def done_one() -> None:
        global seen
        seen += 1
        if seen == source.expected:
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
