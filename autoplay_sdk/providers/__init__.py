"""Activity providers: the analytics tools that send a product's user activity to the connector.

``import autoplay_sdk.providers`` imports neither Redis nor FastAPI.  Pass a provider (or its
slug, ``"posthog"`` / ``"amplitude"``) as ``user_activity_provider=`` to the onboarding
functions; :mod:`autoplay_sdk.providers.posthog.destination` creates the PostHog destination
over PostHog's REST API.
"""

from __future__ import annotations

from autoplay_sdk.providers.amplitude.provider import AmplitudeProvider
from autoplay_sdk.providers.base import ActivityProvider, ProviderRegistrationBody
from autoplay_sdk.providers.posthog.provider import PostHogProvider

__all__ = ["ActivityProvider", "AmplitudeProvider", "PostHogProvider", "ProviderRegistrationBody"]
