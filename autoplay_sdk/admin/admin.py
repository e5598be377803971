"""The onboarding API under the ``autoplay_sdk.admin.admin`` path: the objects of ``admin.onboarding``."""

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
