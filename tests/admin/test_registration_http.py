"""``POST /products`` at the HTTP level (respx): request shape, every kind of answer, timeouts, the TTY UI."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from autoplay_sdk.admin import (
    ConnectorRegistrationHttpError,
    ProductAlreadyRegisteredError,
    UnkeyOnboardingError,
    onboard_product,
    onboard_product_sync,
)
from autoplay_sdk.admin import connector_registration_http as http_mod
from autoplay_sdk.admin import product_onboarding as runner

BASE = "https://connector.test"
OK_BODY = {"unkey_key": " key-1 ", "unkey_key_id": "kid-1", "webhook_secret": "srv-secret", "dual_write": True}


def _sent(route: respx.Route) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls.last.request.content)
    return body


@respx.mock
async def test_201_request_shape_and_result() -> None:
    route = respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json=OK_BODY))
    result = await onboard_product(" acme ", contact_email=" ops@acme.io ", connector_url=f" {BASE}/ ")

    request = route.calls.last.request
    assert request.method == "POST" and str(request.url) == f"{BASE}/products"
    assert "x-admin-key" not in request.headers and "authorization" not in request.headers
    assert request.headers["content-type"] == "application/json"
    body = _sent(route)
    assert list(body) == [
        "product_id",
        "contact_email",
        "webhook_secret",
        "integration_type",
        "integration_config",
        "forward_url",
        "forward_secret",
        "force_reregister",
    ]
    assert body["product_id"] == "acme" and body["contact_email"] == "ops@acme.io"
    assert body["integration_type"] == "event_stream" and body["integration_config"] == {"mode": "sse"}
    assert (body["forward_url"], body["forward_secret"], body["force_reregister"]) == ("", "", False)
    assert len(body["webhook_secret"]) == 43  # secrets.token_urlsafe(32)

    assert result.product_id == "acme"
    assert result.webhook_url == f"{BASE}/webhook/acme" and result.stream_url == f"{BASE}/stream/acme"
    assert result.webhook_secret == "srv-secret"  # the connector's value wins
    assert (result.unkey_key, result.unkey_key_id) == ("key-1", "kid-1")
    assert result.render_sync_performed is True and result.integration_type == "event_stream"
    assert result.connector_response == OK_BODY


@respx.mock
async def test_given_secret_is_sent_and_kept_when_the_connector_returns_none() -> None:
    route = respx.post(f"{BASE}/products").mock(
        return_value=httpx.Response(201, json={"unkey_key": "k", "unkey_key_id": "i", "webhook_secret": "  "})
    )
    result = await onboard_product("p", contact_email="e@x", connector_url=BASE, webhook_secret=" mine ")
    assert _sent(route)["webhook_secret"] == "mine"
    assert result.webhook_secret == "mine" and result.render_sync_performed is False


@respx.mock
@pytest.mark.parametrize("force", [False, True])
async def test_409_surfaces_as_product_already_registered(force: bool) -> None:
    route = respx.post(f"{BASE}/products").mock(
        return_value=httpx.Response(409, json={"detail": "exists", "webhook_secret": "leak"})
    )
    with pytest.raises(ProductAlreadyRegisteredError) as info:
        await onboard_product("p", contact_email="e@x", connector_url=BASE, force_reregister=force)
    assert _sent(route)["force_reregister"] is force
    err = info.value
    assert err.status_code == 409
    assert err.response_text == '{"detail":"exists","webhook_secret":"[REDACTED]"}'
    assert str(err) == 'connector returned HTTP 409: {"detail":"exists","webhook_secret":"[REDACTED]"}'
    assert "leak" not in str(err)
    assert isinstance(err.__cause__, ProductAlreadyRegisteredError)  # chained to the HTTP layer's error


@respx.mock
async def test_force_reregister_accepted_returns_rotated_credentials() -> None:
    respx.post(f"{BASE}/products").mock(
        return_value=httpx.Response(201, json={"unkey_key": "new", "unkey_key_id": "n1", "webhook_secret": "rot"})
    )
    result = await onboard_product("p", contact_email="e@x", connector_url=BASE, force_reregister=True)
    assert (result.unkey_key, result.webhook_secret) == ("new", "rot")


@respx.mock
@pytest.mark.parametrize("status", [200, 302, 400, 401, 422, 500, 503])
async def test_any_status_but_201_is_an_error(status: int) -> None:
    headers = {"location": f"{BASE}/elsewhere"} if status == 302 else None
    respx.post(f"{BASE}/products").mock(return_value=httpx.Response(status, text="  nope  ", headers=headers))
    with pytest.raises(ConnectorRegistrationHttpError) as info:
        await onboard_product("p", contact_email="e@x", connector_url=BASE)
    assert type(info.value) is ConnectorRegistrationHttpError
    assert info.value.status_code == status
    assert str(info.value) == f"connector returned HTTP {status}: nope"
    assert info.value.response_text == "nope"


@respx.mock
@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (httpx.ConnectError("connection refused"), "connection refused"),
        (httpx.ReadTimeout(""), "ReadTimeout"),
        (httpx.ConnectTimeout("timed out"), "timed out"),
    ],
)
async def test_transport_failures_name_the_connector(error: Exception, detail: str) -> None:
    respx.post(f"{BASE}/products").mock(side_effect=error)
    with pytest.raises(ConnectorRegistrationHttpError) as info:
        await onboard_product("p", contact_email="e@x", connector_url=BASE + "/")
    err = info.value
    assert (err.status_code, err.response_text) == (None, "")
    assert str(err).startswith(f"Could not reach the connector at '{BASE}' ({detail}). Check the connector_url")
    assert str(err).endswith("Render and Unkey credentials belong on the connector host only.")
    assert isinstance(err.__cause__, ConnectorRegistrationHttpError)
    assert isinstance(err.__cause__.__cause__, type(error))


async def test_connection_refused_for_real() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectorRegistrationHttpError) as info:
        await onboard_product("p", contact_email="e@x", connector_url=f"http://127.0.0.1:{port}")
    assert info.value.status_code is None and f"127.0.0.1:{port}" in str(info.value)


@respx.mock
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"unkey_key": "k"},
        {"unkey_key_id": "i"},
        {"unkey_key": " ", "unkey_key_id": "i"},
        {"unkey_key": 5, "unkey_key_id": "i"},
    ],
)
async def test_201_without_stream_key_is_unkey_onboarding_error(body: dict[str, Any]) -> None:
    respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json=body))
    with pytest.raises(UnkeyOnboardingError, match="missing unkey_key / unkey_key_id"):
        await onboard_product("p", contact_email="e@x", connector_url=BASE)


@respx.mock
@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b'"text"'])
async def test_201_that_is_not_a_json_object_is_a_connector_error(content: bytes) -> None:
    respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, content=content))
    with pytest.raises(ConnectorRegistrationHttpError) as info:
        await onboard_product("p", contact_email="e@x", connector_url=BASE)
    assert info.value.status_code == 201 and "without a JSON object body" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"product_id": "  "}, "Please provide a non-empty product_id to onboard_product."),
        ({"contact_email": " "}, "Please provide a non-empty contact_email to onboard_product"),
        ({"contact_email": None}, "Please provide a non-empty contact_email"),
        ({"connector_url": "/"}, "connector_url resolved empty (unexpected)."),
    ],
)
async def test_validation_happens_before_any_io(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"product_id": "p", "contact_email": "e@x", **kwargs}
    with respx.mock(assert_all_called=False) as router:
        route = router.post(url__regex=r".*").mock(return_value=httpx.Response(201, json=OK_BODY))
        with pytest.raises(ValueError) as info:
            await onboard_product(args.pop("product_id"), **args)
    assert str(info.value).startswith(message)
    assert not route.called


@respx.mock
async def test_default_connector_url() -> None:
    route = respx.post("https://event-connector-luda.onrender.com/products").mock(
        return_value=httpx.Response(201, json=OK_BODY)
    )
    result = await onboard_product("p", contact_email="e@x")
    assert route.called and result.stream_url == "https://event-connector-luda.onrender.com/stream/p"


@respx.mock
async def test_a_given_client_is_used_and_left_open() -> None:
    respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json=OK_BODY))
    async with httpx.AsyncClient() as client:
        await onboard_product("p", contact_email="e@x", connector_url=BASE, client=client)
        assert not client.is_closed


def test_sync_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    with respx.mock:
        respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json=OK_BODY))
        assert onboard_product_sync("p", contact_email="e@x", connector_url=BASE).unkey_key == "key-1"


async def test_sync_twin_refuses_a_running_loop() -> None:
    with pytest.raises(RuntimeError, match="await onboard_product"):
        onboard_product_sync("p", contact_email="e@x", connector_url="http://127.0.0.1:9")


async def test_own_client_timeout_comes_from_params_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    class Spy(httpx.AsyncClient):
        def __init__(self, **kwargs: Any) -> None:
            seen.append(kwargs.get("timeout"))
            super().__init__(**kwargs)

    monkeypatch.setattr(runner.httpx, "AsyncClient", Spy)
    monkeypatch.setenv("ONBOARD_CONNECTOR_TIMEOUT_SECONDS", "500")
    with respx.mock:
        respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json=OK_BODY))
        await onboard_product("p", contact_email="e@x", connector_url=BASE)
        await onboard_product("p", contact_email="e@x", connector_url=BASE, connector_http_timeout_seconds=0.25)
    assert seen == [120.0, 0.25]  # clamped from the environment, used as given from the argument


async def test_runner_monkeypatch_points_are_looked_up_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_post(**kwargs: Any) -> dict[str, Any]:
        assert kwargs["product_id"] == "p" and kwargs["client"] is not None
        return {"unkey_key": "k", "unkey_key_id": "i"}

    printed: list[str] = []
    monkeypatch.setattr(runner, "post_register_product_cli", fake_post)
    monkeypatch.setattr(
        runner, "print_onboarding_operator_summary", lambda r, connector_url: printed.append(connector_url)
    )
    params = runner.OnboardingRunParams(BASE, "", " p ", "e@x", "given", quiet=True)
    result = await runner.run_product_onboarding(params)
    assert result.webhook_secret == "given" and printed == [BASE]


async def test_admin_key_header_only_when_not_blank() -> None:
    with respx.mock:
        route = respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json={}))
        await http_mod.post_register_product_payload(connector_url=BASE, admin_key=" adm ", payload={})
        assert route.calls.last.request.headers["x-admin-key"] == "adm"
        await http_mod.post_register_product_payload(connector_url=BASE, admin_key="  ", payload={})
        assert "x-admin-key" not in route.calls.last.request.headers


def test_payload_builders() -> None:
    cli = http_mod.build_register_payload_from_cli(
        product_id="p",
        contact_email="e",
        webhook_secret="s",
        integration_type="webhook",
        forward_url="u",
        forward_secret="f",
    )
    assert cli["integration_config"] == {"url": "u", "secret": "f"} and "force_reregister" not in cli
    other = http_mod.build_register_payload_from_cli(
        product_id="p",
        contact_email="e",
        webhook_secret="s",
        integration_type="webhook",
        forward_url="",
        forward_secret="",
    )
    assert other["integration_config"] == {}
    merged = http_mod.build_register_payload_from_merged_entry(
        {"product_id": 12, "contact_email": " a@b ", "secret": "s"}
    )
    assert merged == {
        "product_id": "12",
        "contact_email": "a@b",
        "webhook_secret": "s",
        "integration_type": "webhook",
        "integration_config": {},
        "forward_url": "",
        "forward_secret": "",
    }
    with pytest.raises(ConnectorRegistrationHttpError, match="merged entry missing product_id"):
        http_mod.build_register_payload_from_merged_entry({"contact_email": "a@b"})
    with pytest.raises(ConnectorRegistrationHttpError, match="missing contact_email"):
        http_mod.build_register_payload_from_merged_entry({"product_id": "p", "contact_email": None})


@respx.mock
async def test_merged_row_is_always_force_reregistered() -> None:
    route = respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json={}))
    await http_mod.post_register_product_merged_row(
        connector_url=BASE, admin_key="", entry={"product_id": "p", "contact_email": "e@x"}
    )
    assert _sent(route)["force_reregister"] is True


# --------------------------------------------------------------------------- terminal UI


async def test_no_output_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with respx.mock:
        respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json=OK_BODY))
        await onboard_product("p", contact_email="e@x", connector_url=BASE)
    assert capsys.readouterr() == ("", "")


async def test_terminal_lines(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_mod, "_registration_tty_ui", lambda: True)
    with respx.mock:
        route = respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json=OK_BODY))
        await onboard_product("p", contact_email="e@x", connector_url=BASE)
        assert capsys.readouterr().out == "✓ Product registered successfully\n"

        route.mock(return_value=httpx.Response(500, text="x" * 900))
        with pytest.raises(ConnectorRegistrationHttpError):
            await onboard_product("p", contact_email="e@x", connector_url=BASE)
        assert capsys.readouterr().out == f"✗ Registration failed — {'x' * 800}…. Please re-register.\n"

        route.mock(return_value=httpx.Response(503, text=""))
        with pytest.raises(ConnectorRegistrationHttpError):
            await onboard_product("p", contact_email="e@x", connector_url=BASE)
        assert capsys.readouterr().out == "✗ Registration failed — HTTP 503. Please re-register.\n"

        route.mock(side_effect=httpx.ConnectError("refused"))
        with pytest.raises(ConnectorRegistrationHttpError):
            await onboard_product("p", contact_email="e@x", connector_url=BASE)
        assert capsys.readouterr().out == "✗ Registration failed — refused. Please re-register.\n"

        route.mock(side_effect=KeyError("boom"))
        with pytest.raises(KeyError):
            await onboard_product("p", contact_email="e@x", connector_url=BASE)
        assert capsys.readouterr().out == "✗ Registration failed — 'boom'. Please re-register.\n"


async def test_quiet_prints_nothing_even_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_mod, "_registration_tty_ui", lambda: True)
    with respx.mock:
        route = respx.post(f"{BASE}/products").mock(return_value=httpx.Response(201, json=OK_BODY))
        result = await onboard_product("p", contact_email="e@x", connector_url=BASE, quiet=True)
        assert result.product_id == "p"
        route.mock(return_value=httpx.Response(503, text=""))
        with pytest.raises(ConnectorRegistrationHttpError):
            await onboard_product("p", contact_email="e@x", connector_url=BASE, quiet=True)
        route.mock(return_value=httpx.Response(201, json=OK_BODY))
        body = await http_mod.post_register_product_payload(
            connector_url=BASE, admin_key="", payload={"product_id": "p"}, quiet=True
        )
        assert body == OK_BODY
    assert capsys.readouterr() == ("", "")
