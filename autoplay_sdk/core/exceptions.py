"""The SDK's error tree.

::

    SdkError                   root of every SDK error
    ├── SdkConfigError         misconfiguration (a wrong stream content type, summarizer
    │                          threshold, RAG callables, ...); the message names the cause
    ├── SdkUpstreamError       the connector stayed unreachable: ``max_retries`` exhausted
    ├── SdkAuthError           the connector answered 401 or 403   (also an httpx.HTTPStatusError)
    ├── SdkNotFoundError       the connector answered 404          (also an httpx.HTTPStatusError)
    └── SdkBufferFullError     exported for compatibility; never raised (drops are counted instead)

``SdkAuthError`` and ``SdkNotFoundError`` subclass both :class:`SdkError` and
:class:`httpx.HTTPStatusError`, so code written for 0.7.5 (``except httpx.HTTPStatusError``)
and new code (``except SdkError``) both catch them.  Every class accepts one message string,
as in 0.7.5; the extra attributes are keyword arguments with defaults.
"""

from __future__ import annotations

import httpx


class SdkError(Exception):
    """Root of every error the SDK raises."""


class SdkConfigError(SdkError):
    """A component was configured wrongly; the message names the parameter or the cause."""


class SdkUpstreamError(SdkError):
    """The upstream connector could not be reached within ``max_retries`` attempts.

    ``attempts`` is the number of consecutive failed attempts, ``last_status`` the HTTP status
    of the last failed attempt (``None`` when it failed without a response).  The last failure
    is chained as ``__cause__``.
    """

    def __init__(self, message: str, *, attempts: int | None = None, last_status: int | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_status = last_status


class _SdkStatusError(SdkError, httpx.HTTPStatusError):
    """A fatal HTTP status from the connector; carries the status, headers and request id."""

    def __init__(self, message: str, *, request: httpx.Request, response: httpx.Response) -> None:
        httpx.HTTPStatusError.__init__(self, message, request=request, response=response)

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def request_id(self) -> str | None:
        """The connector's ``x-request-id`` response header, if it sent one."""
        value: str | None = self.response.headers.get("x-request-id")
        return value


class SdkAuthError(_SdkStatusError):
    """The connector refused the token (HTTP 401) or the product (HTTP 403); never retried."""


class SdkNotFoundError(_SdkStatusError):
    """The connector does not know the stream URL's product (HTTP 404); never retried."""


class SdkBufferFullError(SdkError):
    """Reserved: buffers and clients drop and count instead of raising this."""
