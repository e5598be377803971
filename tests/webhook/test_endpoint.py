"""The FastAPI push endpoint: statuses, the size cap, mounting, and configuration errors."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from autoplay_sdk import SdkConfigError, WebhookReceiver
from autoplay_sdk.api.webhook import build_webhook_app, webhook_router
from tests.webhook.test_receiver import ACTIONS, SECRET, SUMMARY, body, sign


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver")


async def post(
    http: httpx.AsyncClient, raw: bytes, signature: str | None = "auto", path: str = "/webhook"
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        signature = sign(raw)
    if signature is not None:
        headers["X-Connector-Signature"] = signature
    return await http.post(path, content=raw, headers=headers)


async def test_statuses_for_each_kind_of_request(caplog: pytest.LogCaptureFixture) -> None:
    got: list[Any] = []

    def on_summary(_: Any) -> None:
        raise RuntimeError("callback broke")

    app = build_webhook_app(WebhookReceiver(SECRET, on_actions=got.append, on_summary=on_summary))
    async with client(app) as http:
        ok = await post(http, body(ACTIONS))
        assert (ok.status_code, ok.json()) == (200, {"status": "ok"})
        assert len(got) == 1
        for raw, signature in [(body(ACTIONS), None), (body(ACTIONS), sign(b"other")), (body(ACTIONS), "sha256=")]:
            r = await post(http, raw, signature)
            assert (r.status_code, r.json()) == (401, {"detail": "Invalid X-Connector-Signature"})
        with caplog.at_level(logging.WARNING):
            for raw in [b"{not json", b"\xff", b"[]", body({"type": "usertour_trigger"}), body(SUMMARY)]:
                r = await post(http, raw)
                assert (r.status_code, r.json()) == (200, {"status": "ok"}), raw
        assert len(got) == 1
        assert (await http.get("/webhook")).status_code == 405
    assert "callback broke" in caplog.text


async def test_bodies_over_the_cap_get_413_declared_or_streamed() -> None:
    app = build_webhook_app(WebhookReceiver(SECRET), max_body_bytes=64)
    big = b"{" + b" " * 100 + b"}"
    async with client(app) as http:
        r = await post(http, big)
        assert r.status_code == 413 and "64" in r.json()["detail"]

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
            for _ in range(10):
                yield b" " * 10

        r = await http.post("/webhook", content=chunks(), headers={"X-Connector-Signature": sign(b"")})
        assert r.status_code == 413
        exact = body({"type": "summary", "summary": "x" * 20})
        assert len(exact) <= 64 and (await post(http, exact)).status_code == 200
        r = await http.post("/webhook", content=b"{}", headers={"Content-Length": "abc"})
        assert r.status_code == 400


async def test_the_default_cap_is_one_mebibyte() -> None:
    app = build_webhook_app(WebhookReceiver(SECRET))
    async with client(app) as http:
        fits = json.dumps({"type": "summary", "summary": "x" * ((1 << 20) - 100)}).encode()
        assert (await post(http, fits)).status_code == 200
        assert (await post(http, fits + b" " * 200)).status_code == 413


async def test_the_router_mounts_in_an_existing_app_under_a_prefix() -> None:
    got: list[Any] = []
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"ok": "yes"}

    app.include_router(webhook_router(WebhookReceiver(SECRET, on_summary=got.append), path="/in"), prefix="/autoplay")
    async with client(app) as http:
        assert (await http.get("/health")).json() == {"ok": "yes"}
        assert (await post(http, body(SUMMARY), path="/autoplay/in")).status_code == 200
    assert [p.summary for p in got] == ["browsed"]


async def test_unsigned_receivers_need_an_explicit_opt_in() -> None:
    with pytest.raises(SdkConfigError, match="allow_unsigned=True"):
        webhook_router(WebhookReceiver())
    app = build_webhook_app(WebhookReceiver(), allow_unsigned=True)
    async with client(app) as http:
        assert (await post(http, body(SUMMARY), None)).status_code == 200
    with pytest.raises(SdkConfigError, match="max_body_bytes"):
        webhook_router(WebhookReceiver(SECRET), max_body_bytes=0)
    with pytest.raises(SdkConfigError, match="path"):
        webhook_router(WebhookReceiver(SECRET), path="webhook")
    with pytest.raises(SdkConfigError, match="receiver"):
        webhook_router(object())  # type: ignore[arg-type]


def test_without_fastapi_the_error_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['fastapi'] = None\n"
        "from autoplay_sdk import WebhookReceiver\n"
        "from autoplay_sdk.api.webhook import webhook_router\n"
        "try:\n"
        "    webhook_router(WebhookReceiver('s'))\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "pip install 'autoplay-sdk[serve]'" in result.stdout
