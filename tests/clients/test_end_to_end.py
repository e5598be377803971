"""Both clients against the local connector over real sockets: delivery, resume, faults, shutdown."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from autoplay_sdk import ActionsPayload, AsyncConnectorClient, ConnectorClient, SdkUpstreamError, SummaryPayload
from autoplay_sdk.testing import LocalConnector, sample_events

from ._harness import KINDS, Received, Runner, blocking_callback, make_client

pytestmark = pytest.mark.parametrize("kind", KINDS)


def actions(n: int, session: str = "s1", product: str = "demo-product") -> dict[str, Any]:
    return {
        "type": "actions",
        "product_id": product,
        "session_id": session,
        "user_id": f"user-{session}",
        "email": None,
        "actions": [
            {
                "index": 0,
                "type": "click",
                "title": f"Button {n}",
                "description": f"Clicked button {n}",
                "canonical_url": "https://app.example.com/projects/:id",
                "raw_url": "https://app.example.com/projects/42",
                "timestamp_start": float(n),
                "timestamp_end": float(n),
            }
        ],
        "count": 1,
        "forwarded_at": float(n),
    }


@pytest.fixture
def connector() -> Iterator[LocalConnector]:
    with LocalConnector(heartbeat_s=0.2) as c:
        yield c


def run_client(kind: str, connector: LocalConnector, **options: Any) -> tuple[Runner, Received]:
    received = Received()
    client = make_client(kind, connector.stream_url, connector.token, **options)
    client.on_actions(received).on_summary(received)
    return Runner(client).start(), received


def test_delivers_the_sample_as_typed_payloads_in_order(kind: str, connector: LocalConnector) -> None:
    sample = sample_events(sessions=3, seed=11, start=1_700_000_000.0)  # fixed times: sent as given
    connector.publish_many(sample)
    options = {"session_concurrency": 1} if kind == "async" else {}
    runner, received = run_client(kind, connector, **options)
    assert received.wait_for(len(sample))
    runner.stop()
    assert [p.to_dict()["type"] for p in received.payloads].count("summary") == sum(
        e["type"] == "summary" for e in sample
    )
    for session, got in received.by_session.items():
        expected = [e for e in sample if e["session_id"] == session]
        assert [type(p).from_dict(e) for p, e in zip(got, expected, strict=True)] == got
    assert all(isinstance(p, ActionsPayload | SummaryPayload) for p in received.payloads)


def test_reconnects_after_a_dropped_connection_and_resumes_without_loss_or_duplicate(
    kind: str, connector: LocalConnector
) -> None:
    connector.publish_many(actions(i) for i in range(1, 11))
    connector.close_after(4, abrupt=True)
    disconnects = threading.Event()
    runner, received = run_client(kind, connector, on_disconnect=disconnects.set)
    assert connector.wait_for_connections(2)
    connector.close_after(None)
    assert received.wait_for(10)
    runner.stop()
    assert received.forwarded() == [float(i) for i in range(1, 11)]
    first, second = connector.connections[:2]
    assert first.last_event_id is None
    assert second.last_event_id == "4"
    assert disconnects.is_set()


def test_clean_end_of_stream_reconnects_and_resumes(kind: str, connector: LocalConnector) -> None:
    connector.publish_many(actions(i) for i in range(1, 7))
    connector.close_after(3)
    runner, received = run_client(kind, connector)
    assert received.wait_for(6)
    runner.stop()
    assert received.forwarded() == [float(i) for i in range(1, 7)]
    assert [c.last_event_id for c in connector.connections[:2]] == [None, "3"]


def test_5xx_is_retried_until_success(kind: str, connector: LocalConnector) -> None:
    connector.publish(actions(1))
    connector.fail_next(2, status=503)
    runner, received = run_client(kind, connector)
    assert received.wait_for(1)
    runner.stop()
    assert [c.status for c in connector.connections] == [503, 503, 200]


@pytest.mark.parametrize("case", ["missing-token", "wrong-token", "unknown-product"])
def test_fatal_statuses_raise_at_once(kind: str, connector: LocalConnector, case: str) -> None:
    url, token, status = {
        "missing-token": (connector.stream_url, "", 401),
        "wrong-token": (connector.stream_url, "not-the-key", 403),
        "unknown-product": (connector.base_url + "/stream/nope", connector.token, 404),
    }[case]
    disconnects: list[int] = []
    client = make_client(kind, url, token, max_retries=None, on_disconnect=lambda: disconnects.append(1))
    error = Runner(client).start().join()
    assert isinstance(error, httpx.HTTPStatusError)
    assert error.response.status_code == status
    assert len(connector.connections) == 1
    assert disconnects == []


def test_max_retries_exhausted_raises_sdk_upstream_error(kind: str, connector: LocalConnector) -> None:
    connector.fail_next(10, status=500)
    client = make_client(kind, connector.stream_url, connector.token, max_retries=2)
    error = Runner(client).start().join()
    assert isinstance(error, SdkUpstreamError)
    assert str(error).startswith("autoplay_sdk: max_retries=2 exhausted after 3 attempts (")
    assert connector.token not in str(error) and "HTTP 500" in str(error)
    assert (error.attempts, error.last_status) == (3, 500)
    assert isinstance(error.__cause__, httpx.HTTPStatusError)
    assert len(connector.connections) == 3


def test_raising_callback_is_logged_and_delivery_continues(
    kind: str, connector: LocalConnector, caplog: pytest.LogCaptureFixture
) -> None:
    connector.publish_many(actions(i) for i in range(1, 4))
    seen: list[float] = []
    done = threading.Event()

    def flaky(p: ActionsPayload) -> None:
        seen.append(p.forwarded_at)
        if p.forwarded_at == 1.0:
            raise RuntimeError("boom")
        if len(seen) == 3:
            done.set()

    client = make_client(kind, connector.stream_url, connector.token)
    client.on_actions(flaky)
    runner = Runner(client).start()
    with caplog.at_level(logging.ERROR):
        assert done.wait(10)
        runner.stop()
    assert sorted(seen) == [1.0, 2.0, 3.0]
    assert "callback raised an error for event_type=actions session=s1: boom" in caplog.text
    assert len(connector.connections) == 1


def test_slow_callback_does_not_stall_reading(kind: str, connector: LocalConnector) -> None:
    release = threading.Event()
    other = Received()

    def slow(p: ActionsPayload) -> None:
        if p.session_id == "slow":
            assert release.wait(10)
        else:
            other(p)

    client = make_client(kind, connector.stream_url, connector.token)
    client.on_actions(blocking_callback(kind, slow))
    runner = Runner(client).start()
    connector.publish(actions(1, session="slow"))
    connector.publish_many(actions(i, session="fast") for i in range(2, 6))
    if kind == "async":  # another session's callbacks run while "slow" is blocked
        assert other.wait_for(4)
    else:  # the reader keeps reading into the queue while the worker is blocked
        assert connector.wait_until_sent(5)
        assert _wait(lambda: client.queue_size == 4)  # type: ignore[union-attr]
    release.set()
    assert other.wait_for(4)
    runner.stop()


def test_full_backlog_drops_are_counted_exactly(kind: str, connector: LocalConnector) -> None:
    entered, release = threading.Event(), threading.Event()
    delivered: list[float] = []
    dropped: list[tuple[float, int]] = []

    def blocking(p: ActionsPayload) -> None:
        delivered.append(p.forwarded_at)
        entered.set()
        assert release.wait(10)

    if kind == "sync":
        client: Any = ConnectorClient(connector.stream_url, connector.token, max_queue_size=2)
    else:
        client = AsyncConnectorClient(connector.stream_url, connector.token, session_concurrency=1, max_pending=3)
    client.on_actions(blocking_callback(kind, blocking)).on_drop(
        lambda d, total: dropped.append((d["forwarded_at"], total))
    )
    runner = Runner(client).start()
    connector.publish(actions(1))
    assert entered.wait(10)  # event 1 is inside the callback: the backlog is empty again
    connector.publish_many(actions(i) for i in range(2, 11))
    # sync: 2 queued + 7 dropped; async: 1 running + 2 waiting (max_pending=3) + 7 dropped.
    assert _wait(lambda: client.dropped_count == 7)
    release.set()
    runner.stop()
    assert delivered == [1.0, 2.0, 3.0]
    assert dropped == [(float(i), i - 3) for i in range(4, 11)]
    assert client.dropped_count == 7


def test_stop_on_an_idle_stream_returns_within_a_second(kind: str) -> None:
    with LocalConnector(heartbeat_s=60) as connector:
        connected = threading.Event()
        client = make_client(kind, connector.stream_url, connector.token, on_connect=connected.set)
        runner = Runner(client).start()
        assert connected.wait(10)
        assert runner.stop() < 1.0
        assert runner.error is None


def test_stop_during_backoff_returns_within_a_second(kind: str, connector: LocalConnector) -> None:
    connector.fail_next(1, status=503)
    client = make_client(kind, connector.stream_url, connector.token, initial_backoff_s=30, max_backoff_s=30)
    runner = Runner(client).start()
    assert connector.wait_for_connections(1)
    assert runner.stop() < 1.0


def test_stop_drains_what_was_accepted(kind: str, connector: LocalConnector) -> None:
    entered, release = threading.Event(), threading.Event()
    delivered: list[float] = []

    def gated(p: ActionsPayload) -> None:
        entered.set()
        assert release.wait(10)
        delivered.append(p.forwarded_at)

    client = make_client(kind, connector.stream_url, connector.token)
    if isinstance(client, AsyncConnectorClient):
        client = AsyncConnectorClient(connector.stream_url, connector.token, session_concurrency=1)
    client.on_actions(blocking_callback(kind, gated))
    runner = Runner(client).start()
    connector.publish_many(actions(i) for i in range(1, 6))
    assert entered.wait(10)
    assert connector.wait_until_sent(5)
    assert _wait(lambda: _backlog(client) == 5)
    client.stop()
    assert not runner.returned.wait(0.2)  # run() is waiting for the accepted events
    release.set()
    assert runner.join() is None
    assert delivered == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_heartbeats_unknown_and_malformed_frames_are_skipped(
    kind: str, connector: LocalConnector, caplog: pytest.LogCaptureFixture
) -> None:
    connector.send_heartbeat()
    connector.publish({"type": "usertour_trigger", "product_id": "demo-product", "flow_id": "f", "session_id": "s"})
    connector.publish("not json at all")
    connector.publish("[1, 2]")
    connector.publish("null")
    connector.publish_raw(b"id: 900\ndata: \xff\xfe\n\n")
    connector.publish_raw(b": a comment\n\n")
    connector.publish(actions(1))
    runner, received = run_client(kind, connector)
    with caplog.at_level(logging.DEBUG):
        assert received.wait_for(1)
        connector.send_heartbeat()
        connector.publish(actions(2))
        assert received.wait_for(2)
        runner.stop()
    assert received.forwarded() == [1.0, 2.0]
    assert len(connector.connections) == 1  # nothing above caused a reconnect
    assert sum("could not parse event data" in r.getMessage() for r in caplog.records) == 3
    assert "unknown event type: usertour_trigger" in caplog.text
    assert "invalid UTF-8" in caplog.text


def test_oversized_frames_are_skipped_without_reconnecting(kind: str, connector: LocalConnector) -> None:
    big = actions(1)
    big["actions"][0]["description"] = "x" * 5000
    connector.publish(big)
    connector.publish(actions(2))
    runner, received = run_client(kind, connector, max_frame_bytes=2048)
    assert received.wait_for(1)
    runner.stop()
    assert received.forwarded() == [2.0]
    assert len(connector.connections) == 1


def test_server_retry_hint_is_honoured(kind: str) -> None:
    with LocalConnector(heartbeat_s=0.2, retry_ms=20) as connector:
        connector.publish_many(actions(i) for i in range(1, 3))
        connector.close_after(1)
        # Without the hint the reconnect would wait 60 s and the wait below would fail.
        runner, received = run_client(kind, connector, initial_backoff_s=60, max_backoff_s=60)
        assert connector.wait_for_connections(2, timeout=5)
        connector.close_after(None)
        assert received.wait_for(2)
        runner.stop()


def test_lifecycle_callbacks_fire_and_their_errors_are_contained(
    kind: str, connector: LocalConnector, caplog: pytest.LogCaptureFixture
) -> None:
    connects: list[int] = []

    def on_connect() -> None:
        connects.append(1)
        raise RuntimeError("connect hook failed")

    connector.publish_many(actions(i) for i in range(1, 5))
    connector.close_after(2)
    runner, received = run_client(kind, connector, on_connect=on_connect)
    with caplog.at_level(logging.ERROR):
        assert received.wait_for(4)
        runner.stop()
    assert len(connects) >= 2
    assert "on_connect callback raised: connect hook failed" in caplog.text


def test_the_token_never_reaches_logs_or_repr(
    kind: str, connector: LocalConnector, caplog: pytest.LogCaptureFixture
) -> None:
    connector.publish(actions(1))
    connector.fail_next(1, status=500)
    with caplog.at_level(logging.DEBUG):
        runner, received = run_client(kind, connector)
        assert received.wait_for(1)
        runner.stop()
        bad = make_client(kind, connector.stream_url, connector.token + "x")
        Runner(bad).start().join()
    assert connector.token not in caplog.text
    assert connector.token not in repr(runner.client)
    assert "Bearer" not in caplog.text


def test_sends_sse_request_headers(kind: str, connector: LocalConnector) -> None:
    connected = threading.Event()
    runner, _ = run_client(kind, connector, on_connect=connected.set)
    assert connected.wait(10)
    runner.stop()
    (record,) = connector.connections
    assert record.authorization_present
    assert record.headers["accept"] == "text/event-stream"
    assert record.headers["cache-control"] == "no-store"


# --------------------------------------------------------------------------- helpers


def _backlog(client: Any) -> int:
    return client.queue_size + 1 if isinstance(client, ConnectorClient) else client.pending_count


def _wait(predicate: Any, timeout: float = 10.0) -> bool:
    """Poll a condition the client exposes only as a counter (there is no hook to wait on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return bool(predicate())


def test_payload_json_shapes_match_the_wire(kind: str) -> None:
    # Guard for the helpers above: the wire dicts round-trip through the models.
    assert ActionsPayload.from_dict(json.loads(json.dumps(actions(3)))).forwarded_at == 3.0
