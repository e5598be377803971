"""The admission check every session store runs at ``add()``.

A store keeps payloads it must later order (by ``forwarded_at``) and render (each action's
``to_text()`` format).  ``ActionsPayload`` is a plain dataclass, so code can build one with any
field values; :func:`payload_problem` names what makes a payload unusable so the store can log a
warning and leave its state untouched instead of failing on every later call for that session.
"""

from __future__ import annotations

import math
from typing import Any

from autoplay_sdk.core.models import SlimAction

_MISSING: Any = object()


def payload_problem(payload: Any) -> str | None:
    """Why a store cannot hold ``payload`` (a short phrase naming the field), or ``None``."""
    fwd = getattr(payload, "forwarded_at", _MISSING)
    kind = type(fwd)
    if kind is not float and kind is not int:
        if fwd is _MISSING:
            return f"not an actions payload ({type(payload).__name__})"
        if isinstance(fwd, bool) or not isinstance(fwd, (int, float)):
            return f"forwarded_at is {kind.__name__}, not a number"
    if kind is not int and not math.isfinite(fwd):
        return "forwarded_at is not a finite number"
    for field in ("session_id", "product_id"):
        value = getattr(payload, field, None)
        if value is not None and not isinstance(value, str):
            return f"{field} is {type(value).__name__}, not a string"
    actions = getattr(payload, "actions", None)
    if not isinstance(actions, list):
        return f"actions is {type(actions).__name__}, not a list"
    for action in actions:
        if type(action) is not SlimAction and not callable(getattr(action, "to_text", None)):
            return f"an action is {type(action).__name__}, not a SlimAction"
    return None


def describe(payload: Any) -> str:
    """The payload's session id for a log line, when it is a string (never field values)."""
    sid = getattr(payload, "session_id", None)
    return sid if isinstance(sid, str) else "?"
