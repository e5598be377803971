"""The models' one-step reading of the connector's exact wire shape, shared with the stream core.

:func:`connector_payload` is how the rest of the SDK reaches it: the function lives beside the
models whose private builders it uses (see ``autoplay_sdk.core.models``).
"""

from __future__ import annotations

from autoplay_sdk.core.models import _connector_payload as connector_payload

__all__ = ["connector_payload"]
