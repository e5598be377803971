"""The Autoplay destination in a PostHog project, over PostHog's REST API (hog functions).

Every request sends ``Authorization: Bearer <personal_api_key>`` (a ``phx_…`` key with the
``hog_function:write`` and ``project:read`` scopes) to
``{host}/api/environments/{project_id}/hog_functions``.

* :func:`create_or_update_destination` is idempotent by destination name: it lists the
  project's hog functions, **following every page** (``next``) until the name is found, then
  PATCHes that one or POSTs a new one.  A ``next`` link to another origin is not followed, so
  the API key is only ever sent to ``host``.
* :func:`check_destination_status` reads one destination (404 → it does not exist).

A status ≥ 400 raises :class:`PostHogDestinationError` whose text carries PostHog's answer
(first 500 characters) with the webhook secret and the API key replaced by ``***``; a 2xx answer
to the create without an ``id`` raises it too.  Transport errors (``httpx.RequestError``)
propagate unwrapped.  The client is created per call (30 s timeout) and closed, unless one is
passed in (then it is used as is and left open).  Nothing is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

__all__ = [
    "DestinationResult",
    "DestinationStatus",
    "PostHogDestinationError",
    "build_destination_body",
    "check_destination_status",
    "create_or_update_destination",
]

DESTINATION_NAME = "Autoplay Event Stream"
_TIMEOUT_S = 30.0
_MAX_PAGES = 1000  # a guard against a server whose "next" never ends
_MAX_ERROR_TEXT = 500


class PostHogDestinationError(Exception):
    """PostHog refused a destination call; the message holds the status and PostHog's (redacted) answer."""


@dataclass(frozen=True)
class DestinationResult:
    """The destination's id, and whether this call created it (``False``: an existing one was updated)."""

    id: str
    created: bool


@dataclass(frozen=True)
class DestinationStatus:
    """Whether the destination exists and is enabled."""

    id: str
    exists: bool
    enabled: bool

    @property
    def ok(self) -> bool:
        return self.exists and self.enabled


def _hog_source() -> str:
    return resources.files("autoplay_sdk.providers.posthog").joinpath("autoplay_destination.hog").read_text("utf-8")


def build_destination_body(*, webhook_url: str, webhook_secret: str, name: str = DESTINATION_NAME) -> dict[str, Any]:
    """The hog-function body of the Autoplay destination (the packaged Hog program, inputs and schema)."""
    return {
        "type": "destination",
        "name": name,
        "hog": _hog_source(),
        "inputs": {
            "url": {"value": webhook_url},
            "headers": {"value": {"x-posthog-secret": webhook_secret}},
            "debug": {"value": False},
        },
        "inputs_schema": [
            {"key": "url", "type": "string", "label": "Webhook URL", "required": True},
            {"key": "headers", "type": "dictionary", "label": "Headers", "required": False},
            {"key": "debug", "type": "boolean", "label": "Debug", "required": False, "default": False},
        ],
        "enabled": True,
        "filters": {},
    }


def _base(host: str, project_id: str) -> str:
    return f"{host.rstrip('/')}/api/environments/{project_id}/hog_functions"


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _check(response: httpx.Response, secrets: tuple[str, ...]) -> None:
    if response.status_code < 400:
        return
    text = response.text
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    raise PostHogDestinationError(f"PostHog API {response.status_code}: {text[:_MAX_ERROR_TEXT]}")


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


async def _find(
    http: httpx.AsyncClient, base: str, name: str, headers: dict[str, str], secrets: tuple[str, ...]
) -> Any:
    url: str | None = base
    for _ in range(_MAX_PAGES):
        if url is None:
            return None
        response = await http.get(url, headers=headers)
        _check(response, secrets)
        page = _json_object(response)
        results = page.get("results")
        for item in results if isinstance(results, list) else ():
            if isinstance(item, dict) and item.get("name") == name:
                return item.get("id")
        following = page.get("next")
        next_url = urljoin(url, following) if isinstance(following, str) and following else None
        url = next_url if next_url is not None and _same_origin(next_url, base) else None
    return None


async def create_or_update_destination(
    *,
    host: str,
    project_id: str,
    personal_api_key: str,
    webhook_url: str,
    webhook_secret: str,
    name: str = DESTINATION_NAME,
    client: httpx.AsyncClient | None = None,
) -> DestinationResult:
    """Create the destination named ``name``, or update the existing one; returns its id.

    Raises :class:`PostHogDestinationError` on a status ≥ 400 (secrets redacted) or a create
    answer without an ``id``.
    """
    base = _base(host, project_id)
    headers = {"Authorization": f"Bearer {personal_api_key}"}
    secrets = (webhook_secret, personal_api_key)
    body = build_destination_body(webhook_url=webhook_url, webhook_secret=webhook_secret, name=name)
    http = client if client is not None else httpx.AsyncClient(timeout=_TIMEOUT_S)
    try:
        existing = await _find(http, base, name, headers, secrets)
        if existing is not None:
            response = await http.patch(f"{base}/{existing}", json=body, headers=headers)
            _check(response, secrets)
            return DestinationResult(str(existing), created=False)
        response = await http.post(base, json=body, headers=headers)
        _check(response, secrets)
        new_id = _json_object(response).get("id")
        if new_id is None or str(new_id) == "":
            raise PostHogDestinationError(f"PostHog API {response.status_code}: response has no id")
        return DestinationResult(str(new_id), created=True)
    finally:
        if client is None:
            await http.aclose()


async def check_destination_status(
    *,
    host: str,
    project_id: str,
    personal_api_key: str,
    destination_id: str,
    client: httpx.AsyncClient | None = None,
) -> DestinationStatus:
    """Read the destination: 404 → not found; other status ≥ 400 → :class:`PostHogDestinationError`."""
    http = client if client is not None else httpx.AsyncClient(timeout=_TIMEOUT_S)
    try:
        response = await http.get(
            f"{_base(host, project_id)}/{destination_id}", headers={"Authorization": f"Bearer {personal_api_key}"}
        )
    finally:
        if client is None:
            await http.aclose()
    if response.status_code == 404:
        return DestinationStatus(destination_id, exists=False, enabled=False)
    _check(response, (personal_api_key,))
    return DestinationStatus(destination_id, exists=True, enabled=bool(_json_object(response).get("enabled", False)))
