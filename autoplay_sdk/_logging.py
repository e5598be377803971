"""The SDK's logging plumbing.

Every SDK logger is ``logging.getLogger(<canonical module name>)``; the SDK never adds a
handler nor calls ``basicConfig``.  The ``autoplay_sdk: `` prefix that every record carries is
added here, once, by a logger-level filter instead of by hand in each message.
"""

from __future__ import annotations

import logging

PREFIX = "autoplay_sdk: "


class _PrefixFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg
        if isinstance(msg, str) and not msg.startswith(PREFIX):
            record.msg = PREFIX + msg
        return True


_FILTER = _PrefixFilter()


def get_logger(name: str) -> logging.Logger:
    """Return the named logger with the prefix filter attached (idempotent)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
