"""The local connector's ``POST /products`` over real HTTP, and streaming with the minted key."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from autoplay_sdk import AsyncConnectorClient, SdkConfigError
from autoplay_sdk.admin import ProductAlreadyRegisteredError, onboard_product
from autoplay_sdk.testing import LocalConnector, sample_events


def _post(connector: LocalConnector, body: Any = None, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{connector.base_url}/products", json=body, **kwargs)


def _stream_status(connector: LocalConnector, product_id: str, key: str) -> int:
    with httpx.stream(
        "GET", f"{connector.base_url}/stream/{product_id}", headers={"Authorization": f"Bearer {key}"}, timeout=5
    ) as response:
        return response.status_code


def _body(pid: str = "acme", **extra: Any) -> dict[str, Any]:
    return {"product_id": pid, "contact_email": "ops@acme.io", "webhook_secret": "proposed", **extra}


def test_201_mints_credentials_and_the_key_streams_at_once(connector: LocalConnector) -> None:
    response = _post(connector, _body())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"product_id", "integration_type", "webhook_secret", "unkey_key", "unkey_key_id", "dual_write"}
    assert body["product_id"] == "acme" and body["integration_type"] == "event_stream"
    assert body["webhook_secret"] == "proposed" and body["dual_write"] is False
    assert len(body["unkey_key"]) == 48 and body["unkey_key_id"].startswith("key_")

    assert _stream_status(connector, "acme", body["unkey_key"]) == 200
    assert _stream_status(connector, "acme", connector.token) == 200  # the connector's own token still works
    assert _stream_status(connector, "demo-product", body["unkey_key"]) == 403  # a key is scoped to its product
    assert _stream_status(connector, "acme", "wrong") == 403


def test_a_blank_secret_gets_a_fresh_one(connector: LocalConnector) -> None:
    first = _post(connector, _body("p1", webhook_secret=" ")).json()
    second = _post(connector, _body("p2", webhook_secret="")).json()
    assert len(first["webhook_secret"]) >= 40 and first["webhook_secret"] != second["webhook_secret"]
    assert first["unkey_key"] != second["unkey_key"]


def test_409_unless_force_and_force_rotates(connector: LocalConnector) -> None:
    first = _post(connector, _body()).json()
    again = _post(connector, _body())
    assert again.status_code == 409
    assert again.json()["status"] == 409 and "force_reregister" in again.json()["detail"]
    assert "proposed" not in again.text and first["unkey_key"] not in again.text
    assert _post(connector, _body(pid=connector.product_id)).status_code == 409  # served from the start

    rotated = _post(connector, _body(force_reregister=True))
    assert rotated.status_code == 201
    new = rotated.json()
    assert new["unkey_key"] != first["unkey_key"] and new["unkey_key_id"] != first["unkey_key_id"]
    assert new["webhook_secret"] not in ("proposed", first["webhook_secret"])
    assert _stream_status(connector, "acme", first["unkey_key"]) == 403
    assert _stream_status(connector, "acme", new["unkey_key"]) == 200


@pytest.mark.parametrize(
    ("content", "status", "detail"),
    [
        (b"{not json", 400, "request body must be JSON"),
        (b"[1]", 400, "request body must be a JSON object"),
        (b'{"contact_email": "a@b"}', 422, "'product_id'"),
        (b'{"product_id": "a/b", "contact_email": "a@b"}', 422, "'product_id'"),
        (b'{"product_id": " ", "contact_email": "a@b"}', 422, "'product_id'"),
        (b'{"product_id": "p"}', 422, "'contact_email'"),
        (b'{"product_id": "p", "contact_email": "not-an-email"}', 422, "'contact_email'"),
        (b'{"product_id": "p", "contact_email": "a@b", "webhook_secret": 5}', 422, "'webhook_secret'"),
        (b'{"product_id": "p", "contact_email": "a@b", "integration_type": "webhook"}', 422, "'integration_type'"),
        (b'{"product_id": "p", "contact_email": "a@b", "integration_config": []}', 422, "'integration_config'"),
        (b'{"product_id": "p", "contact_email": "a@b", "force_reregister": "yes"}', 422, "'force_reregister'"),
    ],
)
def test_bad_bodies(connector: LocalConnector, content: bytes, status: int, detail: str) -> None:
    response = httpx.post(
        f"{connector.base_url}/products", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["status"] == status and detail in response.json()["detail"]
    assert not connector._registry.has("p")


def test_publishing_to_an_unregistered_product_is_still_refused(connector: LocalConnector) -> None:
    with pytest.raises(SdkConfigError):
        connector.publish({"type": "actions"}, product_id="acme")
    _post(connector, _body())
    connector.publish({"type": "actions", "product_id": "acme"}, product_id="acme")


async def test_onboard_product_against_the_local_connector(connector: LocalConnector) -> None:
    result = await onboard_product("acme", contact_email="ops@acme.io", connector_url=connector.base_url)
    assert result.stream_url == f"{connector.base_url}/stream/acme"
    assert result.render_sync_performed is False

    with pytest.raises(ProductAlreadyRegisteredError) as info:
        await onboard_product("acme", contact_email="ops@acme.io", connector_url=connector.base_url)
    assert info.value.status_code == 409

    rotated = await onboard_product(
        "acme", contact_email="ops@acme.io", connector_url=connector.base_url, force_reregister=True
    )
    assert rotated.unkey_key != result.unkey_key

    events = sample_events(product_id="acme", sessions=2)
    connector.publish_many(events, product_id="acme")
    received: list[Any] = []
    done = asyncio.Event()
    client = AsyncConnectorClient(rotated.stream_url, token=rotated.unkey_key, max_retries=0)

    async def on_any(payload: Any) -> None:
        received.append(payload)
        if len(received) == len(events):
            done.set()

    client.on_actions(on_any).on_summary(on_any)
    task = client.run_in_background()
    await asyncio.wait_for(done.wait(), 30)
    client.stop()
    await task
    assert {p.session_id for p in received} == {e["session_id"] for e in events}
