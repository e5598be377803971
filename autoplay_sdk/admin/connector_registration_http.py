"""``POST /products``: the one HTTP call that registers a product on the event connector.

The request is a single JSON ``POST {connector_url}/products`` with no retries (registration
is not idempotent: the connector mints credentials).  ``201`` is the only success; any other
status, a redirect included, raises :class:`ConnectorRegistrationHttpError` (its
:class:`ProductAlreadyRegisteredError` subclass for ``409``) carrying the status and the
response body with every secret-looking value replaced by ``[REDACTED]``.  A transport
failure (refused connection, timeout, invalid URL) raises the same base class with
``status_code=None``, chained from the httpx error.

On an interactive terminal (stdout is a TTY) a spinner runs on stderr while the request is
in flight, and one result line is printed to stdout.  Elsewhere (CI, pipes, tests), and for a
call made with ``quiet=True`` (a caller that draws its own progress, such as the CLI), the
module prints nothing.  Nothing is logged.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

import httpx

from autoplay_sdk.admin.onboarding_constants import JSON_COMPACT_SEPARATORS, onboard_connector_http_timeout_seconds

_SENSITIVE_KEYS = frozenset(
    {
        "webhook_secret",
        "forward_secret",
        "access_token",
        "refresh_token",
        "client_secret",
        "api_key",
        "password",
        "secret",
        "x_posthog_secret",
    }
)
_REDACTED = "[REDACTED]"
_MAX_PLAIN_BODY = 4096
_MAX_REASON = 800


class ConnectorRegistrationHttpError(Exception):
    """Registration failed: a transport error (``status_code is None``) or a non-201 answer.

    ``str(error)`` is the message; ``response_text`` is the connector's body, already redacted.
    """

    def __init__(self, message: str, *, status_code: int | None = None, response_text: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.response_text = response_text


class ProductAlreadyRegisteredError(ConnectorRegistrationHttpError):
    """The connector answered 409: the product exists.  Re-run with ``force_reregister=True`` to overwrite it."""


# --------------------------------------------------------------------------- redaction


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value)


def _redact_value(value: Any, keys: frozenset[str] = _SENSITIVE_KEYS) -> Any:
    if isinstance(value, dict):
        return {
            key: (_REDACTED if str(key).lower() in keys and not _is_empty(item) else _redact_value(item, keys))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_value(item, keys) for item in value]
    return value


def redact_connector_error_response_text(text: str, extra_sensitive_keys: frozenset[str] = frozenset()) -> str:
    """The connector's error body, safe to show and store.

    JSON bodies come back compact with the value of every secret-looking key (``webhook_secret``,
    ``api_key``, ``password``, ... and the ``extra_sensitive_keys``; at any depth,
    case-insensitive) replaced by ``[REDACTED]``; empty values are kept.  Other bodies come back
    stripped, or as ``<non-JSON response omitted (N chars)>`` when longer than 4096 characters.
    """
    stripped = (text or "").strip()
    if not stripped:
        return ""
    keys = _SENSITIVE_KEYS | {str(k).lower() for k in extra_sensitive_keys} if extra_sensitive_keys else _SENSITIVE_KEYS
    try:
        return json.dumps(_redact_value(json.loads(stripped), keys), separators=JSON_COMPACT_SEPARATORS)
    except (ValueError, RecursionError):
        pass
    if len(stripped) <= _MAX_PLAIN_BODY:
        return stripped
    return f"<non-JSON response omitted ({len(stripped)} chars)>"


# --------------------------------------------------------------------------- payloads


def _integration_config(integration_type: str, forward_url: str, forward_secret: str) -> dict[str, Any]:
    if integration_type == "event_stream":
        return {"mode": "sse"}
    if integration_type == "webhook" and forward_url:
        return {"url": forward_url, "secret": forward_secret}
    return {}


def build_register_payload_from_cli(
    *,
    product_id: str,
    contact_email: str,
    webhook_secret: str,
    integration_type: str,
    forward_url: str,
    forward_secret: str,
) -> dict[str, Any]:
    """The ``POST /products`` body (without ``force_reregister``); values are used verbatim."""
    return {
        "product_id": product_id,
        "contact_email": contact_email,
        "webhook_secret": webhook_secret,
        "integration_type": integration_type,
        "integration_config": _integration_config(integration_type, forward_url, forward_secret),
        "forward_url": forward_url,
        "forward_secret": forward_secret,
    }


def build_register_payload_from_merged_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """The ``POST /products`` body for one ``PRODUCTS_CONFIG`` row (without ``force_reregister``).

    Raises :class:`ConnectorRegistrationHttpError` when the row has no ``product_id`` or no
    ``contact_email``.  ``webhook_secret`` falls back to the row's ``secret``; the type
    defaults to ``"webhook"``.
    """
    product_id = str(entry.get("product_id", "")).strip()
    if not product_id:
        raise ConnectorRegistrationHttpError("merged entry missing product_id")
    raw_email = entry.get("contact_email")
    contact_email = "" if raw_email is None else str(raw_email).strip()
    if not contact_email:
        raise ConnectorRegistrationHttpError("merged entry missing contact_email (required for POST /products)")
    return {
        "product_id": product_id,
        "contact_email": contact_email,
        "webhook_secret": entry["webhook_secret"] if "webhook_secret" in entry else entry.get("secret", ""),
        "integration_type": entry.get("integration_type", "webhook"),
        "integration_config": dict(entry.get("integration_config") or {}),
        "forward_url": entry.get("forward_url", ""),
        "forward_secret": entry.get("forward_secret", ""),
    }


# --------------------------------------------------------------------------- terminal UI


def _registration_tty_ui() -> bool:
    """True when stdout is an interactive terminal (the spinner and result lines are shown)."""
    stream = sys.stdout
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stdout
        return False


@contextlib.contextmanager
def _spinner(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status("Registering product...", spinner="dots"):
        yield


def _say(line: str) -> None:
    print(line, flush=True)


def _failure_line(reason: str) -> str:
    if len(reason) > _MAX_REASON:
        reason = reason[:_MAX_REASON] + "…"
    return f"✗ Registration failed — {reason}. Please re-register."


def _exception_reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


def _unreachable_message(connector_url: str, exc: BaseException) -> str:
    base = connector_url.strip().rstrip("/") or "(empty CONNECTOR_URL)"
    return (
        f"Could not reach the connector at {base!r} ({_exception_reason(exc)}). Check the connector_url you "
        "passed to onboard_product (deployed event connector base URL). Render and Unkey credentials belong "
        "on the connector host only."
    )


def _scrubbed(text: str, values: tuple[str, ...]) -> str:
    for value in values:
        if value:
            text = text.replace(value, _REDACTED)
    return text


def _status_error(
    status: int, body: str, extra_keys: frozenset[str] = frozenset(), scrub: tuple[str, ...] = ()
) -> ConnectorRegistrationHttpError:
    safe = _scrubbed(redact_connector_error_response_text(body, extra_keys), scrub)
    if status == 409:
        return ProductAlreadyRegisteredError(
            f"connector returned HTTP 409: {safe}", status_code=409, response_text=safe
        )
    return ConnectorRegistrationHttpError(
        f"connector returned HTTP {status}: {safe}", status_code=status, response_text=safe
    )


def _outcome(
    response: httpx.Response, extra_keys: frozenset[str] = frozenset(), scrub: tuple[str, ...] = ()
) -> tuple[dict[str, Any], ConnectorRegistrationHttpError | None]:
    """The 201 body as a dict, or the error to raise (any other status, or a 201 that is no JSON object)."""
    if response.status_code != 201:
        return {}, _status_error(response.status_code, response.text, extra_keys, scrub)
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body, None
    safe = _scrubbed(redact_connector_error_response_text(response.text, extra_keys), scrub)
    message = f"connector returned HTTP 201 without a JSON object body: {safe}"
    return {}, ConnectorRegistrationHttpError(message, status_code=201, response_text=safe)


# --------------------------------------------------------------------------- requests


async def post_register_product_payload(
    *,
    connector_url: str,
    admin_key: str,
    payload: dict[str, Any],
    client: httpx.AsyncClient | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """``POST {connector_url}/products`` with ``payload``; returns the 201 JSON body.

    Sends ``X-Admin-Key`` only when ``admin_key`` is not blank.  ``client`` is used as given
    and not closed; without one, a client with the ``ONBOARD_CONNECTOR_TIMEOUT_SECONDS``
    timeout is created and closed.  Raises :class:`ProductAlreadyRegisteredError` (409) and
    :class:`ConnectorRegistrationHttpError` (other statuses, transport errors, and a 201 whose
    body is not a JSON object).  ``quiet=True`` draws no spinner and prints no result line, even
    on a terminal.
    """
    return await _post_payload(
        connector_url=connector_url, admin_key=admin_key, payload=payload, client=client, quiet=quiet
    )


async def _post_payload(
    *,
    connector_url: str,
    admin_key: str,
    payload: dict[str, Any],
    client: httpx.AsyncClient | None,
    extra_keys: frozenset[str] = frozenset(),
    scrub: tuple[str, ...] = (),
    quiet: bool = False,
) -> dict[str, Any]:
    url = f"{connector_url.rstrip('/')}/products"
    headers = {"X-Admin-Key": admin_key.strip()} if admin_key.strip() else {}
    tty = not quiet and _registration_tty_ui()
    http = client if client is not None else httpx.AsyncClient(timeout=onboard_connector_http_timeout_seconds())
    try:
        try:
            with _spinner(tty):
                response = await http.post(url, json=payload, headers=headers)
        except (httpx.RequestError, httpx.InvalidURL) as exc:
            if tty:
                _say(_failure_line(_exception_reason(exc)))
            raise ConnectorRegistrationHttpError(_unreachable_message(connector_url, exc)) from exc
        except Exception as exc:
            if tty:
                _say(_failure_line(_exception_reason(exc)))
            raise
    finally:
        if client is None:
            await http.aclose()
    body, error = _outcome(response, extra_keys, scrub)
    if error is not None:
        if tty:
            _say(_failure_line(error.response_text or f"HTTP {response.status_code}"))
        raise error
    if tty:
        _say("✓ Product registered successfully")
    return body


async def post_register_product_cli(
    *,
    connector_url: str,
    admin_key: str,
    product_id: str,
    contact_email: str,
    webhook_secret: str,
    integration_type: str,
    forward_url: str,
    forward_secret: str,
    force_reregister: bool = False,
    client: httpx.AsyncClient | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Register one product from explicit fields (see :func:`post_register_product_payload`)."""
    payload = build_register_payload_from_cli(
        product_id=product_id,
        contact_email=contact_email,
        webhook_secret=webhook_secret,
        integration_type=integration_type,
        forward_url=forward_url,
        forward_secret=forward_secret,
    )
    payload["force_reregister"] = force_reregister
    return await post_register_product_payload(
        connector_url=connector_url, admin_key=admin_key, payload=payload, client=client, quiet=quiet
    )


async def post_register_product_merged_row(
    *,
    connector_url: str,
    admin_key: str,
    entry: dict[str, Any],
    client: httpx.AsyncClient | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Re-post one ``PRODUCTS_CONFIG`` row, always with ``force_reregister: true``."""
    payload = build_register_payload_from_merged_entry(entry)
    payload["force_reregister"] = True
    return await post_register_product_payload(
        connector_url=connector_url, admin_key=admin_key, payload=payload, client=client, quiet=quiet
    )


# --------------------------------------------------------------------------- hosted connector

# The hosted connector answers with these credentials; they are redacted from its error bodies.
_HOSTED_SENSITIVE_KEYS = frozenset({"ingest_secret", "mcp_key", "owner_token"})


def build_aws_register_payload(
    *,
    provider: str,
    provider_project_id: str,
    contact_email: str,
    ingest_secret: str = "",
    owner_token: str = "",
    name: str = "",
) -> dict[str, Any]:
    """The hosted connector's ``POST /products`` body.

    ``provider``, ``provider_project_id`` and ``contact_email`` as given; then ``ingest_secret``,
    ``owner_token`` and ``name``, stripped, only when not blank.
    """
    body: dict[str, Any] = {
        "provider": provider,
        "provider_project_id": provider_project_id,
        "contact_email": contact_email,
    }
    for key, value in (("ingest_secret", ingest_secret), ("owner_token", owner_token), ("name", name)):
        if value.strip():
            body[key] = value.strip()
    return body


async def post_aws_register_product(
    *,
    connector_url: str,
    provider: str,
    provider_project_id: str,
    contact_email: str,
    ingest_secret: str = "",
    owner_token: str = "",
    name: str = "",
    client: httpx.AsyncClient | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Register on the hosted connector (open registration, no admin key); returns the 201 JSON body.

    Same request handling as :func:`post_register_product_payload`; the error text also hides
    ``ingest_secret``, ``mcp_key`` and ``owner_token`` values (and any echo of the secrets sent).  Raises
    :class:`ProductAlreadyRegisteredError` (409) and :class:`ConnectorRegistrationHttpError`
    (any other status, notably 403 when re-registering without the owner token; transport errors).
    ``quiet=True`` draws no spinner and prints no result line, even on a terminal.
    """
    payload = build_aws_register_payload(
        provider=provider,
        provider_project_id=provider_project_id,
        contact_email=contact_email,
        ingest_secret=ingest_secret,
        owner_token=owner_token,
        name=name,
    )
    return await _post_payload(
        connector_url=connector_url,
        admin_key="",
        payload=payload,
        client=client,
        extra_keys=_HOSTED_SENSITIVE_KEYS,
        scrub=tuple(v for v in (ingest_secret.strip(), owner_token.strip()) if len(v) >= 4),
        quiet=quiet,
    )
