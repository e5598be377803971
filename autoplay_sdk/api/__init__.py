"""The optional HTTP bridge: :func:`build_copilot_app` (needs the ``serve`` extra to *build* an app).

Importing this package never imports FastAPI; see :mod:`autoplay_sdk.api.fastapi`.
"""

from autoplay_sdk.api.fastapi import build_copilot_app

__all__ = ["build_copilot_app"]
