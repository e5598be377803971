"""Testing your own integration against the local connector, with the SDK's pytest fixtures.

``local_connector`` is a started, empty connector on 127.0.0.1; ``payload_recorder`` records
what your client delivered and waits for it, so the test needs no sleeps.

Run: pytest examples/test_my_integration.py
"""

from autoplay_sdk import ActionsPayload, ConnectorClient
from autoplay_sdk.testing import LocalConnector, PayloadRecorder, sample_events


class ActivityCounter:
    """The integration under test: counts actions per user."""

    def __init__(self) -> None:
        self.per_user: dict[str, int] = {}

    def on_actions(self, payload: ActionsPayload) -> None:
        user = payload.user_id or "anonymous"
        self.per_user[user] = self.per_user.get(user, 0) + payload.count


def test_counts_every_action_of_every_user(local_connector: LocalConnector, payload_recorder: PayloadRecorder) -> None:
    events = [e for e in sample_events(sessions=3) if e["type"] == "actions"]
    local_connector.publish_many(events)
    counter = ActivityCounter()

    def on_actions(payload: ActionsPayload) -> None:
        counter.on_actions(payload)
        payload_recorder(payload)

    client = ConnectorClient(local_connector.stream_url, token=local_connector.token).on_actions(on_actions)
    thread = client.run_in_background()
    try:
        assert payload_recorder.wait_for(len(events), timeout=10)
    finally:
        client.stop()
        thread.join()

    expected: dict[str, int] = {}
    for event in events:
        expected[event["user_id"]] = expected.get(event["user_id"], 0) + event["count"]
    assert counter.per_user == expected


def test_survives_a_connector_outage(local_connector: LocalConnector, payload_recorder: PayloadRecorder) -> None:
    local_connector.fail_next(2, status=503)  # the first two connection attempts fail
    local_connector.publish_many(sample_events(sessions=1)[:3])
    client = ConnectorClient(local_connector.stream_url, token=local_connector.token, initial_backoff_s=0.05)
    payload_recorder.attach(client)
    thread = client.run_in_background()
    try:
        assert payload_recorder.wait_for(3, timeout=10)
    finally:
        client.stop()
        thread.join()
    assert [c.status for c in local_connector.connections][:3] == [503, 503, 200]
