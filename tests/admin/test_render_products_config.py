"""Render ``PRODUCTS_CONFIG`` helpers: merge, parse, serialise, and the REST calls (respx)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
import respx

from autoplay_sdk.admin import render_products_config as render

URL = "https://api.render.com/v1/services/srv/env-vars/PRODUCTS_CONFIG"


@pytest.fixture(autouse=True)
def _default_render_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RENDER_API_BASE_URL", raising=False)


def test_merge_replaces_the_same_id_and_appends_last() -> None:
    a, b = {"product_id": 12, "v": 1}, {"product_id": "other"}
    merged = render.merge_product_entries([a, b], {"product_id": " 12 ", "v": 2})
    assert merged == [b, {"product_id": "12", "v": 2}]
    assert merged[0] is b
    with pytest.raises(ValueError, match="new_entry must include product_id"):
        render.merge_product_entries([], {"product_id": None})


def test_parse_normalise_serialise() -> None:
    assert render.parse_products_config_array(None) is None
    assert render.parse_products_config_array(" ") is None
    assert render.parse_products_config_array("{") is None
    assert render.parse_products_config_array('{"a": 1}') is None
    assert render.parse_products_config_array('[1, {"a": 1}, "x"]') == [{"a": 1}]
    rows = render.normalize_products_config_rows_for_render([{"a": 1}, {"contact_email": " e "}, "junk"])  # type: ignore[list-item]
    assert rows == [{"a": 1, "contact_email": ""}, {"contact_email": "e"}]
    assert render.serialize_products_config([{"product_id": "é"}]) == '[{"product_id":"\\u00e9","contact_email":""}]'


@respx.mock
async def test_fetch_reads_the_env_var_and_sends_the_bearer() -> None:
    route = respx.get(URL).mock(
        return_value=httpx.Response(200, json={"envVar": {"key": "PRODUCTS_CONFIG", "value": '[{"product_id": "a"}]'}})
    )
    assert await render.fetch_products_config_from_render(api_key="rk", service_id="srv") == [{"product_id": "a"}]
    headers = route.calls.last.request.headers
    assert headers["authorization"] == "Bearer rk" and headers["accept"] == "application/json"


@respx.mock
async def test_fetch_failures_are_none_and_logged_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="autoplay_sdk.admin.render_products_config")
    route = respx.get(URL).mock(return_value=httpx.Response(404))
    assert await render.fetch_products_config_from_render(api_key="rk-secret", service_id="srv") is None
    route.mock(return_value=httpx.Response(500))
    assert await render.fetch_products_config_from_render(api_key="rk-secret", service_id="srv") is None
    route.mock(side_effect=httpx.ConnectError("down"))
    assert await render.fetch_products_config_from_render(api_key="rk-secret", service_id="srv") is None
    route.mock(return_value=httpx.Response(200, json={"value": "{}"}))
    assert await render.fetch_products_config_from_render(api_key="rk-secret", service_id="srv") is None
    route.mock(return_value=httpx.Response(200, content=b"<html>"))
    assert await render.fetch_products_config_from_render(api_key="rk-secret", service_id="srv") is None
    messages = [r.getMessage() for r in caplog.records]
    assert sum("GET PRODUCTS_CONFIG failed" in m for m in messages) == 2
    assert sum("was not a JSON array" in m for m in messages) == 2
    assert not any("rk-secret" in m for m in messages)


@respx.mock
async def test_put_and_sync(tmp_path: Path) -> None:
    respx.get(URL).mock(
        return_value=httpx.Response(200, json={"value": '[{"product_id": "old"}, {"product_id": "p"}]'})
    )
    put = respx.put(URL).mock(return_value=httpx.Response(200, json={}))
    local = tmp_path / "sub" / "products.json"
    merged = await render.sync_products_config_to_render(
        api_key="rk", service_id="srv", new_entry={"product_id": "p", "contact_email": "e"}, merge_local_path=local
    )
    assert merged == [{"product_id": "old"}, {"product_id": "p", "contact_email": "e"}]
    sent = json.loads(put.calls.last.request.content)
    assert json.loads(sent["value"]) == [
        {"product_id": "old", "contact_email": ""},
        {"product_id": "p", "contact_email": "e"},
    ]
    assert json.loads(local.read_text()) == merged and local.read_text().endswith("\n")

    # the local file now wins over Render as the merge base
    merged = await render.sync_products_config_to_render(
        api_key="rk", service_id="srv", new_entry={"product_id": "q"}, merge_local_path=local
    )
    assert [row["product_id"] for row in merged] == ["old", "p", "q"]

    put.mock(return_value=httpx.Response(403))
    with pytest.raises(httpx.HTTPStatusError):
        await render.put_products_config_on_render(api_key="rk", service_id="srv", products=[])


def test_load_merge_base_from_local(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "p.json"
    assert render.load_merge_base_from_local(path) is None
    path.write_text("{broken")
    assert render.load_merge_base_from_local(path) is None
    assert "could not read merge local" in caplog.text
    path.write_text('{"a": 1}')
    assert render.load_merge_base_from_local(path) is None
    path.write_text('[{"a": 1}, 2]')
    assert render.load_merge_base_from_local(path) == [{"a": 1}]
