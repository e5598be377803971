"""Hosted onboarding: the REST contract against a real local server, redaction, end to end on the local connector."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest

import autoplay_sdk.admin as admin
from autoplay_sdk import AsyncConnectorClient
from autoplay_sdk.admin import (
    DEFAULT_CONNECTOR_URL,
    ConnectorRegistrationHttpError,
    ProductAlreadyRegisteredError,
    hosted,
    onboard_product,
)
from autoplay_sdk.admin import connector_registration_http as http
from autoplay_sdk.admin.hosted import (
    HOSTED_CONNECTOR_URL,
    HostedOnboardProductResult,
    onboard_hosted_product,
    onboard_hosted_product_sync,
    print_hosted_onboarding_summary,
)
from autoplay_sdk.providers import AmplitudeProvider
from autoplay_sdk.testing import LocalConnector, sample_events
from tests.providers._http import serve

INGEST, MCP, OWNER = "ingest-SECRET-111", "mcp-KEY-222", "owner-TOKEN-333"


def _created(product_id: str = "prod_1") -> dict[str, Any]:
    return {
        "product_id": product_id,
        "provider": "amplitude",
        "provider_project_id": "123",
        "setup": {
            "ingest_url": "https://h/ingest/amplitude/prod_1",
            "mcp_url": "https://mcp/mcp",
            "mcp_auth": "Bearer",
        },
        "credentials": {"ingest_secret": INGEST, "mcp_key": MCP, "owner_token": OWNER},
    }


def _onboard(base: str, **kw: Any) -> Any:
    args: dict[str, Any] = {"contact_email": " ops@acme.io ", "user_activity_provider": "amplitude"} | kw
    return onboard_hosted_product(" 123 ", connector_url=base + "/", **args)


def test_names() -> None:
    assert hosted.__all__ == [
        "HOSTED_CONNECTOR_URL",
        "HostedOnboardProductResult",
        "onboard_hosted_product",
        "onboard_hosted_product_sync",
        "print_hosted_onboarding_summary",
    ]
    assert HOSTED_CONNECTOR_URL == "https://connector.autoplay.ai"
    assert DEFAULT_CONNECTOR_URL == "https://event-connector-luda.onrender.com"  # the Render default is unchanged
    assert "onboard_hosted_product" not in admin.__all__ and len(admin.__all__) == 9
    assert http.build_aws_register_payload(provider="posthog", provider_project_id="9", contact_email=" a@b ") == {
        "provider": "posthog",
        "provider_project_id": "9",
        "contact_email": " a@b ",
    }
    assert list(
        http.build_aws_register_payload(
            provider="p", provider_project_id="9", contact_email="e", ingest_secret=" s ", owner_token=" ", name=" n "
        ).items()
    )[3:] == [("ingest_secret", "s"), ("name", "n")]


async def test_201_request_and_result(capsys: pytest.CaptureFixture[str]) -> None:
    with serve(lambda req: (201, _created())) as (base, seen):
        result = await _onboard(base, owner_token=" t ", name=" Acme ", print_operator_summary=True)
    (request,) = seen
    assert (request.method, request.path) == ("POST", "/products") and "x-admin-key" not in request.headers
    assert request.body == {
        "provider": "amplitude",
        "provider_project_id": "123",
        "contact_email": "ops@acme.io",
        "owner_token": "t",
        "name": "Acme",
    }
    assert result.product_id == "prod_1" and result.ingest_secret == INGEST and result.owner_token == OWNER
    assert result.ingest_auth == "" and result.mcp_auth == "Bearer" and result.connector_response == _created()
    for secret in (INGEST, MCP, OWNER):
        assert secret not in repr(result)
    out = capsys.readouterr().out
    assert all(s in out for s in (INGEST, MCP, OWNER, "prod_1 (amplitude)", "Authorization: Bearer <ingest_secret>"))


@pytest.mark.parametrize(
    ("status", "error", "body"),
    [
        (409, ProductAlreadyRegisteredError, {"detail": "exists", "owner_token": OWNER}),
        (403, ConnectorRegistrationHttpError, {"detail": f"owner token {OWNER} does not match"}),
        (200, ConnectorRegistrationHttpError, _created()),
        (500, ConnectorRegistrationHttpError, f"stack trace echoing what was sent: {INGEST} and {OWNER}"),
        (502, ConnectorRegistrationHttpError, {"error": {"mcp_key": MCP, "Ingest_Secret": INGEST}}),
    ],
)
async def test_statuses_and_redaction(
    status: int, error: type[Exception], body: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.DEBUG),
        serve(lambda req: (status, body)) as (base, _),
        pytest.raises(error) as info,
    ):
        await _onboard(base, ingest_secret=INGEST, owner_token=OWNER)
    exc = info.value
    assert type(exc) is error and exc.status_code == status  # type: ignore[attr-defined]
    assert str(exc).startswith(f"connector returned HTTP {status}: ")
    for secret in (INGEST, MCP, OWNER):
        assert secret not in str(exc) and secret not in exc.response_text  # type: ignore[attr-defined]
        assert not any(secret in r.getMessage() for r in caplog.records)


async def test_missing_fields_and_validation_order(unused_port: int) -> None:
    partial = {"product_id": "", "setup": [], "credentials": {"mcp_key": MCP}}
    with serve(lambda req: (201, partial)) as (base, _), pytest.raises(RuntimeError) as info:
        await _onboard(base)
    assert str(info.value) == (
        "Product registration did not return all required fields: product_id; setup.ingest_url; "
        "credentials.ingest_secret. Check the connector version and configuration."
    )
    with pytest.raises(ValueError, match="user_activity_provider is required"):
        await onboard_hosted_product("", contact_email="", user_activity_provider=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Invalid provider 'x'"):
        await onboard_hosted_product("", contact_email="", user_activity_provider="x")
    with pytest.raises(ValueError, match="non-empty provider_project_id"):
        await onboard_hosted_product(" ", contact_email="", user_activity_provider=AmplitudeProvider())
    with pytest.raises(ValueError, match="non-empty contact_email"):
        await onboard_hosted_product("1", contact_email=" ", user_activity_provider="posthog")
    with pytest.raises(ValueError, match="connector_url resolved empty"):
        await onboard_hosted_product("1", contact_email="a@b", user_activity_provider="posthog", connector_url="/")
    with pytest.raises(ConnectorRegistrationHttpError) as unreachable:
        await onboard_hosted_product(
            "1", contact_email="a@b", user_activity_provider="posthog", connector_url=f"http://127.0.0.1:{unused_port}",
            connector_http_timeout_seconds=5,
        )  # fmt: skip
    assert unreachable.value.status_code is None
    with pytest.raises(RuntimeError, match="running event loop"):
        onboard_hosted_product_sync("1", contact_email="a@b", user_activity_provider="posthog")


def test_sync_twin_and_injected_client_left_open() -> None:
    with serve(lambda req: (201, _created())) as (base, _):
        assert onboard_hosted_product_sync("1", contact_email="a@b", user_activity_provider="posthog",
                                           connector_url=base).product_id == "prod_1"  # fmt: skip

        async def with_client() -> bool:
            async with httpx.AsyncClient() as client:
                await _onboard(base, client=client)
                return client.is_closed

        assert asyncio.run(with_client()) is False


def test_summary_without_owner_token(capsys: pytest.CaptureFixture[str]) -> None:
    result = HostedOnboardProductResult("p", "posthog", "1", "https://i", "IS", "", "https://m", "MK", "", None, {})
    print_hosted_onboarding_summary(result)
    out = capsys.readouterr().out
    assert "Owner token" not in out and "Authorization: Bearer <mcp_key>" in out and "=" * 60 in out


async def test_end_to_end_on_the_local_connector() -> None:
    """Both contracts on one local connector; the hosted product streams with its MCP key."""
    with LocalConnector() as connector:
        render = await onboard_product("acme", contact_email="ops@acme.io", connector_url=connector.base_url)
        first = await onboard_hosted_product(
            "ph-777", contact_email="ops@acme.io", user_activity_provider="posthog", connector_url=connector.base_url
        )
        assert first.product_id.startswith("prod_") and first.product_id != "ph-777" and first.owner_token
        assert first.ingest_url == f"{connector.base_url}/ingest/posthog/{first.product_id}"
        with pytest.raises(ConnectorRegistrationHttpError) as refused:
            await onboard_hosted_product(
                "ph-777",
                contact_email="ops@acme.io",
                user_activity_provider="posthog",
                connector_url=connector.base_url,
            )
        assert refused.value.status_code == 403 and first.owner_token not in str(refused.value)
        rotated = await onboard_hosted_product(
            "ph-777", contact_email="ops@acme.io", user_activity_provider="posthog", connector_url=connector.base_url,
            owner_token=first.owner_token,
        )  # fmt: skip
        assert rotated.product_id == first.product_id and rotated.owner_token is None
        assert rotated.mcp_key != first.mcp_key

        stream = f"{connector.base_url}/stream/{rotated.product_id}"
        for key, status in ((first.mcp_key, 403), (render.unkey_key, 403), (rotated.mcp_key, 200)):
            async with (
                httpx.AsyncClient() as probe,
                probe.stream("GET", stream, headers={"Authorization": f"Bearer {key}"}) as response,
            ):
                assert response.status_code == status

        events = sample_events(product_id=rotated.product_id, sessions=1)
        connector.publish_many(events, product_id=rotated.product_id)
        received: list[Any] = []
        done = asyncio.Event()
        client = AsyncConnectorClient(stream, token=rotated.mcp_key, max_retries=0)

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
    assert json.dumps([p.product_id for p in received]).count(rotated.product_id) == len(events)
