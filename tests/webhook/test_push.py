"""PushSender and LocalConnector push mode against real servers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from typing import Any

import pytest

from autoplay_sdk import ActionsPayload, SdkConfigError, SummaryPayload, WebhookReceiver
from autoplay_sdk.api.webhook import build_webhook_app
from autoplay_sdk.testing import LocalConnector, PushSender, sample_events
from autoplay_sdk.testing._push import PushRetry
from tests.api._harness import UvicornThread
from tests.webhook._scripted import ScriptedServer, closed_port_url

SECRET = "push-secret"
FAST = {"initial_backoff_s": 0.0, "max_backoff_s": 0.0}


def expected_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_retry_policy_doubles_from_two_seconds_up_to_the_cap() -> None:
    retry = PushRetry()
    assert [retry.delay(n) for n in range(1, 7)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert retry.retryable(None) and retry.retryable(500) and retry.retryable(503)
    assert not retry.retryable(400) and not retry.retryable(401) and not retry.retryable(413)


def test_2xx_delivers_signed_json_once() -> None:
    payload = {"type": "summary", "product_id": "p", "session_id": "s", "summary": "é", "replaces": 1}
    with ScriptedServer([204]) as server, PushSender(server.url, SECRET, **FAST) as sender:
        sender.send(payload)
        assert sender.flush(10)
        [seen] = server.seen
    assert seen.method == "POST" and seen.path == "/hook"
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["x-connector-signature"] == expected_signature(seen.body)
    assert json.loads(seen.body) == payload
    stats = sender.stats
    assert (stats.delivered, stats.rejected, stats.dropped, stats.attempts, stats.pending) == (1, 0, 0, 1, 0)


def test_5xx_and_timeouts_are_retried_with_the_same_bytes_then_delivered() -> None:
    with ScriptedServer([503, "hang", 500, 200]) as server:
        with PushSender(server.url, SECRET, timeout_s=0.3, max_attempts=5, **FAST) as sender:
            sender.send({"type": "summary", "summary": "x"})
            assert sender.flush(20)
        assert len(server.seen) == 4
        assert len({s.body for s in server.seen}) == 1
        assert len({s.headers["x-connector-signature"] for s in server.seen}) == 1
    assert (sender.stats.delivered, sender.stats.attempts, sender.stats.dropped) == (1, 4, 0)


def test_4xx_is_not_retried_and_the_next_payload_still_goes(caplog: pytest.LogCaptureFixture) -> None:
    with (
        ScriptedServer([401, 200]) as server,
        PushSender(server.url, SECRET, **FAST) as sender,
        caplog.at_level(logging.WARNING, logger="autoplay_sdk.testing"),
    ):
        sender.send_many([{"n": 1}, {"n": 2}])
        assert sender.flush(10)
    assert [json.loads(s.body)["n"] for s in server.seen] == [1, 2]
    assert (sender.stats.rejected, sender.stats.delivered, sender.stats.attempts) == (1, 1, 2)
    assert "rejected with HTTP 401 — not retried" in caplog.text
    assert SECRET not in caplog.text


def test_persistent_failures_are_dropped_and_counted_after_max_attempts(caplog: pytest.LogCaptureFixture) -> None:
    with (
        ScriptedServer([502, 502, 502, 200]) as server,
        PushSender(server.url, max_attempts=3, **FAST) as sender,
        caplog.at_level(logging.WARNING, logger="autoplay_sdk.testing"),
    ):
        sender.send_many([{"n": 1}, {"n": 2}])
        assert sender.flush(10)
    assert (sender.stats.dropped, sender.stats.delivered, sender.stats.attempts) == (1, 1, 4)
    assert "x-connector-signature" not in server.seen[0].headers  # no secret: unsigned
    assert "failed 3 times — payload dropped" in caplog.text


def test_an_unreachable_endpoint_is_retried_then_dropped() -> None:
    with PushSender(closed_port_url(), SECRET, max_attempts=2, **FAST) as sender:
        sender.send({"n": 1})
        assert sender.flush(10)
    assert (sender.stats.dropped, sender.stats.attempts) == (1, 2)


def test_a_dropped_push_is_reported_with_its_reason_ids_and_size_never_its_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from autoplay_sdk.client import DropReport

    reports: list[DropReport] = []
    payload = {"type": "actions", "session_id": "s9", "product_id": "p", "email": "jane@example.com"}
    with (
        PushSender(closed_port_url(), SECRET, max_attempts=1, on_drop=reports.append, **FAST) as sender,
        caplog.at_level(logging.WARNING, logger="autoplay_sdk.testing"),
    ):
        sender.send(payload)
        assert sender.flush(10)
    assert reports == [DropReport("push_failed", "actions", "s9", "p", 1)]
    size = len(json.dumps(payload, separators=(",", ":")))
    (record,) = [r for r in caplog.records if "payload dropped" in r.getMessage()]
    assert record.drop_reason == "push_failed" and record.size == size  # type: ignore[attr-defined]
    assert f"({size} bytes, total dropped 1)" in record.getMessage()
    assert "jane@example.com" not in caplog.text


def test_stop_interrupts_a_backoff_wait_and_keeps_the_payload_pending() -> None:
    with ScriptedServer([503]) as server:
        sender = PushSender(server.url, initial_backoff_s=60.0, max_backoff_s=60.0).start()
        sender.send({"n": 1})
        assert server.wait_for_requests(1)
        finished = threading.Event()
        threading.Thread(target=lambda: (sender.stop(), finished.set()), daemon=True).start()
        assert finished.wait(5), "stop() waited for the 60 s backoff"
    assert sender.stats.pending == 1 and sender.stats.delivered == 0


def test_bad_sender_configuration_names_the_parameter() -> None:
    with pytest.raises(SdkConfigError, match="push_url must be an http"):
        PushSender("ftp://x")
    with pytest.raises(SdkConfigError, match="max_attempts"):
        PushSender("http://127.0.0.1:1/", max_attempts=0)
    with pytest.raises(SdkConfigError, match="timeout_s"):
        PushSender("http://127.0.0.1:1/", timeout_s=0)


def test_local_connector_pushes_the_sample_sessions_to_a_real_receiver_end_to_end() -> None:
    events = sample_events()
    got: list[Any] = []
    lock = threading.Lock()

    def record(p: Any) -> None:
        with lock:
            got.append(p)

    receiver = WebhookReceiver(SECRET, on_actions=record, on_summary=record)
    with UvicornThread(build_webhook_app(receiver, path="/autoplay/webhook")) as app:
        url = f"{app.base_url}/autoplay/webhook"
        with LocalConnector(events, push_url=url, push_secret=SECRET) as connector:
            assert connector.pusher is not None
            connector.publish({"type": "usertour_trigger", "product_id": "demo-product", "flow_id": "f"})
            connector.publish("{not json")
            assert connector.pusher.flush(30)
            stats = connector.pusher.stats
    assert stats.delivered == len(events) + 2 and stats.rejected == stats.dropped == 0
    assert [type(p).__name__ for p in got] == [
        "ActionsPayload" if e["type"] == "actions" else "SummaryPayload" for e in events
    ]
    assert [p.session_id for p in got] == [e["session_id"] for e in events]
    assert all(isinstance(p, (ActionsPayload, SummaryPayload)) for p in got)


def test_a_wrong_secret_is_rejected_by_the_receiver_and_not_retried() -> None:
    receiver = WebhookReceiver(SECRET, on_actions=lambda p: None)
    with (
        UvicornThread(build_webhook_app(receiver)) as app,
        PushSender(f"{app.base_url}/webhook", "not-the-secret", **FAST) as sender,
    ):
        sender.send_many(sample_events()[:3])
        assert sender.flush(10)
    assert (sender.stats.rejected, sender.stats.attempts, sender.stats.delivered) == (3, 3, 0)


def test_duplicate_deliveries_reach_the_callback_once_with_dedupe_window() -> None:
    got: list[Any] = []
    receiver = WebhookReceiver(SECRET, on_actions=got.append, on_summary=got.append, dedupe_window=100)
    events = sample_events()[:4]
    with (
        UvicornThread(build_webhook_app(receiver)) as app,
        PushSender(f"{app.base_url}/webhook", SECRET, **FAST) as sender,
    ):
        sender.send_many(events + events)  # the same bytes twice, as a retry would send them
        assert sender.flush(10)
    assert sender.stats.delivered == 8  # every POST was acknowledged
    assert len(got) == 4  # but each payload ran the callback once
