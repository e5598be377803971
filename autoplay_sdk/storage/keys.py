"""Redis key formats of user state and session snapshots.

Ids are inserted verbatim, with no escaping: an id containing ``:`` makes a key ambiguous, so
keep ``:`` out of product, user and session ids.
"""

from __future__ import annotations

__all__ = ["user_state_key", "session_key"]  # noqa: RUF022 — the documented order


def user_state_key(product_id: str, user_id: str) -> str:
    """``autoplay:user:{product_id}:{user_id}:state``."""
    return f"autoplay:user:{product_id}:{user_id}:state"


def session_key(product_id: str, user_id: str, session_id: str) -> str:
    """``autoplay:user:{product_id}:{user_id}:session:{session_id}``."""
    return f"autoplay:user:{product_id}:{user_id}:session:{session_id}"
