"""Provider slugs: ``"posthog"`` and ``"amplitude"`` name shared provider instances."""

from __future__ import annotations

from typing import Any

from autoplay_sdk.providers.amplitude.provider import AmplitudeProvider
from autoplay_sdk.providers.base import ActivityProvider
from autoplay_sdk.providers.posthog.provider import PostHogProvider

_REGISTRY: dict[str, ActivityProvider] = {"posthog": PostHogProvider(), "amplitude": AmplitudeProvider()}


def resolve_provider(value: Any) -> ActivityProvider | None:
    """An instance as itself, ``None`` as ``None``, anything else by its stripped, lowercased slug.

    Raises ``ValueError`` for an unknown slug (the message lists the known ones).
    """
    if value is None or isinstance(value, ActivityProvider):
        return value
    provider = _REGISTRY.get(str(value).strip().lower())
    if provider is None:
        raise ValueError(
            f'Invalid provider {value!r}. Expected one of: "amplitude", "posthog". Check for typos — provider names '
            "are case-sensitive and lowercase. Alternatively, pass a provider instance directly: "
            "user_activity_provider=AmplitudeProvider()."
        )
    return provider
