"""The safe-call rule for metrics hooks, shared by every SDK package.

Components accept any object as ``metrics`` (partial implementations included) and call it only
through :func:`safe_call`, which skips missing methods and swallows the hook's own errors: a
broken metrics backend never breaks event delivery.  ``autoplay_sdk.core.metrics._safe_call`` is
this same function.
"""

from __future__ import annotations

from typing import Any

from autoplay_sdk._logging import get_logger

# The published logger of the rule (it lived in ``autoplay_sdk.core.metrics``).
logger = get_logger("autoplay_sdk.core.metrics")


def safe_call(hook: Any, method: str, **kwargs: Any) -> None:
    """Call ``hook.<method>(**kwargs)`` if the hook and the method exist; never raise."""
    if hook is None:
        return
    fn = getattr(hook, method, None)
    if fn is None:
        return
    try:
        fn(**kwargs)
    except Exception as exc:
        logger.debug("metrics hook %s raised (ignored): %s", method, exc, exc_info=True)
