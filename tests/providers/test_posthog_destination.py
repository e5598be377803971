"""PostHog destination REST calls against a real local HTTP server: pagination, statuses, redaction."""

from __future__ import annotations

import logging
from importlib import resources

import httpx
import pytest

from autoplay_sdk.providers.posthog.destination import (
    DestinationResult,
    DestinationStatus,
    PostHogDestinationError,
    build_destination_body,
    check_destination_status,
    create_or_update_destination,
)
from tests.providers._http import Request, serve

KEY = "phx_personal_key_123"
SECRET = "whsec_abcdef"
BASE = "/api/environments/42/hog_functions"


def _call(host: str, **kw: str) -> object:
    return create_or_update_destination(
        host=host + "/",
        project_id="42",
        personal_api_key=KEY,
        webhook_url="https://c/webhook/p",
        webhook_secret=SECRET,
        **kw,
    )


def test_body_and_packaged_hog() -> None:
    body = build_destination_body(webhook_url="https://c/w", webhook_secret=SECRET)
    assert list(body) == ["type", "name", "hog", "inputs", "inputs_schema", "enabled", "filters"]
    assert body["name"] == "Autoplay Event Stream" and body["enabled"] is True and body["filters"] == {}
    assert body["inputs"]["headers"] == {"value": {"x-posthog-secret": SECRET}}
    hog = resources.files("autoplay_sdk.providers.posthog").joinpath("autoplay_destination.hog").read_text("utf-8")
    assert body["hog"] == hog
    for marker in ('attr__id="', 'attr__name="', 'attr__href="', 'text="', "x-posthog-secret", "button_or_link_text"):
        assert marker in hog


async def test_follows_pages_until_the_name_and_updates_it() -> None:
    def answer(req: Request) -> tuple[int, object]:
        if req.method == "GET" and req.path == BASE:
            return 200, {"results": [{"id": 1, "name": "Other"}], "next": f"{BASE}?offset=1"}
        if req.method == "GET":
            return 200, {"results": [{"id": 7, "name": "Autoplay Event Stream"}], "next": f"{BASE}?offset=2"}
        return 200, {"id": 7}

    with serve(answer) as (host, seen):
        result = await _call(host)
    assert result == DestinationResult("7", created=False)
    assert [(r.method, r.path) for r in seen] == [("GET", BASE), ("GET", f"{BASE}?offset=1"), ("PATCH", f"{BASE}/7")]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in seen)
    assert seen[-1].body["inputs"]["url"] == {"value": "https://c/webhook/p"}


async def test_creates_when_absent_on_every_page() -> None:
    def answer(req: Request) -> tuple[int, object]:
        if req.method == "GET":
            return 200, {"results": "not a list", "next": None}
        return 201, {"id": 99}

    with serve(answer) as (host, seen):
        assert await _call(host) == DestinationResult("99", created=True)
    assert [r.method for r in seen] == ["GET", "POST"]


async def test_next_link_to_another_origin_is_not_followed() -> None:
    with serve(lambda req: (201, {"id": 5})) as (elsewhere, stolen):

        def answer(req: Request) -> tuple[int, object]:
            if req.method == "GET":
                return 200, {"results": [], "next": f"{elsewhere}/steal"}
            return 201, {"id": 3}

        with serve(answer) as (host, _seen):
            assert await _call(host) == DestinationResult("3", created=True)
    assert stolen == []  # the API key never left for the other origin


@pytest.mark.parametrize("stage", ["list", "create"])
async def test_errors_redact_secret_and_key(stage: str, caplog: pytest.LogCaptureFixture) -> None:
    echo = f"bad request: key {KEY} secret {SECRET}"

    def answer(req: Request) -> tuple[int, object]:
        if req.method == "GET":
            return (403, echo) if stage == "list" else (200, {"results": []})
        return 400, {"detail": echo}

    with caplog.at_level(logging.DEBUG), serve(answer) as (host, _), pytest.raises(PostHogDestinationError) as info:
        await _call(host)
    text = str(info.value)
    assert text.startswith("PostHog API 403: bad request" if stage == "list" else "PostHog API 400: ")
    assert KEY not in text and SECRET not in text and "***" in text
    assert not any(KEY in r.getMessage() or SECRET in r.getMessage() for r in caplog.records)


async def test_create_without_id_is_an_error() -> None:
    with (
        serve(lambda req: (200, {"results": []}) if req.method == "GET" else (201, {"ok": True})) as (host, _),
        pytest.raises(PostHogDestinationError, match="PostHog API 201: response has no id"),
    ):
        await _call(host)


async def test_status_check_and_injected_client_left_open() -> None:
    def answer(req: Request) -> tuple[int, object]:
        if req.path.endswith("/gone"):
            return 404, {}
        if req.path.endswith("/boom"):
            return 500, f"trace with {KEY}"
        return 200, {"enabled": True} if req.path.endswith("/on") else "not json"

    async with httpx.AsyncClient() as client:
        with serve(answer) as (host, _):
            check = {
                d: await check_destination_status(
                    host=host, project_id="42", personal_api_key=KEY, destination_id=d, client=client
                )
                for d in ("on", "gone", "weird")
            }
            with pytest.raises(PostHogDestinationError) as info:
                await check_destination_status(host=host, project_id="42", personal_api_key=KEY, destination_id="boom")
        assert not client.is_closed
    assert check["on"] == DestinationStatus("on", True, True) and check["on"].ok
    assert check["gone"] == DestinationStatus("gone", False, False) and not check["weird"].ok
    assert KEY not in str(info.value)


async def test_transport_errors_propagate() -> None:
    with pytest.raises(httpx.RequestError):
        await _call("http://127.0.0.1:1")
