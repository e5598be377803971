"""Operator onboarding: register a product on the Autoplay event connector.

A trusted operator calls :func:`onboard_product` (or :func:`onboard_product_sync`) once per
product; the connector mints the PostHog webhook secret and the stream key and returns them,
once.  Importing this package has no side effects: no network, no environment reads, no
output.  See ``docs/onboarding.md``.

Submodules: :mod:`~autoplay_sdk.admin.onboarding` (the API re-exported here),
:mod:`~autoplay_sdk.admin.product_onboarding` (the runner and its dataclasses),
:mod:`~autoplay_sdk.admin.connector_registration_http` (the ``POST /products`` call),
:mod:`~autoplay_sdk.admin.onboarding_constants` (environment names and timeouts) and
:mod:`~autoplay_sdk.admin.render_products_config` (Render ``PRODUCTS_CONFIG`` helpers).
"""

from autoplay_sdk.admin.onboarding import (
    DEFAULT_CONNECTOR_URL,
    ConnectorRegistrationHttpError,
    MergedPostRegistrationHttpError,
    OnboardProductResult,
    ProductAlreadyRegisteredError,
    UnkeyOnboardingError,
    onboard_product,
    onboard_product_sync,
    print_onboarding_operator_summary,
)

__all__ = [
    "DEFAULT_CONNECTOR_URL",
    "ConnectorRegistrationHttpError",
    "MergedPostRegistrationHttpError",
    "OnboardProductResult",
    "ProductAlreadyRegisteredError",
    "UnkeyOnboardingError",
    "onboard_product",
    "onboard_product_sync",
    "print_onboarding_operator_summary",
]
