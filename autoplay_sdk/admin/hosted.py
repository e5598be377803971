"""Onboarding against the hosted connector: register a PostHog or Amplitude project, get its credentials.

This is the newer connector contract, as its own entry point; :func:`autoplay_sdk.admin.onboard_product`
keeps the Render connector contract.  Code written for the newer contract ports with one line::

    from autoplay_sdk.admin.hosted import onboard_hosted_product as onboard_product

One ``POST {connector_url}/products`` (open registration: no admin key) with the provider, its
project id and a contact email.  The connector issues an opaque ``product_id`` (never derive
URLs from the provider's project id), the ingest URL and secret the provider posts events with,
the MCP URL and key an agent reads live activity with, and — on the first registration only —
an owner token.  Keep the owner token: re-registering the same ``(provider, project)`` without
it is refused (HTTP 403); with it, the credentials are rotated.

Only HTTP 201 is success.  Errors are those of the Render path
(:class:`~autoplay_sdk.admin.ProductAlreadyRegisteredError` for 409,
:class:`~autoplay_sdk.admin.ConnectorRegistrationHttpError` otherwise), and their text never
holds the ingest secret, the MCP key or the owner token; neither does the result's ``repr``.
The summary printer is the one place that shows them, on purpose, once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from autoplay_sdk.admin import connector_registration_http as _http
from autoplay_sdk.providers._resolve import resolve_provider
from autoplay_sdk.providers.base import ActivityProvider

__all__ = [
    "HOSTED_CONNECTOR_URL",
    "HostedOnboardProductResult",
    "onboard_hosted_product",
    "onboard_hosted_product_sync",
    "print_hosted_onboarding_summary",
]

HOSTED_CONNECTOR_URL = "https://connector.autoplay.ai"

_RULE = "=" * 60


@dataclass
class HostedOnboardProductResult:
    """The credentials of a product registered on the hosted connector.

    ``product_id``, ``ingest_url``, ``ingest_secret`` and ``mcp_key`` are always non-empty;
    ``owner_token`` is ``None`` unless this registration issued one.  ``connector_response``
    is the raw 201 body (it holds secrets).  ``repr()`` hides the secrets and the raw body.
    """

    product_id: str
    provider: str
    provider_project_id: str
    ingest_url: str
    ingest_secret: str = field(repr=False)
    ingest_auth: str
    mcp_url: str
    mcp_key: str = field(repr=False)
    mcp_auth: str
    owner_token: str | None = field(repr=False)
    connector_response: dict[str, Any] = field(repr=False)


def _text(value: Any) -> str:
    return str(value or "").strip()


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _result(body: dict[str, Any]) -> HostedOnboardProductResult:
    setup, credentials = _object(body.get("setup")), _object(body.get("credentials"))
    result = HostedOnboardProductResult(
        product_id=_text(body.get("product_id")),
        provider=_text(body.get("provider")),
        provider_project_id=_text(body.get("provider_project_id")),
        ingest_url=_text(setup.get("ingest_url")),
        ingest_secret=_text(credentials.get("ingest_secret")),
        ingest_auth=_text(setup.get("ingest_auth")),
        mcp_url=_text(setup.get("mcp_url")),
        mcp_key=_text(credentials.get("mcp_key")),
        mcp_auth=_text(setup.get("mcp_auth")),
        owner_token=_text(credentials.get("owner_token")) or None,
        connector_response=body,
    )
    required = (
        ("product_id", result.product_id),
        ("setup.ingest_url", result.ingest_url),
        ("credentials.ingest_secret", result.ingest_secret),
        ("credentials.mcp_key", result.mcp_key),
    )
    missing = [name for name, value in required if not value]
    if missing:
        raise RuntimeError(
            "Product registration did not return all required fields: "
            + "; ".join(missing)
            + ". Check the connector version and configuration."
        )
    return result


async def onboard_hosted_product(
    provider_project_id: str,
    *,
    contact_email: str,
    user_activity_provider: str | ActivityProvider,
    owner_token: str | None = None,
    name: str | None = None,
    connector_url: str | None = None,
    ingest_secret: str | None = None,
    print_operator_summary: bool = False,
    connector_http_timeout_seconds: float | None = None,
    client: httpx.AsyncClient | None = None,
    quiet: bool = False,
) -> HostedOnboardProductResult:
    """Register ``provider_project_id`` (the PostHog/Amplitude project id) and return its credentials.

    Checked before any I/O, in order: the provider (an instance or ``"posthog"``/``"amplitude"``;
    required), the project id, the contact email, the connector URL (default
    :data:`HOSTED_CONNECTOR_URL`).  ``client`` is used as given and not closed; without it a
    client with ``connector_http_timeout_seconds`` (default: ``ONBOARD_CONNECTOR_TIMEOUT_SECONDS``
    or 15 s) is created and closed.  With ``print_operator_summary=True`` the summary is
    printed once the result is validated.  ``quiet=True`` (keyword-only, this SDK's addition) draws
    no spinner and prints no result line while registering, even on a terminal.

    Raises ``ValueError`` (arguments), :class:`~autoplay_sdk.admin.ProductAlreadyRegisteredError`
    (409), :class:`~autoplay_sdk.admin.ConnectorRegistrationHttpError` (any other status,
    notably 403 without a valid ``owner_token``; transport errors) and ``RuntimeError`` when the
    201 body lacks a required credential.
    """
    provider = resolve_provider(user_activity_provider)
    if provider is None:
        raise ValueError(
            "user_activity_provider is required — pass a provider instance (e.g. AmplitudeProvider()) or a slug "
            '(e.g. "amplitude").'
        )
    ppid = (provider_project_id or "").strip()
    if not ppid:
        raise ValueError(
            "Please provide a non-empty provider_project_id to onboard_hosted_product — your PostHog/Amplitude "
            "project id. The connector issues an opaque product_id for you; you no longer choose it."
        )
    email = (contact_email or "").strip()
    if not email:
        raise ValueError(
            "Please provide a non-empty contact_email to onboard_hosted_product (valid email required by "
            "POST /products)."
        )
    base = ((connector_url or "").strip() or HOSTED_CONNECTOR_URL).rstrip("/")
    if not base:
        raise ValueError("connector_url resolved empty (unexpected).")
    own_client = client is None and connector_http_timeout_seconds is not None
    http = httpx.AsyncClient(timeout=connector_http_timeout_seconds) if own_client else client
    try:
        body = await _http.post_aws_register_product(
            connector_url=base,
            provider=provider.name,
            provider_project_id=ppid,
            contact_email=email,
            ingest_secret=(ingest_secret or "").strip(),
            owner_token=(owner_token or "").strip(),
            name=(name or "").strip(),
            client=http,
            quiet=quiet,
        )
    finally:
        if own_client and http is not None:
            await http.aclose()
    result = _result(body)
    if print_operator_summary:
        print_hosted_onboarding_summary(result)
    return result


def onboard_hosted_product_sync(
    provider_project_id: str,
    *,
    contact_email: str,
    user_activity_provider: str | ActivityProvider,
    owner_token: str | None = None,
    name: str | None = None,
    connector_url: str | None = None,
    ingest_secret: str | None = None,
    print_operator_summary: bool = False,
    connector_http_timeout_seconds: float | None = None,
    client: httpx.AsyncClient | None = None,
    quiet: bool = False,
) -> HostedOnboardProductResult:
    """:func:`onboard_hosted_product` through ``asyncio.run``; raises ``RuntimeError`` inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(
            "onboard_hosted_product_sync cannot run inside a running event loop: await onboard_hosted_product(...)"
        )
    return asyncio.run(
        onboard_hosted_product(
            provider_project_id,
            contact_email=contact_email,
            user_activity_provider=user_activity_provider,
            owner_token=owner_token,
            name=name,
            connector_url=connector_url,
            ingest_secret=ingest_secret,
            print_operator_summary=print_operator_summary,
            connector_http_timeout_seconds=connector_http_timeout_seconds,
            client=client,
            quiet=quiet,
        )
    )


def print_hosted_onboarding_summary(result: HostedOnboardProductResult) -> None:
    """Print the operator's copy-paste block: ingest and MCP credentials, and the owner token when issued.

    It shows the secrets, on purpose and once; it is the only place they appear.
    """
    lines = ["", _RULE, f"  Product registered — {result.product_id} ({result.provider})", _RULE, ""]
    lines += [
        "Inbound events (the provider posts here)",
        f"  Ingest URL               : {result.ingest_url}",
        f"  Auth                     : {result.ingest_auth or 'Authorization: Bearer <ingest_secret>'}",
        f"  Ingest secret            : {result.ingest_secret}",
        "",
        "Agent reads activity (MCP)",
        f"  MCP URL                  : {result.mcp_url}",
        f"  Auth                     : {result.mcp_auth or 'Authorization: Bearer <mcp_key>'}",
        f"  MCP key                  : {result.mcp_key}",
        "",
    ]
    if result.owner_token:
        lines += [
            "Owner token — save it now: re-registering this project or rotating its credentials needs it",
            f"  Owner token              : {result.owner_token}",
            "",
        ]
    lines += ["These secrets are shown once; store them in your secret manager.", ""]
    for line in lines:
        print(line)
