"""Read a stream with your own ``httpx.Client``, extra headers, a retry policy and typed errors.

Run: ``python examples/stream_client.py [STREAM_URL TOKEN]``.  Without arguments it starts the
SDK's local connector (extra ``serve``) with sample traffic, first shows what a wrong token
raises, then reads every sample event and stops by itself.
"""

from __future__ import annotations

import sys
import threading

import httpx

from autoplay_sdk import ConnectorClient, SdkError
from autoplay_sdk.client import RetryPolicy
from autoplay_sdk.core.exceptions import SdkAuthError
from autoplay_sdk.core.models import ActionsPayload, SummaryPayload


def read(url: str, token: str, expected: int | None) -> int:
    received: list[str] = []
    done = threading.Event()

    def on_actions(payload: ActionsPayload) -> None:
        received.append(f"{payload.session_id}: {len(payload.actions)} actions")
        if expected is not None and len(received) >= expected:
            done.set()

    def on_summary(payload: SummaryPayload) -> None:
        received.append(f"{payload.session_id}: summary")
        if expected is not None and len(received) >= expected:
            done.set()

    policy = RetryPolicy(initial_backoff_s=0.5, max_backoff_s=10.0, max_retries=5)
    # Your client: proxies, TLS settings, limits... The SDK uses it and never closes it.
    with httpx.Client(timeout=httpx.Timeout(10.0, read=None)) as http:
        client = ConnectorClient(url, token, http_client=http, headers={"X-Team": "growth"}, retry=policy)
        client.on_actions(on_actions).on_summary(on_summary)
        thread = client.run_in_background()
        done.wait(30 if expected is not None else None)
        client.stop()
        thread.join()
    for line in received[:3]:
        print(line)
    print(f"... {len(received)} payloads, {client.dropped_count} dropped")
    return len(received)


def show_wrong_token(url: str) -> None:
    client = ConnectorClient(url, "not-the-token", max_retries=0)
    try:
        client.run()
    except SdkAuthError as exc:  # also an httpx.HTTPStatusError, like 0.7.5 raised
        print(f"wrong token: {type(exc).__name__}, HTTP {exc.status_code}, request id {exc.request_id}")
    except SdkError as exc:
        print(f"unexpected SDK error: {exc}")


def main() -> None:
    if len(sys.argv) == 3:
        read(sys.argv[1], sys.argv[2], expected=None)
        return
    from autoplay_sdk.testing import LocalConnector, sample_events

    events = sample_events()
    with LocalConnector(events) as connector:
        show_wrong_token(connector.stream_url)
        got = read(connector.stream_url, connector.token, expected=len(events))
    assert got == len(events), (got, len(events))


if __name__ == "__main__":
    main()
