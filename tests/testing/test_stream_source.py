"""``stream_source``: the URL you pass, or a local connector with a sample that stops with the block."""

from __future__ import annotations

import httpx
import pytest

from autoplay_sdk import ConnectorClient
from autoplay_sdk.testing import PayloadRecorder, StreamSource, sample_events, stream_source


def test_a_given_url_is_passed_through_and_nothing_is_started() -> None:
    with stream_source("https://connector.example/stream/acme", "k-123") as source:
        assert source == StreamSource("https://connector.example/stream/acme", "k-123", None)
        assert not source.local
        assert "k-123" not in repr(source)
    with stream_source("https://connector.example/stream/acme") as source:
        assert source.token == ""  # the client then reads AUTOPLAY_APP_UNKEY_TOKEN itself


@pytest.mark.parametrize("url", [None, ""])
def test_without_a_url_a_local_connector_serves_the_sample_until_the_block_ends(url: str | None) -> None:
    with stream_source(url, sessions=1, seed=3) as source:
        assert source.local and source.expected == len(sample_events(sessions=1, seed=3))
        received = PayloadRecorder()
        client = ConnectorClient(source.url, token=source.token).on_actions(received).on_summary(received)
        thread = client.run_in_background()
        assert received.wait_for(source.expected, timeout=source.timeout)
        client.stop()
        thread.join()
    with pytest.raises(httpx.ConnectError):
        httpx.get(source.url, timeout=2)
