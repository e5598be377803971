"""Names, defaults and environment-driven settings of operator onboarding.

Every function reads the environment on each call (nothing is cached at import), so an
operator can change a timeout between two runs of a long-lived process.  Timeouts are
clamped to a sane range; a value that does not parse as a number (including an empty
string) falls back to the default, ``nan`` clamps to the minimum and ``inf`` to the maximum.
"""

from __future__ import annotations

import math
import os
from urllib.parse import quote

PRODUCTS_CONFIG_ENV_VAR = "PRODUCTS_CONFIG"
PRODUCTS_CONFIG_DEFAULT_JSON = "[]"
JSON_COMPACT_SEPARATORS = (",", ":")
RENDER_API_KEY_ENV_VAR = "RENDER_API_KEY"
RENDER_SERVICE_ID_ENV_VAR = "RENDER_SERVICE_ID"
PRODUCTS_CONFIG_MERGE_LOCAL_ENV_VAR = "PRODUCTS_CONFIG_MERGE_LOCAL"
RENDER_API_BASE_URL_ENV_VAR = "RENDER_API_BASE_URL"
DEFAULT_RENDER_API_BASE_URL = "https://api.render.com/v1"
RENDER_HTTP_TIMEOUT_SECONDS_ENV_VAR = "RENDER_HTTP_TIMEOUT_SECONDS"
DEFAULT_PRODUCTS_CONFIG_MERGE_FILENAME = "products.config.local.json"
ONBOARD_CONNECTOR_TIMEOUT_ENV_VAR = "ONBOARD_CONNECTOR_TIMEOUT_SECONDS"

_ONBOARD_TIMEOUT_DEFAULT = 15.0
_ONBOARD_TIMEOUT_MIN = 1.0
_ONBOARD_TIMEOUT_MAX = 120.0
_RENDER_TIMEOUT_DEFAULT = 60.0
_RENDER_TIMEOUT_MIN = 5.0
_RENDER_TIMEOUT_MAX = 300.0


def _clamped_seconds(env_var: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(env_var, f"{default:g}").strip()
    try:
        value = float(raw)
    except ValueError:
        return default
    if math.isnan(value):
        return low
    return min(max(value, low), high)


def onboard_connector_http_timeout_seconds() -> float:
    """Seconds allowed for ``POST /products``: ``ONBOARD_CONNECTOR_TIMEOUT_SECONDS`` or 15, clamped to [1, 120]."""
    return _clamped_seconds(
        ONBOARD_CONNECTOR_TIMEOUT_ENV_VAR, _ONBOARD_TIMEOUT_DEFAULT, _ONBOARD_TIMEOUT_MIN, _ONBOARD_TIMEOUT_MAX
    )


def render_http_timeout_seconds() -> float:
    """Seconds allowed per Render REST call: ``RENDER_HTTP_TIMEOUT_SECONDS`` or 60, clamped to [5, 300]."""
    return _clamped_seconds(
        RENDER_HTTP_TIMEOUT_SECONDS_ENV_VAR, _RENDER_TIMEOUT_DEFAULT, _RENDER_TIMEOUT_MIN, _RENDER_TIMEOUT_MAX
    )


def render_api_base_url() -> str:
    """``RENDER_API_BASE_URL`` when set (even empty), else the public Render API; no trailing ``/``."""
    return os.environ.get(RENDER_API_BASE_URL_ENV_VAR, DEFAULT_RENDER_API_BASE_URL).rstrip("/")


def render_products_config_env_var_url(service_id: str) -> str:
    """The Render REST URL of the ``PRODUCTS_CONFIG`` environment variable of ``service_id``."""
    key = quote(PRODUCTS_CONFIG_ENV_VAR, safe="")
    return f"{render_api_base_url()}/services/{service_id}/env-vars/{key}"
