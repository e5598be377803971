"""The SDK's logging plumbing.

Every SDK logger is ``logging.getLogger(<canonical module name>)``.  The SDK never calls
``basicConfig``; the only handler it adds is a :class:`logging.NullHandler` on the
``autoplay_sdk`` logger, so nothing reaches stderr (not even through :data:`logging.lastResort`)
unless the application configures logging.  The ``autoplay_sdk: `` prefix that every record
carries is added here, once, by a logger-level filter instead of by hand in each message.

:func:`redact_url` is the one rule for showing a URL in logs, errors and ``repr``.
"""

from __future__ import annotations

import logging

PREFIX = "autoplay_sdk: "
ROOT_LOGGER = "autoplay_sdk"


class _PrefixFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg
        if isinstance(msg, str) and not msg.startswith(PREFIX):
            record.msg = PREFIX + msg
        return True


_FILTER = _PrefixFilter()


def _install_null_handler() -> None:
    root = logging.getLogger(ROOT_LOGGER)
    if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
        root.addHandler(logging.NullHandler())


_install_null_handler()


def get_logger(name: str) -> logging.Logger:
    """Return the named logger with the prefix filter attached (idempotent)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def redact_url(url: str) -> str:
    """``url`` without userinfo, and with any query string replaced by ``?<redacted>``."""
    import httpx  # here, not at module level: importing the package must not load httpx

    try:
        parsed = httpx.URL(url)
    except Exception:
        return "<unparseable url>"
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    if not parsed.query:
        return str(parsed)
    return str(parsed.copy_with(query=None)) + "?<redacted>"
