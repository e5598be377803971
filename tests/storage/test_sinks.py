"""The write-only analytics sinks against a real local HTTP server."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from autoplay_sdk.storage import InMemoryStorageAdapter, StorageManager, on_session_end
from autoplay_sdk.storage.adapters._common import best_effort_post, workflow_ids_by_status
from autoplay_sdk.storage.adapters.amplitude import AmplitudeStorageAdapter
from autoplay_sdk.storage.adapters.posthog import PostHogStorageAdapter
from autoplay_sdk.user_adoption_state import SessionSnapshot, UserAdoptionState, WorkflowStatus


class _Collector:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.status = 200


@pytest.fixture
def collector() -> Iterator[tuple[_Collector, str]]:
    seen = _Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.requests.append((self.path, json.loads(body)))
            self.send_response(seen.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _state() -> UserAdoptionState:
    state = UserAdoptionState(user_id="ana")
    state.onboarding.upsert_workflow_progress("invite", status=WorkflowStatus.COMPLETED, confidence=1.0)
    state.onboarding.upsert_workflow_progress("export", status=WorkflowStatus.IN_PROGRESS, confidence=0.3)
    return state


async def test_sinks_post_the_documented_shapes(collector: tuple[_Collector, str]) -> None:
    seen, base = collector
    amp = AmplitudeStorageAdapter("amp-key-1", property_prefix="ap", base_url=f"{base}/2/httpapi")
    ph = PostHogStorageAdapter("phc-key-2", host=f"{base}/")
    assert ph.host == base and "amp-key-1" not in repr(amp) and "phc-key-2" not in repr(ph)
    primary = InMemoryStorageAdapter()
    manager = StorageManager([primary, amp, ph])
    state = _state()
    snap = SessionSnapshot.from_adoption_state(
        state, session_id="s1", session_number=1, started_at=10.0, catalog_workflow_ids=["invite", "export"], now=70.0
    )
    await manager.save_user_state("prod", "ana", state.to_dict())  # the live app saves its progress
    seen.requests.clear()
    await on_session_end("prod", "ana", snap, manager, summary="good start")
    assert (
        await amp.get_user_state("prod", "ana") is None and await ph.get_session_snapshot("prod", "ana", "s1") is None
    )
    assert (await manager.get_user_state("prod", "ana"))["onboarding"]["summary"] == "good start"  # type: ignore[index]
    paths = [p for p, _ in seen.requests]
    assert paths == ["/2/httpapi", "/capture/", "/2/httpapi", "/capture/"]
    amp_session, ph_session, amp_user, ph_user = (b for _, b in seen.requests)
    assert amp_session["api_key"] == "amp-key-1"
    assert amp_session["events"][0]["event_type"] == "autoplay_session_captured"
    assert amp_session["events"][0]["event_properties"] == {
        "product_id": "prod",
        "session_id": "s1",
        "session_number": 1,
        "duration_s": 60.0,
        "completion_rate": 0.5,
        "completed_workflow_ids": ["invite"],
        "in_progress_workflow_ids": ["export"],
        "mastery_level": "novice",
        "reached_onboarding_complete": False,
    }
    assert ph_session == {
        "api_key": "phc-key-2",
        "distinct_id": "ana",
        "event": "autoplay_session_captured",
        "properties": amp_session["events"][0]["event_properties"],
    }
    props = amp_user["events"][0]["user_properties"]["$set"]
    assert amp_user["events"][0]["event_type"] == "$identify"
    assert props["ap_completed_workflows"] == ["invite"] and props["ap_session_count"] == 1
    assert props["ap_onboarding_summary"] == "good start" and props["ap_is_onboarded"] is False
    assert ph_user["event"] == "$set" and ph_user["properties"]["$set"]["completion_rate"] == 0.5
    # sinks are not write-once: a second save posts again
    await ph.save_session_snapshot("prod", "ana", "s1", snap.to_dict())
    assert len(seen.requests) == 5 and seen.requests[-1][1] == ph_session


async def test_post_failures_are_logged_without_the_key(
    collector: tuple[_Collector, str], caplog: pytest.LogCaptureFixture
) -> None:
    seen, base = collector
    seen.status = 500
    with caplog.at_level(logging.WARNING):
        await best_effort_post(f"{base}/x", {"api_key": "sekrit"}, label="Sink")
        await best_effort_post("http://127.0.0.1:1/x", {"api_key": "sekrit"}, label="Sink")
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "Sink: non-2xx response 500"
    assert messages[1].startswith("Sink: post failed: ")
    assert not any("sekrit" in m for m in messages)


def test_workflow_ids_by_status_is_lenient() -> None:
    assert workflow_ids_by_status(_state().to_dict()) == (["invite"], ["export"])
    assert workflow_ids_by_status({"onboarding": {"workflow_progress": [1]}}) == ([], [])
    assert workflow_ids_by_status({}) == ([], [])
