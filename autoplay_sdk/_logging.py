"""The SDK's logging plumbing.

Every SDK logger is ``logging.getLogger(<canonical module name>)``, below the one ``autoplay_sdk``
logger.  The ``autoplay_sdk: `` prefix that every record carries is added here, once, by a
logger-level filter instead of by hand in each message.

What reaches the terminal without any configuration:

- By default the SDK attaches no handler and never calls ``basicConfig``.  INFO and DEBUG
  records are dropped; WARNING and above (a connection that keeps failing, a full queue, a
  fatal status) reach Python's own last-resort handler, which prints the bare message on
  stderr only while the application has configured no logging at all.  As soon as the host
  configures logging (``basicConfig``, a handler on the root or on ``autoplay_sdk``), its
  configuration alone decides.
- The environment variable ``AUTOPLAY_SDK_LOG`` (read here, once, at import) switches on a
  stderr handler for the ``autoplay_sdk`` logger: ``debug`` or ``info`` show records from that
  level (one line each, with time, level and logger), ``warning`` shows warnings the same way
  even when the host has configured logging elsewhere, and ``off`` silences the SDK entirely
  (a ``NullHandler``, so not even the last-resort handler prints).  Any other value is ignored.

:func:`redact_url` is the one rule for showing a URL in logs, errors and ``repr``.
"""

from __future__ import annotations

import logging
import os

PREFIX = "autoplay_sdk: "
ROOT_LOGGER = "autoplay_sdk"
LOG_ENV_VAR = "AUTOPLAY_SDK_LOG"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_ENV_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


class _PrefixFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg
        if isinstance(msg, str) and not msg.startswith(PREFIX):
            record.msg = PREFIX + msg
        return True


_FILTER = _PrefixFilter()


class _EnvHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler ``AUTOPLAY_SDK_LOG`` installs (recognisable, so it is installed once)."""


def configure_from_env(value: str | None) -> logging.Handler | None:
    """Apply an ``AUTOPLAY_SDK_LOG`` value to the ``autoplay_sdk`` logger; returns the handler added.

    ``None``, an empty or an unknown value changes nothing.  Applying a value twice adds no
    second handler.
    """
    choice = (value or "").strip().lower()
    root = logging.getLogger(ROOT_LOGGER)
    handler: logging.Handler
    if choice == "off":
        if any(isinstance(h, logging.NullHandler) for h in root.handlers):
            return None
        handler = logging.NullHandler()
        root.addHandler(handler)
        root.propagate = False
        return handler
    level = _ENV_LEVELS.get(choice)
    if level is None or any(isinstance(h, _EnvHandler) for h in root.handlers):
        return None
    handler = _EnvHandler()  # sys.stderr, looked up at each write
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


configure_from_env(os.environ.get(LOG_ENV_VAR))


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
