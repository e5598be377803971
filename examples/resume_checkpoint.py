"""Resume a stream from a checkpoint: event ids on deliveries, the handled checkpoint, drop reasons.

Run: ``python examples/resume_checkpoint.py``.  It starts the SDK's local connector (extra
``serve``) with sample traffic, reads it with one client, keeps that client's checkpoint, then
publishes more traffic and reads it with a second client that resumes from the checkpoint: every
payload arrives once, none twice.  A real program would store the checkpoint (a file, a database
row) instead of keeping it in a variable.
"""

from __future__ import annotations

import threading

from autoplay_sdk import ConnectorClient
from autoplay_sdk.client import DropReport
from autoplay_sdk.core.models import ActionsPayload, SummaryPayload
from autoplay_sdk.testing import LocalConnector, sample_events


def read(url: str, token: str, expected: int, checkpoint: str | None) -> tuple[list[str], str]:
    """Read ``expected`` payloads, resuming after ``checkpoint``; return their ids and the new checkpoint."""
    seen: list[str] = []
    done = threading.Event()
    client = ConnectorClient(url, token, last_event_id=checkpoint)

    def on_payload(payload: ActionsPayload | SummaryPayload) -> None:
        event = client.current_event  # the SSE id of this payload, and what its connection resumed after
        seen.append(event.id if event is not None else "?")
        if len(seen) >= expected:
            done.set()

    def on_drop_report(report: DropReport) -> None:
        print(f"dropped event {report.event_id} ({report.reason}, session {report.session_id})")

    client.on_actions(on_payload).on_summary(on_payload).on_drop_report(on_drop_report)
    thread = client.run_in_background()
    done.wait(30)
    client.stop()
    thread.join()
    # Every payload up to here was handled (its callback returned, or it was reported dropped).
    return seen, client.last_handled_event_id


def main() -> None:
    first, second = sample_events(sessions=2, seed=1), sample_events(sessions=2, seed=2)
    with LocalConnector(first) as connector:
        ids, checkpoint = read(connector.stream_url, connector.token, len(first), None)
        print(f"first run: {len(ids)} payloads, checkpoint {checkpoint}")
        connector.publish_many(second)
        more, checkpoint = read(connector.stream_url, connector.token, len(second), checkpoint)
        print(f"resumed after {ids[-1]}: {len(more)} payloads, checkpoint {checkpoint}")
    assert len(set(ids + more)) == len(first) + len(second), "a payload arrived twice or not at all"
    print("every payload once")


if __name__ == "__main__":
    main()
