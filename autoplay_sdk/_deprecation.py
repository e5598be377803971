"""The one deprecation text for a moved import path (the alias hook, the shims and v1 root names)."""

from __future__ import annotations

__all__ = ["deprecation_message"]

_MESSAGE = "`{old}` has moved to `{new}`. Update your imports before 1.0.0, when the old path will be removed."


def deprecation_message(old_module: str, new_module: str) -> str:
    """The old path, then the new one (0.7.5 named the new path twice)."""
    return _MESSAGE.format(old=old_module, new=new_module)
