"""The onboarding runner: register one product, check the credentials, print the operator summary.

:func:`run_product_onboarding` is the engine under :func:`autoplay_sdk.admin.onboard_product`
and the ``scripts/onboard_customer.py`` front-end.  It makes exactly one ``POST /products``
(see :mod:`autoplay_sdk.admin.connector_registration_http`), computes the webhook and stream
URLs from ``connector_url`` (URLs in the response are ignored), and returns every credential
once.  Progress lines and the summary go to stdout with ``print`` (they are the product of
this operator tool); nothing is logged.

Collaborators are looked up as module globals at call time (``post_register_product_cli``,
``onboard_connector_http_timeout_seconds``, ``print_onboarding_operator_summary``), so tests
can monkeypatch them here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from autoplay_sdk.admin.connector_registration_http import (
    ConnectorRegistrationHttpError,
    post_register_product_cli,
)
from autoplay_sdk.admin.onboarding_constants import (
    PRODUCTS_CONFIG_MERGE_LOCAL_ENV_VAR,
    onboard_connector_http_timeout_seconds,
)
from autoplay_sdk.admin.render_products_config import default_merge_local_path
from autoplay_sdk.providers._summaries import posthog_summary_lines, print_lines
from autoplay_sdk.providers.base import ActivityProvider


class MergedPostRegistrationHttpError(ConnectorRegistrationHttpError):
    """Kept so that ``except MergedPostRegistrationHttpError`` keeps importing; nothing raises it."""


class UnkeyOnboardingError(Exception):
    """The connector registered the product but returned no stream key (``unkey_key`` / ``unkey_key_id``)."""


@dataclass
class OnboardingRunParams:
    """Everything one registration needs.  Fields marked *ignored* are accepted for compatibility.

    Secrets are left out of ``repr()``.
    """

    connector_url: str
    admin_key: str = field(repr=False)
    product_id: str
    contact_email: str
    webhook_secret: str = field(repr=False)
    integration_type: str = "event_stream"
    forward_url: str = ""
    forward_secret: str = field(default="", repr=False)
    render_api_key: str | None = field(default=None, repr=False)  # ignored: Render is written by the connector
    render_service_id: str | None = None  # ignored
    merge_local_path: Path | None = None  # ignored
    no_unkey: bool = False
    key_name: str | None = None  # ignored: the connector names the key
    print_operator_summary: bool = True
    quiet: bool = False
    connector_http_timeout_seconds: float | None = None
    force_reregister: bool = False
    user_activity_provider: ActivityProvider | None = None


@dataclass
class OnboardingRunResult:
    """What a registration produced; ``connector_response`` is the raw (unredacted) 201 body.

    Secrets are left out of ``repr()``, so logging a result does not leak them.
    """

    product_id: str
    webhook_url: str
    stream_url: str
    webhook_secret: str = field(repr=False)
    integration_type: str
    render_sync_performed: bool
    connector_response: dict[str, Any] = field(repr=False)
    unkey_key: str | None = field(default=None, repr=False)
    unkey_key_id: str | None = None
    amplitude_ingest_url: str = ""


def resolve_merge_local_path(merge_local_path: Path | None) -> Path:
    """``merge_local_path``, else ``$PRODUCTS_CONFIG_MERGE_LOCAL`` (``~`` expanded), else the default file."""
    if merge_local_path is not None:
        return merge_local_path
    from_env = os.environ.get(PRODUCTS_CONFIG_MERGE_LOCAL_ENV_VAR, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return default_merge_local_path()


def print_onboarding_operator_summary(
    result: OnboardingRunResult, *, connector_url: str, user_activity_provider: ActivityProvider | None = None
) -> None:
    """Print, once, what the operator configures and hands over.

    Without a provider: the PostHog webhook destination (URL and ``X-PostHog-Secret`` value),
    the stream key and its id when there is one, how the customer authenticates the stream, and
    numbered next steps.  With one, the provider prints its own block.  URLs are rebuilt from
    ``connector_url``.
    """
    if user_activity_provider is not None:
        user_activity_provider.format_operator_summary(
            connector_url=connector_url,
            product_id=result.product_id,
            webhook_secret=result.webhook_secret,
            integration_type=result.integration_type,
            unkey_key=result.unkey_key,
            key_id=result.unkey_key_id,
        )
        return
    print_lines(
        posthog_summary_lines(
            connector_url=connector_url,
            product_id=result.product_id,
            webhook_secret=result.webhook_secret,
            integration_type=result.integration_type,
            unkey_key=result.unkey_key,
            key_id=result.unkey_key_id,
        )
    )


def _credential(body: dict[str, Any], key: str) -> str | None:
    """A non-blank string value of ``body[key]``, stripped; anything else counts as missing."""
    value = body.get(key)
    return value.strip() or None if isinstance(value, str) else None


async def run_product_onboarding(
    params: OnboardingRunParams, *, client: httpx.AsyncClient | None = None, terminal_ui: bool = True
) -> OnboardingRunResult:
    """Register ``params.product_id`` with one ``POST /products`` and return the credentials.

    ``client`` is used as given and never closed; without one, a client with
    ``params.connector_http_timeout_seconds`` (or the ``ONBOARD_CONNECTOR_TIMEOUT_SECONDS``
    default) is created and closed.  Unless ``params.quiet``, progress lines are printed; with
    ``params.print_operator_summary`` the summary follows a successful registration.  On an
    interactive terminal the request also shows a spinner and a result line, unless
    ``terminal_ui=False`` (for callers that draw their own progress).

    Raises :class:`~autoplay_sdk.admin.ProductAlreadyRegisteredError` (HTTP 409),
    :class:`~autoplay_sdk.admin.ConnectorRegistrationHttpError` (any other failure of the
    call), and :class:`UnkeyOnboardingError` when an ``event_stream`` registration comes back
    without a stream key (unless ``params.no_unkey``).
    """
    own_client = client is None
    if client is None:
        timeout = params.connector_http_timeout_seconds
        client = httpx.AsyncClient(timeout=onboard_connector_http_timeout_seconds() if timeout is None else timeout)
    try:
        product_id = params.product_id.strip()
        if not params.quiet:
            print()
            print(f"Onboarding customer: {product_id}")
            print(f"  contact_email    : {params.contact_email.strip()}")
            print(f"  integration_type : {params.integration_type}")
            print(f"  connector_url    : {params.connector_url}")
            print()
            print("Registering product on connector (Redis + Render dual-write on server)...")
        try:
            body = await post_register_product_cli(
                connector_url=params.connector_url,
                admin_key=params.admin_key,
                product_id=product_id,
                contact_email=params.contact_email,
                webhook_secret=params.webhook_secret,
                integration_type=params.integration_type,
                forward_url=params.forward_url,
                forward_secret=params.forward_secret,
                force_reregister=params.force_reregister,
                client=client,
                **({} if terminal_ui else {"quiet": True}),
            )
        except ConnectorRegistrationHttpError as exc:
            # Same class (a 409 stays ProductAlreadyRegisteredError), chained to the original.
            raise type(exc)(str(exc), status_code=exc.status_code, response_text=exc.response_text) from exc
        if not params.quiet:
            print("  done.")
    finally:
        if own_client:
            await client.aclose()

    unkey_key, unkey_key_id = _credential(body, "unkey_key"), _credential(body, "unkey_key_id")
    if not params.no_unkey and params.integration_type == "event_stream" and not (unkey_key and unkey_key_id):
        raise UnkeyOnboardingError(
            "Connector response missing unkey_key / unkey_key_id. Upgrade the event connector to a version "
            "that creates Unkey keys on POST /products."
        )
    base = params.connector_url.rstrip("/")
    result = OnboardingRunResult(
        product_id=product_id,
        webhook_url=f"{base}/webhook/{product_id}",
        stream_url=f"{base}/stream/{product_id}",
        webhook_secret=_credential(body, "webhook_secret") or params.webhook_secret,
        integration_type=params.integration_type,
        render_sync_performed=bool(body.get("dual_write")),
        connector_response=body,
        unkey_key=unkey_key,
        unkey_key_id=unkey_key_id,
        amplitude_ingest_url=_amplitude_ingest_url(body, base, product_id) if params.user_activity_provider else "",
    )
    if params.print_operator_summary:
        if params.user_activity_provider is None:  # the call (and its signature) of 0.7.5
            print_onboarding_operator_summary(result, connector_url=params.connector_url)
        else:
            print_onboarding_operator_summary(
                result, connector_url=params.connector_url, user_activity_provider=params.user_activity_provider
            )
    return result


def _amplitude_ingest_url(body: dict[str, Any], base: str, product_id: str) -> str:
    value = body.get("amplitude_ingest_url")
    if isinstance(value, str) and value.startswith("http"):
        return value
    return f"{base}/ingest/amplitude/{product_id}"
