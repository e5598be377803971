"""Core types: payload models, the error tree and the metrics hook."""

from autoplay_sdk.core.exceptions import SdkBufferFullError, SdkConfigError, SdkError, SdkUpstreamError
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SlimAction, SummaryPayload

__all__ = [
    "ActionsPayload",
    "AnyPayload",
    "SdkBufferFullError",
    "SdkConfigError",
    "SdkError",
    "SdkMetricsHook",
    "SdkUpstreamError",
    "SlimAction",
    "SummaryPayload",
]
