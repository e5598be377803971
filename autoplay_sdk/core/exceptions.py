"""The SDK's error tree.

::

    SdkError                   root of every SDK error
    ├── SdkConfigError         misconfiguration (summarizer threshold, RAG callables, ...)
    ├── SdkUpstreamError       the connector stayed unreachable: ``max_retries`` exhausted
    └── SdkBufferFullError     exported for compatibility; never raised (drops are counted instead)

Fatal HTTP statuses (401/403/404) from the connector raise :class:`httpx.HTTPStatusError`,
not an ``SdkError``: that is the published contract.  Each class takes one message string.
"""

from __future__ import annotations


class SdkError(Exception):
    """Root of every error the SDK raises."""


class SdkConfigError(SdkError):
    """A component was configured wrongly; the message names the parameter."""


class SdkUpstreamError(SdkError):
    """The upstream connector could not be reached within ``max_retries`` attempts."""


class SdkBufferFullError(SdkError):
    """Reserved: buffers and clients drop and count instead of raising this."""
