"""The 0.7.3 name of :mod:`autoplay_sdk.admin.onboarding`, kept without a deprecation warning.

It is an independent copy: the same code run in this module's own namespace, so
``OnboardProductResult``, ``onboard_product``, ``onboard_product_sync``,
``print_onboarding_operator_summary`` and ``DEFAULT_CONNECTOR_URL`` are separate objects
(equal in value and behaviour), while the exceptions, ``OnboardingRunParams``,
``OnboardingRunResult`` and ``run_product_onboarding`` are the shared ones.  Its functions
look up ``run_product_onboarding`` and ``DEFAULT_CONNECTOR_URL`` here, so patching them on
this module affects only this copy.
"""

from __future__ import annotations

import importlib.util
from importlib.machinery import SourceFileLoader, SourcelessFileLoader
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autoplay_sdk.admin.onboarding import DEFAULT_CONNECTOR_URL as DEFAULT_CONNECTOR_URL
    from autoplay_sdk.admin.onboarding import ConnectorRegistrationHttpError as ConnectorRegistrationHttpError
    from autoplay_sdk.admin.onboarding import MergedPostRegistrationHttpError as MergedPostRegistrationHttpError
    from autoplay_sdk.admin.onboarding import OnboardingRunParams as OnboardingRunParams
    from autoplay_sdk.admin.onboarding import OnboardingRunResult as OnboardingRunResult
    from autoplay_sdk.admin.onboarding import OnboardProductResult as OnboardProductResult
    from autoplay_sdk.admin.onboarding import ProductAlreadyRegisteredError as ProductAlreadyRegisteredError
    from autoplay_sdk.admin.onboarding import UnkeyOnboardingError as UnkeyOnboardingError
    from autoplay_sdk.admin.onboarding import onboard_product as onboard_product
    from autoplay_sdk.admin.onboarding import onboard_product_sync as onboard_product_sync
    from autoplay_sdk.admin.onboarding import print_onboarding_operator_summary as print_onboarding_operator_summary
    from autoplay_sdk.admin.onboarding import run_product_onboarding as run_product_onboarding


def _run_onboarding_code_here() -> None:
    # Read the code from the file itself: an import hook (e.g. pytest's) may own the module's loader.
    spec = importlib.util.find_spec("autoplay_sdk.admin.onboarding")
    origin = spec.origin if spec is not None else None
    if origin is None:  # pragma: no cover - the package is broken
        raise ImportError("autoplay_sdk.admin.onboarding is missing")
    loader_class = SourceFileLoader if origin.endswith(".py") else SourcelessFileLoader
    code = loader_class("autoplay_sdk.admin.onboarding", origin).get_code("autoplay_sdk.admin.onboarding")
    if code is None:  # pragma: no cover - an empty module
        raise ImportError("autoplay_sdk.admin.onboarding has no code")
    namespace = globals()
    own_doc = namespace["__doc__"]
    exec(code, namespace)
    namespace["__doc__"] = own_doc


_run_onboarding_code_here()
