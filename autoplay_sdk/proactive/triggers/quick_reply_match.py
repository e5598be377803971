"""Matching a user's inbound message against quick-reply labels (trimmed, case-folded)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["match_quick_reply_label", "messages_match_quick_reply_pair"]


def _norm(s: str | None) -> str:
    return (s or "").strip().casefold()


def match_quick_reply_label(user_message: str, labels: Sequence[str]) -> int | None:
    """Index of the first label equal to the message, else ``None`` (also for a blank message)."""
    msg = _norm(user_message)
    if not msg:
        return None
    return next((i for i, label in enumerate(labels) if _norm(label) == msg), None)


def messages_match_quick_reply_pair(user_message: str, *, yes_label: str = "Yes", no_label: str = "No") -> str | None:
    """``"yes"`` or ``"no"`` when the message equals that label (yes is checked first), else ``None``."""
    msg = _norm(user_message)
    if not msg:
        return None
    if msg == _norm(yes_label):
        return "yes"
    if msg == _norm(no_label):
        return "no"
    return None
