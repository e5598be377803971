"""Usertour trigger events carried on the connector's SSE stream.

The connector can emit ``{"type": "usertour_trigger", …}`` events that ask the browser to start
a Usertour flow.  These helpers build those event dicts; nothing here logs or performs I/O.

Decisions:

* ``NotRequired`` and ``TypedDict`` come from ``typing`` on Python 3.11+ and from
  ``typing_extensions`` on 3.10 (the published module imported ``NotRequired`` from ``typing``
  and failed to import on 3.10), so ``typing-extensions`` is a runtime dependency on 3.10 only.
* The module defines ``__all__`` (the four documented names) so that a star import does not
  leak ``TypedDict``/``NotRequired``.
"""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - exercised on Python 3.10 only
    # typing.TypedDict of 3.10 does not understand NotRequired; take both from the backport.
    from typing_extensions import NotRequired, TypedDict

__all__ = [
    "USERTOUR_TRIGGER_EVENT_TYPE",
    "UsertourTriggerPayload",
    "usertour_trigger_sse_dict",
    "usertour_trigger_sse_minimal_dict",
]

USERTOUR_TRIGGER_EVENT_TYPE = "usertour_trigger"


class UsertourTriggerPayload(TypedDict, total=False):
    """Shape of a ``usertour_trigger`` SSE event (every key optional, ``total=False``)."""

    type: str
    product_id: str
    flow_id: str
    reason: str
    user_id: NotRequired[str]
    session_id: NotRequired[str]


def usertour_trigger_sse_minimal_dict(*, product_id: str, flow_id: str, session_id: str) -> dict[str, str]:
    """The minimal trigger event: exactly ``type``, ``product_id``, ``flow_id``, ``session_id``.

    Only ``session_id`` is stripped (``None`` counts as ``""``); the other values pass through
    as given.
    """
    return {
        "type": USERTOUR_TRIGGER_EVENT_TYPE,
        "product_id": product_id,
        "flow_id": flow_id,
        "session_id": (session_id or "").strip(),
    }


def usertour_trigger_sse_dict(
    *,
    product_id: str,
    flow_id: str,
    reason: str,
    user_id: str | None = None,
    session_id: str | None = None,
) -> dict[str, str]:
    """The full trigger event: ``type``, ``product_id``, ``flow_id``, ``reason``, then optional ids.

    ``reason`` and the first values pass through unstripped.  ``user_id`` and then
    ``session_id`` are added, stripped, only when they are non-blank.
    """
    event = {
        "type": USERTOUR_TRIGGER_EVENT_TYPE,
        "product_id": product_id,
        "flow_id": flow_id,
        "reason": reason,
    }
    if uid := (user_id or "").strip():
        event["user_id"] = uid
    if sid := (session_id or "").strip():
        event["session_id"] = sid
    return event
