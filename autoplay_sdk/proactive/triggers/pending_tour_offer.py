"""The tour a user was offered and may accept with their next message (stored as JSON by hosts)."""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["PendingTourOffer", "pending_offer_to_json", "resolve_pending_redis_value"]


@dataclass(frozen=True)
class PendingTourOffer:
    """An offered tour, by its provider flow id."""

    flow_id: str


def pending_offer_to_json(flow_id: str) -> str:
    """``'{"flow_id": "<stripped id>"}'``."""
    return json.dumps({"flow_id": (flow_id or "").strip()})


def resolve_pending_redis_value(raw: str | None, *, default_flow_id: str) -> str:
    """The flow id in a stored value; ``default_flow_id`` (stripped) when there is none.  Never raises.

    ``None``, blank, the legacy marker ``"1"``, bad JSON, and JSON without a non-blank string
    ``flow_id`` all give the default.
    """
    df = (default_flow_id or "").strip()
    if raw is None:
        return df
    try:
        text = str(raw).strip()
        if not text or text == "1":
            return df
        data = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return df
    flow_id = data.get("flow_id") if isinstance(data, dict) else None
    if isinstance(flow_id, str) and flow_id.strip():
        return flow_id.strip()
    return df
