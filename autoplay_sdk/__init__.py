"""autoplay-sdk: receive Autoplay's live product-activity stream and turn it into chatbot context.

``import autoplay_sdk`` loads only canonical modules (no DeprecationWarning), needs no optional
extra, and attaches no logging handler.
"""

from importlib.metadata import PackageNotFoundError, version

from autoplay_sdk import _aliases as _aliases  # installs the deprecated-path finder
from autoplay_sdk.async_client import AsyncConnectorClient
from autoplay_sdk.client import ConnectorClient
from autoplay_sdk.core.exceptions import SdkBufferFullError, SdkConfigError, SdkError, SdkUpstreamError
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SlimAction, SummaryPayload

_aliases.install()

try:
    __version__: str = version("autoplay-sdk")
except PackageNotFoundError:  # an uninstalled source tree
    __version__ = "0.0.0+local"

# Spec 01 §1 order; names whose modules later work adds slot in at their place.
__all__ = [
    "ActionsPayload",
    "AnyPayload",
    "AsyncConnectorClient",
    "ConnectorClient",
    "SdkBufferFullError",
    "SdkConfigError",
    "SdkError",
    "SdkMetricsHook",
    "SdkUpstreamError",
    "SlimAction",
    "SummaryPayload",
    "__version__",
]
