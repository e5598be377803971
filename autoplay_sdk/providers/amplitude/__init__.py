"""Amplitude as an activity source."""

from __future__ import annotations

from autoplay_sdk.providers.amplitude.provider import AmplitudeProvider

__all__ = ["AmplitudeProvider"]
