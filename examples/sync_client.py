"""The blocking client: print every payload as prompt-ready text, then stop.

Run: python examples/sync_client.py [STREAM_URL [TOKEN]]
"""

from _source import event_source

from autoplay_sdk import ActionsPayload, ConnectorClient, SummaryPayload

with event_source() as source:
    client = ConnectorClient(url=source.url, token=source.token)
    seen = 0

    def count(payload: ActionsPayload | SummaryPayload) -> None:
        global seen
        seen += 1
        if seen == source.expected:
            client.stop()  # run() returns once the queued callbacks are done

    client.on_actions(lambda p: (print(p.to_text()), count(p)))
    client.on_summary(lambda p: (print("summary:", p.summary), count(p)))
    client.run()  # blocks; callbacks run one at a time, in order, on a worker thread

print(f"done: {seen} payloads")
