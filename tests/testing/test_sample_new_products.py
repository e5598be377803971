"""``LocalConnector(sample_new_products=True)``: a newly registered product streams its own sample."""

from __future__ import annotations

from autoplay_sdk import ConnectorClient
from autoplay_sdk.admin import onboard_product_sync
from autoplay_sdk.testing import LocalConnector, PayloadRecorder, sample_events

MARKER = {"type": "summary", "product_id": "acme", "session_id": "marker", "summary": "the end", "replaces": 0}


def read_until_marker(connector: LocalConnector, key: str) -> list[str]:
    """Session ids of what the ``acme`` stream serves, up to and including the marker published last."""
    connector.publish(MARKER, product_id="acme")
    received = PayloadRecorder()
    client = ConnectorClient(f"{connector.base_url}/stream/acme", token=key).on_actions(received).on_summary(received)
    thread = client.run_in_background()
    try:
        assert received.wait_for(lambda got: any(p.session_id == "marker" for p in got), timeout=30)
    finally:
        client.stop()
        thread.join()
    return [p.session_id for p in received.payloads]


def test_a_new_product_gets_the_sample_once_and_a_rotation_adds_nothing() -> None:
    with LocalConnector(sample_new_products=True) as connector:
        onboard_product_sync("acme", contact_email="ops@acme.io", connector_url=connector.base_url)
        result = onboard_product_sync(
            "acme", contact_email="ops@acme.io", connector_url=connector.base_url, force_reregister=True
        )
        sessions = read_until_marker(connector, str(result.unkey_key))
    sample = sample_events(product_id="acme")
    assert sessions == [*(e["session_id"] for e in sample), "marker"]


def test_by_default_a_registered_product_starts_empty() -> None:
    with LocalConnector() as connector:
        result = onboard_product_sync("acme", contact_email="ops@acme.io", connector_url=connector.base_url)
        assert read_until_marker(connector, str(result.unkey_key)) == ["marker"]
