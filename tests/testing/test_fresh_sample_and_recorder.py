"""The sample stays fresh when replayed later; PayloadRecorder waits on what a client delivered."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autoplay_sdk.testing._server as server_module
from autoplay_sdk import AsyncConnectorClient, ConnectorClient
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.testing import LocalConnector, PayloadRecorder, sample_events
from autoplay_sdk.testing._sample import StampedJson, restamped


def _replayed(server: LocalConnector, count: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.stream("GET", server.stream_url, headers=headers, timeout=5.0) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))
                if len(out) == count:
                    return out
    raise AssertionError("stream ended early")


def test_sample_replayed_an_hour_later_looks_just_as_recent(monkeypatch: pytest.MonkeyPatch) -> None:
    events = sample_events(sessions=2)
    made_at = time.time()
    original = json.loads(json.dumps(events))
    with LocalConnector(events, heartbeat_s=30.0) as server:
        fresh = _replayed(server, len(events))
        later = made_at + 3600.0

        def moved_clock() -> float:
            return later + (time.time() - made_at)

        monkeypatch.setattr(server_module, "_wall", moved_clock)
        replayed = _replayed(server, len(events))
        now = moved_clock()
    # An hour later the newest event is still only seconds old, on the moved clock ...
    assert 0 < now - replayed[-1]["forwarded_at"] < 60
    # ... every timestamp moved by the same amount (relative timing kept) ...
    shift = replayed[0]["forwarded_at"] - fresh[0]["forwarded_at"]
    assert 3590 < shift < 3660
    for old, new in zip(fresh, replayed, strict=True):
        assert new["forwarded_at"] == pytest.approx(old["forwarded_at"] + shift, abs=0.01)
        for a, b in zip(old.get("actions", ()), new.get("actions", ()), strict=True):
            assert b["timestamp_start"] == pytest.approx(a["timestamp_start"] + shift, abs=0.01)
            assert b["timestamp_end"] == pytest.approx(a["timestamp_end"] + shift, abs=0.01)
        assert {k: v for k, v in new.items() if k not in ("forwarded_at", "actions")} == {
            k: v for k, v in old.items() if k not in ("forwarded_at", "actions")
        }
    # ... and the caller's dicts are untouched.
    assert events == original
    assert 0 <= fresh[0]["forwarded_at"] - events[0]["forwarded_at"] < 30  # re-stamped at connect time


def test_events_with_explicit_times_are_sent_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    events = sample_events(sessions=1, start=1_700_000_000.0)
    mine = {
        "type": "summary",
        "product_id": "demo-product",
        "session_id": "s",
        "summary": "x",
        "replaces": 1,
        "forwarded_at": 1_700_000_000.0,
    }
    monkeypatch.setattr(server_module, "_wall", lambda: time.time() + 86_400)
    with LocalConnector([*events, mine], heartbeat_s=30.0) as server:
        assert _replayed(server, len(events) + 1) == [*events, mine]


def test_recorder_waits_for_what_the_client_delivered(
    local_connector: LocalConnector, payload_recorder: PayloadRecorder
) -> None:
    events = sample_events(sessions=1)
    local_connector.publish_many(events)
    client = payload_recorder.attach(ConnectorClient(local_connector.stream_url, token=local_connector.token))
    thread = client.run_in_background()
    try:
        assert payload_recorder.wait_for(len(events), timeout=10)
        assert [(p.to_dict()["type"], p.session_id) for p in payload_recorder.payloads] == [
            (e["type"], e["session_id"]) for e in events
        ]
        local_connector.publish({**events[0], "session_id": "late"})
        assert payload_recorder.wait_for(lambda got: got[-1].session_id == "late", timeout=10)
        assert not payload_recorder.wait_for(len(events) + 2, timeout=0.05)  # nothing more comes
    finally:
        client.stop()
        thread.join(10)
    payload_recorder.clear()
    assert len(payload_recorder) == 0


async def test_recorder_waits_without_blocking_the_loop(local_connector: LocalConnector) -> None:
    recorder = PayloadRecorder()
    client = recorder.attach(AsyncConnectorClient(local_connector.stream_url, token=local_connector.token))
    task = client.run_in_background()
    local_connector.publish_many(sample_events(sessions=1)[:3])
    assert await recorder.wait_for_async(3, timeout=10)
    assert all(isinstance(p, ActionsPayload) or p.summary for p in recorder.payloads)
    client.stop()
    await task


def test_recorder_rejects_bad_arguments() -> None:
    recorder = PayloadRecorder()
    with pytest.raises(SdkConfigError, match="expected"):
        recorder.wait_for(-1)
    with pytest.raises(SdkConfigError, match="timeout"):
        recorder.wait_for(1, timeout=-1)


def test_closed_socket_write_warnings_of_the_connector_thread_are_dropped() -> None:
    # asyncio's "socket.send() raised exception." for a client that went away is noise on the
    # connector's own thread; the same record from any other thread still gets through.
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.threadName or "")

    asyncio_logger = logging.getLogger("asyncio")
    handler = Keep(level=logging.WARNING)
    asyncio_logger.addHandler(handler)
    try:
        with LocalConnector(heartbeat_s=30.0):

            def warn() -> None:
                asyncio_logger.warning("socket.send() raised exception.")

            for name in ("autoplay-local-connector", "someone-else"):
                thread = threading.Thread(target=warn, name=name)
                thread.start()
                thread.join()
    finally:
        asyncio_logger.removeHandler(handler)
    assert records == ["someone-else"]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 1000),
    delta=st.floats(0, 10_000_000, allow_nan=False, allow_infinity=False),
)
def test_stamped_json_renders_exactly_the_restamped_event(seed: int, delta: float) -> None:
    for event in sample_events(sessions=2, seed=seed):
        expected = json.dumps(restamped(event, delta), separators=(",", ":"), ensure_ascii=False)
        assert StampedJson.of(event).render(delta) == expected


def test_stamped_json_keeps_odd_fields_as_they_are() -> None:
    event = {"type": "actions", "forwarded_at": True, "actions": [{"timestamp_start": "x"}, 3], "note": "\x00 é"}
    assert StampedJson.of(event).render(5.0) == json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    assert restamped(event, 5.0) == event
