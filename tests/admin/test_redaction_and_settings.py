"""Error-body redaction and the environment-driven settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoplay_sdk.admin import onboarding_constants as constants
from autoplay_sdk.admin import product_onboarding as runner
from autoplay_sdk.admin import render_products_config as render
from autoplay_sdk.admin.connector_registration_http import redact_connector_error_response_text as redact

SENSITIVE = [
    "webhook_secret",
    "forward_secret",
    "access_token",
    "refresh_token",
    "client_secret",
    "api_key",
    "password",
    "secret",
    "x_posthog_secret",
]


def test_nested_json_is_redacted_at_any_depth_and_keeps_order() -> None:
    body = {
        "detail": "bad",
        "Webhook_Secret": "s1",
        "nested": {"items": [{"API_KEY": "s2", "ok": 1}, {"password": {"deep": "s3"}}]},
        "empty": {"secret": "", "access_token": None, "client_secret": [], "api_key": {}},
        "z": "ünïcode",
    }
    out = redact(json.dumps(body))
    assert out == (
        '{"detail":"bad","Webhook_Secret":"[REDACTED]","nested":{"items":[{"API_KEY":"[REDACTED]","ok":1},'
        '{"password":"[REDACTED]"}]},"empty":{"secret":"","access_token":null,"client_secret":[],"api_key":{}},'
        '"z":"\\u00fcn\\u00efcode"}'
    )
    for leaked in ("s1", "s2", "s3"):
        assert leaked not in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   \n ", ""),
        ("  plain error  ", "plain error"),
        ('"x"', '"x"'),
        ("42", "42"),
        ('[1, {"secret": 0}]', '[1,{"secret":"[REDACTED]"}]'),
        ("x" * 4096, "x" * 4096),
        ("x" * 4097, "<non-JSON response omitted (4097 chars)>"),
        ("  " + "y" * 5000 + "  ", "<non-JSON response omitted (5000 chars)>"),
    ],
)
def test_non_json_scalars_and_huge_bodies(text: Any, expected: str) -> None:
    assert redact(text) == expected


def test_pathologically_deep_json_does_not_crash() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert redact(deep) == "<non-JSON response omitted (200000 chars)>"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from([*SENSITIVE, "detail", "x", "SECRET", "Api_Key"]), inner, max_size=4)
    ),
    max_leaves=20,
)


def _sensitive_values(value: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.lower() in SENSITIVE and item not in (None, "", [], {}):
                found.append(item)
            else:
                found += _sensitive_values(item)
    elif isinstance(value, list):
        for item in value:
            found += _sensitive_values(item)
    return found


@given(_json)
def test_redaction_property_every_secret_key_is_masked(value: Any) -> None:
    out = json.loads(redact(json.dumps(value)))

    def check(original: Any, redacted: Any) -> None:
        if isinstance(original, dict):
            assert list(redacted) == list(original)
            for key, item in original.items():
                if key.lower() in SENSITIVE and item not in (None, "", [], {}):
                    assert redacted[key] == "[REDACTED]"
                else:
                    check(item, redacted[key])
        elif isinstance(original, list):
            assert len(redacted) == len(original)
            for a, b in zip(original, redacted, strict=True):
                check(a, b)
        else:
            assert redacted == original

    check(value, out)


# --------------------------------------------------------------------------- timeouts


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 15.0),
        ("", 15.0),
        ("  ", 15.0),
        ("garbage", 15.0),
        ("30", 30.0),
        (" 2.5 ", 2.5),
        ("0", 1.0),
        ("-4", 1.0),
        ("999", 120.0),
        ("nan", 1.0),
        ("inf", 120.0),
        ("-inf", 1.0),
    ],
)
def test_onboard_timeout_from_environment(monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: float) -> None:
    if raw is None:
        monkeypatch.delenv("ONBOARD_CONNECTOR_TIMEOUT_SECONDS", raising=False)
    else:
        monkeypatch.setenv("ONBOARD_CONNECTOR_TIMEOUT_SECONDS", raw)
    assert constants.onboard_connector_http_timeout_seconds() == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 60.0), ("x", 60.0), ("1", 5.0), ("100", 100.0), ("1e9", 300.0), ("NaN", 5.0), ("Infinity", 300.0)],
)
def test_render_timeout_from_environment(monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: float) -> None:
    if raw is None:
        monkeypatch.delenv("RENDER_HTTP_TIMEOUT_SECONDS", raising=False)
    else:
        monkeypatch.setenv("RENDER_HTTP_TIMEOUT_SECONDS", raw)
    assert constants.render_http_timeout_seconds() == expected


def test_constants_and_render_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    assert constants.PRODUCTS_CONFIG_ENV_VAR == "PRODUCTS_CONFIG"
    assert constants.PRODUCTS_CONFIG_DEFAULT_JSON == "[]"
    assert constants.JSON_COMPACT_SEPARATORS == (",", ":")
    assert constants.ONBOARD_CONNECTOR_TIMEOUT_ENV_VAR == "ONBOARD_CONNECTOR_TIMEOUT_SECONDS"
    assert constants.DEFAULT_PRODUCTS_CONFIG_MERGE_FILENAME == "products.config.local.json"
    monkeypatch.delenv("RENDER_API_BASE_URL", raising=False)
    assert constants.render_products_config_env_var_url("srv-1") == (
        "https://api.render.com/v1/services/srv-1/env-vars/PRODUCTS_CONFIG"
    )
    monkeypatch.setenv("RENDER_API_BASE_URL", "http://render.local/api/")
    assert constants.render_api_base_url() == "http://render.local/api"
    monkeypatch.setenv("RENDER_API_BASE_URL", "")
    assert constants.render_api_base_url() == ""


def test_default_merge_local_path_never_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = Path(render.__file__).resolve()
    assert render.default_merge_local_path() == installed.parents[4] / "products.config.local.json"
    monkeypatch.chdir(tmp_path)
    assert render._merge_local_path_beside(Path("/pkg/mod.py")) == tmp_path / "products.config.local.json"
    assert render._merge_local_path_beside(Path("/a/b/c/d/e/f.py")) == Path("/a/products.config.local.json")


def test_resolve_merge_local_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    given_path = tmp_path / "x.json"
    assert runner.resolve_merge_local_path(given_path) is given_path
    monkeypatch.setenv("PRODUCTS_CONFIG_MERGE_LOCAL", " ~/cfg.json ")
    assert runner.resolve_merge_local_path(None) == Path("~/cfg.json").expanduser()
    monkeypatch.setenv("PRODUCTS_CONFIG_MERGE_LOCAL", "  ")
    assert runner.resolve_merge_local_path(None) == render.default_merge_local_path()
