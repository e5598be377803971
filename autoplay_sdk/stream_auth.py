"""Bearer-token resolution for the connector stream.

An explicit token always wins; otherwise ``AUTOPLAY_APP_UNKEY_TOKEN`` is read.  Clients call
this once, in ``__init__``.  This module logs nothing.
"""

from __future__ import annotations

import os

TOKEN_ENV_VAR = "AUTOPLAY_APP_UNKEY_TOKEN"


def resolve_connector_bearer_token(explicit: str) -> str:
    """Return ``explicit`` stripped, or else the stripped env var (possibly ``""``)."""
    token = (explicit or "").strip()
    if token:
        return token
    return (os.getenv(TOKEN_ENV_VAR) or "").strip()
