"""``autoplay-sdk connector --push-url URL --push-secret S`` against a real receiver."""

from __future__ import annotations

import threading
from typing import Any

from autoplay_sdk import WebhookReceiver
from autoplay_sdk.api.webhook import build_webhook_app
from autoplay_sdk.testing import sample_events
from tests.api._harness import UvicornThread
from tests.cli._run import Run


def test_connector_pushes_every_sample_event_signed_and_reports_the_outcome() -> None:
    expected = len(sample_events())
    got: list[Any] = []
    all_in = threading.Event()

    def take(p: Any) -> None:
        got.append(p)
        if len(got) == expected:
            all_in.set()

    receiver = WebhookReceiver("cli-secret", on_actions=take, on_summary=take)
    with UvicornThread(build_webhook_app(receiver)) as app:
        url = f"http://user:pw@127.0.0.1:{app.port}/webhook"
        run = Run(["connector", "--port", "0", "--push-url", url, "--push-secret", "cli-secret"])
        thread = threading.Thread(target=run)
        thread.start()
        try:
            assert run.ready.wait(10)
            assert all_in.wait(20), f"{len(got)} of {expected} events arrived"
        finally:
            run.stop.set()
            thread.join(15)
    assert run.code == 0
    assert f"Pushing every event to http://127.0.0.1:{app.port}/webhook (signed)" in run.stdout
    assert f"Push: {expected} delivered, 0 rejected, 0 dropped, 0 pending." in run.stdout
    assert "cli-secret" not in run.stdout + run.stderr and ":pw@" not in run.stdout


def test_a_push_url_that_is_not_http_is_a_usage_error() -> None:
    run = Run(["connector", "--push-url", "redis://x"])
    assert run() == 2
    assert "--push-url" in run.stderr
