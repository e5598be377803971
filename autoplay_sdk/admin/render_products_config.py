"""Operator helpers for the connector's ``PRODUCTS_CONFIG`` environment variable on Render.

``PRODUCTS_CONFIG`` is a JSON array of product rows.  These helpers read it over the Render
REST API, merge one new row in (replacing the row with the same ``product_id``), write it
back, and optionally keep a local copy.  :func:`~autoplay_sdk.admin.onboard_product` does
not use them: the connector writes Render itself.

Requests carry ``Authorization: Bearer <api_key>``; the key is never logged.  Read failures
are logged as warnings on ``autoplay_sdk.admin.render_products_config`` and read as "no
config"; write failures raise ``httpx.HTTPStatusError``.  Files are written only by
:func:`write_merge_local` and by :func:`sync_products_config_to_render` when given a path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from autoplay_sdk._logging import get_logger
from autoplay_sdk.admin.onboarding_constants import (
    DEFAULT_PRODUCTS_CONFIG_MERGE_FILENAME as DEFAULT_PRODUCTS_CONFIG_MERGE_FILENAME,
)
from autoplay_sdk.admin.onboarding_constants import JSON_COMPACT_SEPARATORS as JSON_COMPACT_SEPARATORS
from autoplay_sdk.admin.onboarding_constants import PRODUCTS_CONFIG_ENV_VAR as PRODUCTS_CONFIG_ENV_VAR
from autoplay_sdk.admin.onboarding_constants import render_http_timeout_seconds as render_http_timeout_seconds
from autoplay_sdk.admin.onboarding_constants import (
    render_products_config_env_var_url as render_products_config_env_var_url,
)

logger = get_logger(__name__)


def _render_headers(api_key: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {api_key}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


def _key(product_id: Any) -> str:
    return "" if product_id is None else str(product_id).strip()


def merge_product_entries(products: list[dict[str, Any]], new_entry: dict[str, Any]) -> list[dict[str, Any]]:
    """A new list: the rows whose ``product_id`` differs from ``new_entry``'s, then a copy of ``new_entry``.

    Ids compare as stripped strings (``12`` matches ``" 12 "``).  Raises ``ValueError`` when
    ``new_entry`` has no ``product_id``.
    """
    new_key = _key(new_entry.get("product_id"))
    if not new_key:
        raise ValueError("new_entry must include product_id")
    kept = [row for row in products if _key(row.get("product_id")) != new_key]
    return [*kept, {**new_entry, "product_id": new_key}]


def parse_products_config_array(raw: str | None) -> list[dict[str, Any]] | None:
    """The object rows of a JSON array; ``None`` for a blank value, invalid JSON or a non-array."""
    if raw is None or not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    return [row for row in value if isinstance(row, dict)]


def normalize_products_config_rows_for_render(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shallow copies of the object rows, each with a string ``contact_email`` (``""`` when missing)."""
    rows = []
    for row in products:
        if not isinstance(row, dict):
            continue
        email = row.get("contact_email")
        rows.append({**row, "contact_email": "" if email is None else str(email).strip()})
    return rows


def serialize_products_config(products: list[dict[str, Any]]) -> str:
    """The normalised rows as compact, ASCII-escaped JSON: the exact ``PRODUCTS_CONFIG`` value."""
    rows = normalize_products_config_rows_for_render(products)
    for index, row in enumerate(rows):
        if "contact_email" not in row:  # pragma: no cover - normalising guarantees the key
            raise ValueError(f"PRODUCTS_CONFIG serialize invariant failed at index {index}: missing contact_email")
    return json.dumps(rows, separators=JSON_COMPACT_SEPARATORS)


async def fetch_products_config_from_render(
    *, api_key: str, service_id: str, client: httpx.AsyncClient | None = None
) -> list[dict[str, Any]] | None:
    """The current ``PRODUCTS_CONFIG`` rows of ``service_id``, or ``None``.

    ``None`` when the variable does not exist (404), when the request fails (logged as a
    warning) and when its value is not a JSON array (logged).  A passed ``client`` is not closed.
    """
    http = client if client is not None else httpx.AsyncClient(timeout=render_http_timeout_seconds())
    try:
        response = await http.get(render_products_config_env_var_url(service_id), headers=_render_headers(api_key))
        if response.status_code == 404:
            return None
        response.raise_for_status()
    except httpx.HTTPError as exc:
        logger.warning("render_products_config: GET PRODUCTS_CONFIG failed: %s", exc)
        return None
    finally:
        if client is None:
            await http.aclose()
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        envelope = body.get("envVar") or body
        value = envelope.get("value") if isinstance(envelope, dict) else None
        if value is None:
            return None
        rows = parse_products_config_array(str(value))
        if rows is not None:
            return rows
    logger.warning("render_products_config: PRODUCTS_CONFIG from Render was not a JSON array")
    return None


async def put_products_config_on_render(
    *,
    api_key: str,
    service_id: str,
    products: list[dict[str, Any]],
    client: httpx.AsyncClient | None = None,
) -> None:
    """Replace ``PRODUCTS_CONFIG`` of ``service_id`` with ``products``; raises ``httpx.HTTPStatusError`` on non-2xx."""
    http = client if client is not None else httpx.AsyncClient(timeout=render_http_timeout_seconds())
    try:
        response = await http.put(
            render_products_config_env_var_url(service_id),
            headers=_render_headers(api_key),
            json={"value": serialize_products_config(products)},
        )
        response.raise_for_status()
    finally:
        if client is None:
            await http.aclose()


def load_merge_base_from_local(path: Path) -> list[dict[str, Any]] | None:
    """The object rows of a local JSON array file; ``None`` if missing, unreadable (logged) or not an array."""
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning("render_products_config: could not read merge local %s: %s", path, exc)
        return None
    if not isinstance(value, list):
        return None
    return [row for row in value if isinstance(row, dict)]


def write_merge_local(path: Path, products: list[dict[str, Any]]) -> None:
    """Write ``products`` to ``path`` as indented JSON, creating parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(products, indent=2) + "\n", encoding="utf-8")


async def sync_products_config_to_render(
    *,
    api_key: str,
    service_id: str,
    new_entry: dict[str, Any],
    merge_local_path: Path | None = None,
    client: httpx.AsyncClient | None = None,
) -> list[dict[str, Any]]:
    """Merge ``new_entry`` into ``PRODUCTS_CONFIG`` on Render and return the merged rows.

    The base is the local file (when it exists and has rows), else the current Render value,
    else empty.  The merged list is PUT (errors propagate) and, with ``merge_local_path``,
    written there too.
    """
    base: list[dict[str, Any]] | None = None
    if merge_local_path is not None and merge_local_path.is_file():
        base = load_merge_base_from_local(merge_local_path) or None
    if base is None:
        base = await fetch_products_config_from_render(api_key=api_key, service_id=service_id, client=client)
    merged = merge_product_entries(base or [], new_entry)
    await put_products_config_on_render(api_key=api_key, service_id=service_id, products=merged, client=client)
    if merge_local_path is not None:
        write_merge_local(merge_local_path, merged)
    return merged


def _merge_local_path_beside(module_file: Path) -> Path:
    parents = module_file.resolve().parents
    if len(parents) > 4:
        return parents[4] / DEFAULT_PRODUCTS_CONFIG_MERGE_FILENAME
    return Path.cwd() / DEFAULT_PRODUCTS_CONFIG_MERGE_FILENAME


def default_merge_local_path() -> Path:
    """``products.config.local.json`` four directories above this package (``<venv>/lib`` when installed).

    When the install path is too shallow for that, the file in the current directory.  Never raises.
    """
    return _merge_local_path_beside(Path(__file__))
