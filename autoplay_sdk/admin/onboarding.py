"""Register a product on the Autoplay event connector and get its credentials back, once.

:func:`onboard_product` (async) and :func:`onboard_product_sync` make one ``POST /products``
to the connector (open registration: no admin key) and return an :class:`OnboardProductResult`
holding the PostHog webhook URL and secret, the SSE stream URL and the stream key (Unkey)
minted by the connector.  Either every credential comes back, or an exception says what
went wrong and what to do; nothing in between:

* ``ValueError`` — a blank ``product_id`` or ``contact_email`` (before any I/O);
* :class:`ProductAlreadyRegisteredError` — HTTP 409, the product exists
  (``status_code == 409``); pass ``force_reregister=True`` to rotate its credentials;
* :class:`ConnectorRegistrationHttpError` — the connector could not be reached
  (``status_code is None``) or answered anything but 201 (the body is redacted);
* :class:`UnkeyOnboardingError` / ``RuntimeError`` — the connector answered 201 without a
  stream key or another credential.

These functions print nothing unless ``print_operator_summary=True`` (the summary, on stdout)
or stdout is an interactive terminal (a spinner on stderr and one result line; ``quiet=True``
turns that off, for callers that draw their own progress).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import httpx

from autoplay_sdk.admin import product_onboarding as _runner
from autoplay_sdk.admin._operator import MISSING_CREDENTIALS_PREFIX, normalized_inputs
from autoplay_sdk.admin.connector_registration_http import (
    ConnectorRegistrationHttpError,
    ProductAlreadyRegisteredError,
)
from autoplay_sdk.admin.product_onboarding import MergedPostRegistrationHttpError, UnkeyOnboardingError
from autoplay_sdk.admin.product_onboarding import OnboardingRunParams as OnboardingRunParams
from autoplay_sdk.admin.product_onboarding import OnboardingRunResult as OnboardingRunResult
from autoplay_sdk.admin.product_onboarding import run_product_onboarding as run_product_onboarding
from autoplay_sdk.providers._resolve import resolve_provider
from autoplay_sdk.providers.base import ActivityProvider

__all__ = [  # noqa: RUF022 - the published order
    "DEFAULT_CONNECTOR_URL",
    "ConnectorRegistrationHttpError",
    "MergedPostRegistrationHttpError",
    "ProductAlreadyRegisteredError",
    "OnboardProductResult",
    "UnkeyOnboardingError",
    "onboard_product",
    "onboard_product_sync",
    "print_onboarding_operator_summary",
]

DEFAULT_CONNECTOR_URL = "https://event-connector-luda.onrender.com"


@dataclass
class OnboardProductResult:
    """The credentials of a registered product.

    ``webhook_url``, ``stream_url``, ``webhook_secret``, ``unkey_key`` and ``unkey_key_id``
    are always non-empty; ``connector_response`` is the connector's raw 201 body (it holds
    secrets: do not log it).  Secrets are left out of ``repr()``.
    """

    product_id: str
    webhook_url: str
    stream_url: str
    webhook_secret: str = field(repr=False)
    integration_type: Literal["event_stream"]
    render_sync_performed: bool
    connector_response: dict[str, Any] = field(repr=False)
    unkey_key: str = field(repr=False)
    unkey_key_id: str


_MISSING_LABELS = (
    ("webhook_url", "webhook_url (PostHog destination URL)"),
    ("stream_url", "stream_url (SSE endpoint)"),
    ("webhook_secret", "webhook_secret (X-PostHog-Secret value)"),
    ("unkey_key", "unkey_key (SSE Bearer token)"),
    ("unkey_key_id", "unkey_key_id"),
)


async def onboard_product(
    product_id: str,
    *,
    contact_email: str,
    connector_url: str | None = None,
    webhook_secret: str | None = None,
    force_reregister: bool = False,
    print_operator_summary: bool = False,
    key_name: str | None = None,
    connector_http_timeout_seconds: float | None = None,
    client: httpx.AsyncClient | None = None,
    quiet: bool = False,
    user_activity_provider: str | ActivityProvider | None = None,
) -> OnboardProductResult:
    """Register ``product_id`` on the connector and return its credentials (see the module docs).

    ``connector_url`` defaults to :data:`DEFAULT_CONNECTOR_URL`; ``webhook_secret`` defaults to
    a fresh random secret (the connector's value wins when it returns one).  ``client`` is
    used as given and not closed (its own timeout applies); without it a client with
    ``connector_http_timeout_seconds`` (default: ``ONBOARD_CONNECTOR_TIMEOUT_SECONDS`` or 15 s)
    is created and closed.  ``key_name`` is accepted for compatibility and has no effect.
    ``quiet=True`` draws no spinner and prints no result line, even on a terminal.
    ``user_activity_provider`` (a provider or its slug, resolved first: an unknown slug raises
    ``ValueError`` before any I/O) picks the operator summary's block; ``None`` prints the
    PostHog block.
    """
    provider = resolve_provider(user_activity_provider)
    pid, email, base = normalized_inputs(product_id, contact_email, connector_url, DEFAULT_CONNECTOR_URL)
    secret = (webhook_secret or "").strip() or secrets.token_urlsafe(32)
    params = OnboardingRunParams(
        connector_url=base,
        admin_key="",
        product_id=pid,
        contact_email=email,
        webhook_secret=secret,
        integration_type="event_stream",
        forward_url="",
        forward_secret="",
        render_api_key=None,
        render_service_id=None,
        merge_local_path=None,
        no_unkey=False,
        key_name=key_name or pid,
        print_operator_summary=print_operator_summary,
        quiet=True,
        connector_http_timeout_seconds=connector_http_timeout_seconds,
        force_reregister=force_reregister,
        user_activity_provider=provider,
    )
    run = await run_product_onboarding(params, client=client, **({"terminal_ui": False} if quiet else {}))
    values = {name: (getattr(run, name) or "").strip() for name, _label in _MISSING_LABELS}
    missing = [label for name, label in _MISSING_LABELS if not values[name]]
    if missing:
        raise RuntimeError(
            MISSING_CREDENTIALS_PREFIX + "; ".join(missing) + ". Check connector and Unkey configuration."
        )
    return OnboardProductResult(
        product_id=run.product_id,
        webhook_url=values["webhook_url"],
        stream_url=values["stream_url"],
        webhook_secret=values["webhook_secret"],
        integration_type="event_stream",
        render_sync_performed=run.render_sync_performed,
        connector_response=run.connector_response,
        unkey_key=values["unkey_key"],
        unkey_key_id=values["unkey_key_id"],
    )


def onboard_product_sync(
    product_id: str,
    *,
    contact_email: str,
    connector_url: str | None = None,
    webhook_secret: str | None = None,
    force_reregister: bool = False,
    print_operator_summary: bool = False,
    key_name: str | None = None,
    connector_http_timeout_seconds: float | None = None,
    client: httpx.AsyncClient | None = None,
    quiet: bool = False,
    user_activity_provider: str | ActivityProvider | None = None,
) -> OnboardProductResult:
    """:func:`onboard_product` through ``asyncio.run``; raises ``RuntimeError`` inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("onboard_product_sync cannot run inside a running event loop: await onboard_product(...)")
    return asyncio.run(
        onboard_product(
            product_id,
            contact_email=contact_email,
            connector_url=connector_url,
            webhook_secret=webhook_secret,
            force_reregister=force_reregister,
            print_operator_summary=print_operator_summary,
            key_name=key_name,
            connector_http_timeout_seconds=connector_http_timeout_seconds,
            client=client,
            quiet=quiet,
            user_activity_provider=user_activity_provider,
        )
    )


def print_onboarding_operator_summary(
    result: OnboardProductResult,
    *,
    connector_url: str | None = None,
    user_activity_provider: str | ActivityProvider | None = None,
) -> None:
    """Print the operator summary of ``result`` to stdout.

    The base URL is ``connector_url`` or, when omitted, the part of ``result.webhook_url``
    before ``/webhook/``.  ``user_activity_provider`` (an instance or a slug) prints that
    provider's block instead of the PostHog one.
    """
    provider = resolve_provider(user_activity_provider)
    if connector_url:
        base = connector_url
    else:
        webhook_url = result.webhook_url.strip()
        base = webhook_url.split("/webhook/", 1)[0] if "/webhook/" in webhook_url else webhook_url
        base = base.rstrip("/")
    run = OnboardingRunResult(**{f.name: getattr(result, f.name) for f in fields(result)})
    if provider is None:
        _runner.print_onboarding_operator_summary(run, connector_url=base.strip())
    else:
        _runner.print_onboarding_operator_summary(run, connector_url=base.strip(), user_activity_provider=provider)
