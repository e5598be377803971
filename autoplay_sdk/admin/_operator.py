"""Shared by the onboarding API and its two front-ends (``autoplay-sdk onboard`` and
``scripts/onboard_customer.py``): input normalisation and the exit code of each failure."""

from __future__ import annotations

from autoplay_sdk.admin.connector_registration_http import (
    ConnectorRegistrationHttpError,
    ProductAlreadyRegisteredError,
)
from autoplay_sdk.admin.product_onboarding import UnkeyOnboardingError

EXIT_OK = 0
EXIT_VALIDATION = 2  # also argparse usage errors
EXIT_ALREADY_REGISTERED = 3
EXIT_UNREACHABLE = 4
EXIT_CONNECTOR_ERROR = 5
EXIT_MISSING_CREDENTIALS = 6

MISSING_CREDENTIALS_PREFIX = "Product registration did not return all required credentials: "


def normalized_inputs(
    product_id: str, contact_email: str | None, connector_url: str | None, default_url: str
) -> tuple[str, str, str]:
    """``(product_id, contact_email, connector base URL)``, checked before any I/O.

    Raises ``ValueError`` naming the blank argument.
    """
    pid = product_id.strip()
    if not pid:
        raise ValueError(
            "Please provide a non-empty product_id to onboard_product. Use the same stable string you pass as "
            "product_id in posthog.identify (or your chosen product slug) so webhooks and the stream map to your "
            "tenant."
        )
    email = (contact_email or "").strip()
    if not email:
        raise ValueError(
            "Please provide a non-empty contact_email to onboard_product (valid email required by POST /products)."
        )
    base = ((connector_url or "").strip() or default_url).rstrip("/")
    if not base:
        raise ValueError("connector_url resolved empty (unexpected).")
    return pid, email, base


def in_command_terms(message: str, *, command: str, product_id_arg: str) -> str:
    """An onboarding error as a command's user reads it: the command's own arguments
    (``--connector-url``, ``product_id_arg``) where the library names its parameters."""
    for library, own in (
        ("non-empty product_id to onboard_product", f"non-empty {product_id_arg} to {command}"),
        ("non-empty contact_email to onboard_product", f"non-empty --contact-email to {command}"),
        ("the connector_url you passed to onboard_product", f"the --connector-url you passed to {command}"),
        ("connector_url resolved empty", "--connector-url resolved empty"),
    ):
        message = message.replace(library, own)
    return message


def failure(exc: BaseException) -> tuple[int, str] | None:
    """The exit code and one-line message for an onboarding failure; ``None`` for an unexpected error."""
    if isinstance(exc, ProductAlreadyRegisteredError):
        code, message = EXIT_ALREADY_REGISTERED, f"{exc} (rerun with --force-reregister to rotate its credentials)"
    elif isinstance(exc, ConnectorRegistrationHttpError):
        code = EXIT_UNREACHABLE if exc.status_code is None else EXIT_CONNECTOR_ERROR
        message = str(exc)
    elif isinstance(exc, UnkeyOnboardingError) or (
        isinstance(exc, RuntimeError) and str(exc).startswith(MISSING_CREDENTIALS_PREFIX)
    ):
        code, message = EXIT_MISSING_CREDENTIALS, str(exc)
    elif isinstance(exc, ValueError):
        code, message = EXIT_VALIDATION, str(exc)
    else:
        return None
    return code, " ".join(message.split())
