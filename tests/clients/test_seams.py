"""The clients' public seams, against the local connector: resume, event ids, checkpoints, drop reasons."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from autoplay_sdk import ActionsPayload, AsyncConnectorClient, ConnectorClient
from autoplay_sdk.client import DropReport, EventRef
from autoplay_sdk.testing import LocalConnector

from ._harness import KINDS, Received, Runner, blocking_callback, make_client
from .test_end_to_end import _wait, actions

pytestmark = pytest.mark.parametrize("kind", KINDS)


@pytest.fixture
def connector() -> Iterator[LocalConnector]:
    with LocalConnector(heartbeat_s=0.2) as c:
        yield c


def test_last_event_id_resumes_after_that_event(kind: str, connector: LocalConnector) -> None:
    connector.publish_many(actions(i) for i in range(1, 7))
    received = Received()
    client = make_client(kind, connector.stream_url, connector.token, last_event_id="3")
    client.on_actions(received)
    assert client.last_event_id == "3" and client.last_handled_event_id == "3"
    runner = Runner(client).start()
    assert received.wait_for(3)
    runner.stop()
    assert received.forwarded() == [4.0, 5.0, 6.0]  # nothing at or before the checkpoint
    assert connector.connections[0].last_event_id == "3"  # sent on the very first connect
    assert client.last_handled_event_id == "6"


def test_without_last_event_id_the_first_connect_sends_none(kind: str, connector: LocalConnector) -> None:
    connector.publish_many(actions(i) for i in range(1, 3))
    received = Received()
    client = make_client(kind, connector.stream_url, connector.token)
    client.on_actions(received)
    runner = Runner(client).start()
    assert received.wait_for(2)
    runner.stop()
    assert connector.connections[0].last_event_id is None and client.last_event_id == "2"


def test_each_delivery_carries_its_event_id(kind: str, connector: LocalConnector) -> None:
    ids = connector.publish_many(actions(i, session=f"s{i % 2}") for i in range(1, 9))
    seen: list[tuple[float, EventRef | None]] = []
    done = Received()
    client: Any = make_client(kind, connector.stream_url, connector.token)
    if kind == "sync":

        def record(p: ActionsPayload) -> None:
            seen.append((p.forwarded_at, client.current_event))
            done(p)

        client.on_actions(record)
    else:

        async def record_async(p: ActionsPayload) -> None:
            await asyncio.sleep(0)  # the id is still the right one after the callback yields
            seen.append((p.forwarded_at, client.current_event))
            done(p)

        client.on_actions(record_async)
    runner = Runner(client).start()
    assert done.wait_for(8)
    runner.stop()
    assert sorted(seen, key=lambda item: item[0]) == [
        (float(i), EventRef(event_id, "")) for i, event_id in enumerate(ids, 1)
    ]
    assert client.current_event is None  # outside a callback


def test_a_reconnected_delivery_names_what_its_connection_resumed_after(kind: str, connector: LocalConnector) -> None:
    connector.publish_many(actions(i) for i in range(1, 7))
    connector.close_after(3)
    refs: list[EventRef | None] = []
    received = Received()
    client: Any = make_client(kind, connector.stream_url, connector.token)

    def record(p: ActionsPayload) -> None:
        refs.append(client.current_event)
        received(p)

    client.on_actions(record)
    runner = Runner(client).start()
    assert received.wait_for(6)
    runner.stop()
    assert refs == [EventRef(str(i), "" if i <= 3 else "3") for i in range(1, 7)]


def test_the_handled_checkpoint_waits_for_every_earlier_payload(kind: str, connector: LocalConnector) -> None:
    # Payload 1 (session A) is held in its callback while 2 and 3 (session B) finish; on the
    # sync client 2 and 3 wait behind it.  Either way the checkpoint stays before payload 1.
    hold, entered = threading.Event(), threading.Event()
    finished = Received()

    def callback(p: ActionsPayload) -> None:
        if p.forwarded_at == 1.0:
            entered.set()
            assert hold.wait(10)
        finished(p)

    client = make_client(kind, connector.stream_url, connector.token)
    client.on_actions(blocking_callback(kind, callback))
    runner = Runner(client).start()
    connector.publish(actions(1, session="A"))
    assert entered.wait(10)
    connector.publish_many([actions(2, session="B"), actions(3, session="B")])
    if kind == "async":
        assert finished.wait_for(2)  # session B is not held up by session A
    assert client.last_handled_event_id == ""
    hold.set()
    assert finished.wait_for(3)
    assert _wait(lambda: client.last_handled_event_id == "3")
    runner.stop()


def test_a_checkpoint_resumes_a_new_client_without_loss_or_duplicate(kind: str, connector: LocalConnector) -> None:
    connector.publish_many(actions(i) for i in range(1, 5))
    first = Received()
    one = make_client(kind, connector.stream_url, connector.token)
    one.on_actions(first)
    runner = Runner(one).start()
    assert first.wait_for(4)
    assert _wait(lambda: one.last_handled_event_id == "4")
    runner.stop()
    connector.publish_many(actions(i) for i in range(5, 8))
    second = Received()
    two = make_client(kind, connector.stream_url, connector.token, last_event_id=one.last_handled_event_id)
    two.on_actions(second)
    runner = Runner(two).start()
    assert second.wait_for(3)
    runner.stop()
    assert first.forwarded() + second.forwarded() == [float(i) for i in range(1, 8)]


def test_drop_reports_carry_the_reason_and_the_event_id(kind: str, connector: LocalConnector) -> None:
    entered, release = threading.Event(), threading.Event()
    reports: list[DropReport] = []
    legacy: list[tuple[float, int]] = []

    def blocking(p: ActionsPayload) -> None:
        entered.set()
        assert release.wait(10)

    if kind == "sync":
        client: Any = ConnectorClient(connector.stream_url, connector.token, max_queue_size=1)
    else:
        client = AsyncConnectorClient(connector.stream_url, connector.token, session_concurrency=1, max_pending=2)
    client.on_actions(blocking_callback(kind, blocking))
    client.on_drop(lambda d, total: legacy.append((d["forwarded_at"], total))).on_drop_report(reports.append)
    runner = Runner(client).start()
    connector.publish(actions(1))
    assert entered.wait(10)
    connector.publish_many(actions(i) for i in range(2, 6))  # 2 waits; 3, 4 and 5 are dropped
    assert _wait(lambda: client.dropped_count == 3)
    assert [(r.reason, r.event_id, r.total, r.event_type, r.session_id) for r in reports] == [
        ("queue_full", str(i), i - 2, "actions", "s1") for i in range(3, 6)
    ]
    assert legacy == [(float(i), i - 2) for i in range(3, 6)]  # the 0.7.5 callback is unchanged
    release.set()
    assert _wait(lambda: client.last_handled_event_id == "5")  # drops while running count as handled
    runner.stop()


def test_payloads_left_at_the_drain_timeout_are_reported_and_not_handled(kind: str, connector: LocalConnector) -> None:
    entered, release = threading.Event(), threading.Event()
    reports: list[DropReport] = []

    def blocking(p: ActionsPayload) -> None:
        entered.set()
        release.wait(10)

    client = make_client(kind, connector.stream_url, connector.token, drain_timeout_s=0.05)
    if isinstance(client, AsyncConnectorClient):
        client = AsyncConnectorClient(
            connector.stream_url, connector.token, session_concurrency=1, drain_timeout_s=0.05
        )
    client.on_actions(blocking_callback(kind, blocking)).on_drop_report(reports.append)
    runner = Runner(client).start()
    connector.publish_many(actions(i) for i in range(1, 4))
    assert entered.wait(10)
    assert connector.wait_until_sent(3)
    assert _wait(lambda: client.last_event_id == "3")
    client.stop()
    # The drain gives up on the held callback and what waits behind it; then the callback may end
    # (an async run's thread pool waits for it before asyncio.run returns).
    assert _wait(lambda: len(reports) >= 2)
    release.set()
    assert runner.join() is None
    left = {r.event_id for r in reports}
    assert {r.reason for r in reports} == {"drain_timeout"} and {"2", "3"} <= left
    assert client.last_handled_event_id == ""  # a resume from here reads them again


def test_last_event_id_is_validated_and_fixed_while_running(kind: str, connector: LocalConnector) -> None:
    with pytest.raises(ValueError, match="last_event_id must be a str or None"):
        make_client(kind, connector.stream_url, connector.token, last_event_id=3)
    connected = threading.Event()
    client = make_client(kind, connector.stream_url, connector.token, on_connect=connected.set)
    client.last_event_id = "7"  # allowed before run()
    assert client.last_event_id == "7" and client.last_handled_event_id == "7"
    runner = Runner(client).start()
    assert connected.wait(10)
    with pytest.raises(RuntimeError, match="not running"):
        client.last_event_id = "1"
    runner.stop()
    assert connector.connections[0].last_event_id == "7"
