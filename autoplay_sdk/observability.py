"""A process-wide error reporter: forward SDK failures to Sentry, Datadog or any callable.

``set_error_reporter(reporter)`` installs one callable for the whole process (``None`` clears it).
The SDK calls it as ``reporter(event, exc=<exception or None>, **context)`` at its failure points:
buffer evictions and Redis buffer drops, stream callback failures, RAG embed/upsert failures and
storage or session-state write failures.  ``context`` carries ids, types and sizes — never event
content or secrets.

Contract:

* The reporter is read at each call (a plain module global; setting it takes no lock) and is
  called synchronously, on the thread or event loop that hit the failure, never while an SDK lock
  is held.  Make it thread-safe and fast; it must not block on I/O inside an event loop.
* A reporter that raises an ``Exception`` never reaches the SDK's caller: the first such failure
  (per installed reporter) is logged at DEBUG with its traceback; later ones are ignored.  A ``BaseException``
  (``KeyboardInterrupt``, ``SystemExit``) propagates.
* :func:`report_error` is for hosts: it logs one WARNING ``"sdk_error: <event> (<context>)"`` on
  the ``autoplay_sdk.observability`` logger, then forwards.  The SDK's own sites already log their
  own records, so they only forward (no second WARNING); with no reporter installed their log
  output is unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

__all__ = ["ErrorReporter", "report_error", "set_error_reporter"]

ErrorReporter = Callable[..., None]

logger = logging.getLogger("autoplay_sdk.observability")

_reporter: ErrorReporter | None = None
_reporter_failed_logged = False


def set_error_reporter(reporter: ErrorReporter | None) -> None:
    """Install ``reporter`` for the whole process, replacing any previous one; ``None`` clears it."""
    global _reporter, _reporter_failed_logged
    _reporter = reporter
    _reporter_failed_logged = False


def _installed() -> bool:
    """Whether a reporter is installed (so forwarding to it would call something)."""
    return _reporter is not None


def report_error(event: str, exc: BaseException | None = None, **context: Any) -> None:
    """Log ``event`` at WARNING, then forward it to the installed reporter; never raises an ``Exception``."""
    logger.warning("sdk_error: %s (%s)", event, context, exc_info=exc if exc is not None else None)
    _forward(event, exc, **context)


def _forward(event: str, exc: BaseException | None = None, **context: Any) -> None:
    """Call the installed reporter without logging first (for sites that log their own record)."""
    reporter = _reporter
    if reporter is None:
        return
    try:
        reporter(event, exc=exc, **context)
    except Exception:
        global _reporter_failed_logged
        if not _reporter_failed_logged:  # once per installed reporter, not once per failure
            _reporter_failed_logged = True
            logger.debug("sdk_error: reporter raised", exc_info=True)
