"""PostHog as an activity source: the provider, and its destination REST calls (``.destination``)."""

from __future__ import annotations

from autoplay_sdk.providers.posthog.provider import PostHogProvider

__all__ = ["PostHogProvider"]
