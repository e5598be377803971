"""LocalConnector over real sockets: statuses, replay, resume, live publish, faults, shutdown."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import autoplay_sdk.testing
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.testing import ConnectionRecord, LocalConnector, sample_events

HEARTBEAT = b"event: heartbeat\ndata: \n\n"


class FrameReader:
    """Split a streaming response into SSE frames; blocks at most the client's read timeout."""

    def __init__(self, response: httpx.Response) -> None:
        self._chunks = response.iter_raw()
        self._buf = b""

    def next(self) -> bytes:
        while b"\n\n" not in self._buf:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                raise EOFError(self._buf) from None
        frame, _, self._buf = self._buf.partition(b"\n\n")
        return frame + b"\n\n"

    def take(self, n: int) -> list[bytes]:
        return [self.next() for _ in range(n)]

    def rest(self) -> list[bytes]:
        """Every frame until a clean end of the body."""
        frames = []
        while True:
            try:
                frames.append(self.next())
            except EOFError as end:
                assert end.args[0] == b""  # no trailing partial frame
                return frames


def auth(connector: LocalConnector) -> dict[str, str]:
    return {"Authorization": f"Bearer {connector.token}"}


def frame(event_id: str, data: dict[str, Any], event: str | None = None) -> bytes:
    head = f"id: {event_id}\n" + (f"event: {event}\n" if event else "")
    return (head + "data: " + json.dumps(data, separators=(",", ":")) + "\n\n").encode()


@pytest.fixture
def connector() -> Iterator[LocalConnector]:
    # A long heartbeat so that idle heartbeats never interleave with exact frame assertions.
    with LocalConnector(heartbeat_s=30.0) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(5.0)) as c:
        yield c


# --------------------------------------------------------------------------- HTTP statuses


def test_statuses_and_json_error_bodies(connector: LocalConnector, client: httpx.Client) -> None:
    missing = client.get(connector.stream_url)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["status"] == 401
    assert client.get(connector.stream_url, headers={"Authorization": f"Basic {connector.token}"}).status_code == 401

    wrong = client.get(connector.stream_url, headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403
    assert wrong.headers["content-type"] == "application/json"
    assert "detail" in wrong.json()

    unknown = client.get(f"{connector.base_url}/stream/other-product", headers=auth(connector))
    assert unknown.status_code == 404
    assert unknown.json()["status"] == 404

    assert [r.status for r in connector.connections] == [401, 401, 403, 404]
    assert [r.product_id for r in connector.connections][-1] == "other-product"


def test_success_headers_and_full_replay_with_ids(client: httpx.Client) -> None:
    events = [{"type": "actions", "n": 1}, {"type": "summary", "n": 2}]
    with (
        LocalConnector(events, heartbeat_s=30.0) as server,
        client.stream("GET", server.stream_url, headers=auth(server)) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-cache"
        assert FrameReader(response).take(2) == [frame("1", events[0]), frame("2", events[1])]
        assert server.wait_until_sent(2)
        assert server.sent_count == 2
    record = server.connections[0]
    assert record == ConnectionRecord(200, None, True, "demo-product", record.headers)
    assert record.headers["accept"] == "*/*"


def test_retry_hint_starts_every_stream(client: httpx.Client) -> None:
    with (
        LocalConnector([{"k": 1}], retry_ms=1500, heartbeat_s=30.0) as server,
        client.stream("GET", server.stream_url, headers=auth(server)) as response,
    ):
        assert FrameReader(response).take(2) == [b"retry: 1500\n\n", frame("1", {"k": 1})]


def test_last_event_id_resumes_after_that_entry(connector: LocalConnector, client: httpx.Client) -> None:
    ids = connector.publish_many([{"n": i} for i in range(1, 4)])
    assert ids == ["1", "2", "3"]
    connector.publish_raw(b": comment after 3\n\n")
    assert connector.publish({"n": 4}, event="update") == "4"

    headers = {**auth(connector), "Last-Event-ID": "2"}
    with client.stream("GET", connector.stream_url, headers=headers) as response:
        assert FrameReader(response).take(3) == [
            frame("3", {"n": 3}),
            b": comment after 3\n\n",
            frame("4", {"n": 4}, event="update"),
        ]
    assert connector.connections[-1].last_event_id == "2"

    # Beyond the end of the log: nothing is replayed, the stream waits for new entries.
    headers["Last-Event-ID"] = "4"
    with client.stream("GET", connector.stream_url, headers=headers) as response:
        connector.publish({"n": 5})
        assert FrameReader(response).next() == frame("5", {"n": 5})


def test_publish_reaches_an_open_stream(connector: LocalConnector, client: httpx.Client) -> None:
    connector.publish({"n": 1})
    with client.stream("GET", connector.stream_url, headers=auth(connector)) as response:
        reader = FrameReader(response)
        assert reader.next() == frame("1", {"n": 1})
        assert connector.publish({"n": 2}) == "2"
        assert reader.next() == frame("2", {"n": 2})
        connector.publish("{not json\nsecond line")  # str: verbatim data lines
        assert reader.next() == b"id: 3\ndata: {not json\ndata: second line\n\n"
        connector.publish_raw(b"data: \xff\xfe\n\n")  # invalid UTF-8 goes out byte for byte
        assert reader.next() == b"data: \xff\xfe\n\n"


def test_streams_only_carry_their_products_entries(client: httpx.Client) -> None:
    with LocalConnector(extra_products=["other"], heartbeat_s=30.0) as server:
        server.publish({"p": "demo"})
        server.publish({"p": "other"}, product_id="other")
        with pytest.raises(SdkConfigError):
            server.publish({"p": "typo"}, product_id="unknown")
        with client.stream("GET", f"{server.base_url}/stream/other", headers=auth(server)) as response:
            reader = FrameReader(response)
            assert reader.next() == frame("2", {"p": "other"})
            server.publish({"p": "demo again"})
            server.publish({"p": "other again"}, product_id="other")
            assert reader.next() == frame("4", {"p": "other again"})


def test_send_heartbeat_frame_format(connector: LocalConnector, client: httpx.Client) -> None:
    with client.stream("GET", connector.stream_url, headers=auth(connector)) as response:
        assert connector.wait_for_connections(1)
        connector.send_heartbeat()
        assert FrameReader(response).next() == HEARTBEAT
    assert connector.sent_count == 0  # heartbeats are not log entries


def test_fixture_gives_a_started_connector_with_fast_idle_heartbeats(
    local_connector: LocalConnector, client: httpx.Client
) -> None:
    assert local_connector.running
    assert local_connector.connections == []
    with client.stream("GET", local_connector.stream_url, headers=auth(local_connector)) as response:
        reader = FrameReader(response)
        assert reader.next() == HEARTBEAT  # heartbeat_s=0.2 and an empty log
        local_connector.publish({"after": "heartbeat"})
        expected = frame("1", {"after": "heartbeat"})
        frames = [reader.next()]
        while frames[-1] != expected and len(frames) < 10:  # heartbeats may come first
            frames.append(reader.next())
        assert frames[-1] == expected
        assert set(frames[:-1]) <= {HEARTBEAT}


async def test_async_client_gets_events_published_from_another_thread() -> None:
    with LocalConnector([{"n": 1}], heartbeat_s=30.0) as server:
        async with (
            httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as aclient,
            aclient.stream("GET", server.stream_url, headers=auth(server)) as response,
        ):
            chunks = response.aiter_raw()
            assert await anext(chunks) == frame("1", {"n": 1})
            publisher = threading.Thread(target=server.publish, args=({"n": 2},))
            publisher.start()
            assert await anext(chunks) == frame("2", {"n": 2})
            publisher.join()


# --------------------------------------------------------------------------- fault injection


def test_fail_next_then_success(connector: LocalConnector, client: httpx.Client) -> None:
    connector.fail_next(2, status=503)
    for _ in range(2):
        failed = client.get(connector.stream_url, headers=auth(connector))
        assert failed.status_code == 503
        assert failed.json()["status"] == 503
    with client.stream("GET", connector.stream_url, headers=auth(connector)) as response:
        assert response.status_code == 200
    assert [r.status for r in connector.connections] == [503, 503, 200]


def test_close_after_ends_the_body_cleanly(connector: LocalConnector, client: httpx.Client) -> None:
    connector.publish_many([{"n": i} for i in range(1, 5)])
    connector.close_after(2)
    with client.stream("GET", connector.stream_url, headers=auth(connector)) as response:
        assert FrameReader(response).rest() == [frame("1", {"n": 1}), frame("2", {"n": 2})]
    connector.close_after(None)
    with client.stream("GET", connector.stream_url, headers=auth(connector)) as response:
        assert len(FrameReader(response).take(4)) == 4


def test_close_after_abrupt_breaks_the_connection_mid_frame(connector: LocalConnector, client: httpx.Client) -> None:
    connector.publish_many([{"n": i} for i in range(1, 5)])
    connector.close_after(1, abrupt=True)
    received = b""
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream("GET", connector.stream_url, headers=auth(connector)) as response,
    ):
        for chunk in response.iter_raw():
            received += chunk
    assert received.startswith(frame("1", {"n": 1}))
    partial = received[len(frame("1", {"n": 1})) :]
    assert partial and frame("2", {"n": 2}).startswith(partial) and partial != frame("2", {"n": 2})


def test_close_after_abrupt_with_an_exhausted_log(connector: LocalConnector, client: httpx.Client) -> None:
    connector.close_after(0, abrupt=True)
    with (
        pytest.raises(httpx.TransportError),
        client.stream("GET", connector.stream_url, headers=auth(connector)) as response,
    ):
        response.read()


def test_set_delay_slows_each_entry(connector: LocalConnector, client: httpx.Client) -> None:
    connector.publish_many([{"n": i} for i in range(3)])
    connector.set_delay(0.1)
    with client.stream("GET", connector.stream_url, headers=auth(connector)) as response:
        started = time.monotonic()
        FrameReader(response).take(3)
        assert time.monotonic() - started >= 0.25


# --------------------------------------------------------------------------- lifecycle


def test_stop_is_prompt_with_an_idle_client_connected() -> None:
    server = LocalConnector(heartbeat_s=30.0).start()
    outcome: dict[str, Any] = {}

    def read_until_end() -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10.0)) as c,
                c.stream("GET", server.stream_url, headers=auth(server)) as response,
            ):
                outcome["frames"] = FrameReader(response).rest()
        except Exception as exc:  # reported below, not lost in the thread
            outcome["error"] = exc

    reader = threading.Thread(target=read_until_end)
    reader.start()
    assert server.wait_for_connections(1)
    started = time.monotonic()
    server.stop()
    elapsed = time.monotonic() - started
    reader.join(5.0)
    assert elapsed < 2.0
    assert not reader.is_alive()
    assert outcome == {"frames": []}  # a clean end of the body, not an error
    assert not server.running
    server.stop()  # idempotent


def test_stop_is_prompt_when_a_client_stops_reading() -> None:
    server = LocalConnector(heartbeat_s=30.0).start()
    for _ in range(200):  # far more than the socket buffers hold: the stream stalls in a write
        server.publish("x" * 100_000)
    request = f"GET /stream/demo-product HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {server.token}\r\n\r\n"
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(5.0)
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(request.encode())
        assert server.wait_until_sent(1)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2.0
    assert server.sent_count < 200


def test_restart_keeps_the_port_and_the_log(client: httpx.Client) -> None:
    server = LocalConnector([{"n": 1}], heartbeat_s=30.0)
    with pytest.raises(RuntimeError):
        _ = server.base_url  # no port before the first start
    assert server.start() is server.start()  # a second start is a no-op
    port = server.port
    server.stop()
    with pytest.raises(httpx.ConnectError):
        client.get(server.stream_url, headers=auth(server))
    with server, client.stream("GET", server.stream_url, headers=auth(server)) as response:
        assert server.port == port
        assert FrameReader(response).next() == frame("1", {"n": 1})


def test_wait_helpers_time_out(connector: LocalConnector) -> None:
    assert connector.wait_for_connections(1, timeout=0.01) is False
    assert connector.wait_until_sent(1, timeout=0.01) is False


def test_the_token_is_never_exposed(client: httpx.Client) -> None:
    with LocalConnector(token="s3cret-token-value", heartbeat_s=30.0) as server:
        client.get(server.stream_url, headers={"Authorization": "Bearer wrong-token-value"})
        with client.stream("GET", server.stream_url, headers={**auth(server), "Cookie": "sid=1"}):
            pass
        assert "s3cret" not in repr(server)
        records = server.connections
        assert [r.authorization_present for r in records] == [True, True]
        for record in records:
            assert "authorization" not in record.headers
            assert "cookie" not in record.headers
            assert "s3cret" not in repr(record)
            assert "wrong-token" not in repr(record)
    generated = LocalConnector()
    assert len(generated.token) >= 32
    assert generated.token not in repr(generated)


@pytest.mark.parametrize(
    "kwargs",
    [{"heartbeat_s": 0}, {"port": 70000}, {"retry_ms": -1}, {"token": ""}, {"product_id": "a/b"}],
)
def test_invalid_arguments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(SdkConfigError):
        LocalConnector(**kwargs)


def test_invalid_fault_arguments(connector: LocalConnector) -> None:
    with pytest.raises(SdkConfigError):
        connector.fail_next(1, status=200)
    with pytest.raises(SdkConfigError):
        connector.close_after(-1)
    with pytest.raises(SdkConfigError):
        connector.set_delay(-0.5)
    with pytest.raises(SdkConfigError):
        connector.publish({}, event="bad\nname")


def test_importing_needs_no_fastapi_but_constructing_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['fastapi'] = None\n"
        "sys.modules['uvicorn'] = None\n"
        "import autoplay_sdk.testing, autoplay_sdk.testing.pytest_plugin\n"
        "try:\n"
        "    autoplay_sdk.testing.LocalConnector()\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "pip install 'autoplay-sdk[serve]'" in result.stdout


def test_public_names() -> None:
    assert autoplay_sdk.testing.__all__ == [
        "ConnectionRecord",
        "LocalConnector",
        "PayloadRecorder",
        "PushSender",
        "PushStats",
        "StreamSource",
        "local_summarizer_llm",
        "local_summarizer_llm_sync",
        "sample_events",
        "stream_source",
    ]


# --------------------------------------------------------------------------- sample data


def _without_timestamps(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stripped: list[dict[str, Any]] = json.loads(json.dumps(events))
    for event in stripped:
        event.pop("forwarded_at")
        for action in event.get("actions", ()):
            action.pop("timestamp_start")
            action.pop("timestamp_end")
    return stripped


def test_sample_events_are_deterministic() -> None:
    assert sample_events(start=1_000.0) == sample_events(start=1_000.0)
    assert _without_timestamps(sample_events(start=1_000.0)) == _without_timestamps(sample_events(start=5_000.0))
    assert _without_timestamps(sample_events(seed=8, start=0.0)) != _without_timestamps(sample_events(start=0.0))


def test_sample_events_shape() -> None:
    before = time.time()
    events = sample_events()
    assert 40 <= len(events) <= 80
    assert events[-1]["forwarded_at"] < before  # looks live: recent, but in the past
    assert {e["type"] for e in events} == {"actions", "summary"}
    assert [e["forwarded_at"] for e in events] == sorted(e["forwarded_at"] for e in events)
    sessions = {e["session_id"] for e in events}
    assert len(sessions) == 4
    assert len({e["email"] for e in events if e["type"] == "actions"}) == 4
    for event in events:
        assert event["product_id"] == "demo-product"
        if event["type"] == "summary":
            assert event["replaces"] > 0 and event["summary"]
            continue
        assert event["count"] == len(event["actions"]) > 0
        assert [a["index"] for a in event["actions"]] == list(range(len(event["actions"])))
        assert event["actions"][-1]["timestamp_end"] == event["actions"][-1]["timestamp_start"]
        for action in event["actions"]:
            assert action["type"] in {"pageview", "click", "submit", "type", "focus"}
            assert action["session_id"] == event["session_id"]
            assert action["canonical_url"].startswith("https://")
            assert not any(part.isdigit() for part in action["canonical_url"].split("/"))
            assert action["timestamp_start"] <= action["timestamp_end"] <= event["forwarded_at"]
    assert any(":id" in a["canonical_url"] for e in events for a in e.get("actions", ()))
    assert {e["product_id"] for e in sample_events(product_id="p2", sessions=2)} == {"p2"}
    with pytest.raises(SdkConfigError):
        sample_events(sessions=0)


def test_sample_events_stream_through_the_connector(client: httpx.Client) -> None:
    events = sample_events(start=1_700_000_000.0, sessions=1)
    with (
        LocalConnector(events, heartbeat_s=30.0) as server,
        client.stream("GET", server.stream_url, headers=auth(server)) as response,
    ):
        frames = FrameReader(response).take(len(events))
    decoded = [json.loads(f.split(b"data: ", 1)[1]) for f in frames]
    assert decoded == events
