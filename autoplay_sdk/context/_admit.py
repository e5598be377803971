"""The admission check every session store runs at ``add()``, and the drop accounting of the bounds.

A store keeps payloads it must later order (by ``forwarded_at``) and render (each action's
``to_text()`` format).  ``ActionsPayload`` is a plain dataclass, so code can build one with any
field values; :func:`payload_problem` names what makes a payload unusable so the store can log a
warning and leave its state untouched instead of failing on every later call for that session.
"""

from __future__ import annotations

import math
from typing import Any

from autoplay_sdk._metrics import safe_call as _safe_call
from autoplay_sdk.core.models import ActionsPayload, SlimAction

_MISSING: Any = object()


def payload_problem(payload: Any) -> str | None:
    """Why a store cannot hold ``payload`` (a short phrase naming the field), or ``None``."""
    if type(payload) is ActionsPayload:  # the usual case, checked without any call
        fwd = payload.forwarded_at
        sid = payload.session_id
        actions = payload.actions
        if (
            ((type(fwd) is float and fwd - fwd == 0.0) or type(fwd) is int)  # finite: inf - inf and nan are nan
            and (sid is None or type(sid) is str)
            and type(payload.product_id) is str
            and type(actions) is list
        ):
            for action in actions:
                if type(action) is not SlimAction:
                    break
            else:
                return None
    return _problem(payload)


def _problem(payload: Any) -> str | None:
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


def user_payload_problem(payload: Any) -> str | None:
    """:func:`payload_problem`, plus ids and email that must be strings for a user index."""
    problem = payload_problem(payload)
    if problem is None:
        for field in ("user_id", "email"):
            value = getattr(payload, field, None)
            if value is not None and not isinstance(value, str):
                return f"{field} is {type(value).__name__}, not a string"
    return problem


def describe(payload: Any) -> str:
    """The payload's session id for a log line, when it is a string (never field values)."""
    sid = getattr(payload, "session_id", None)
    return sid if isinstance(sid, str) else "?"


def record_drops(
    metrics: Any, count: int, *, reason: str, event_type: str, session_id: str | None, product_id: str | None
) -> None:
    """Report ``count`` items dropped by a bound to ``metrics.record_event_dropped`` (safe-called)."""
    for _ in range(count):
        _safe_call(
            metrics,
            "record_event_dropped",
            reason=reason,
            event_type=event_type,
            session_id=session_id,
            product_id=product_id,
        )
