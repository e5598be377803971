"""Lenient coercions shared by the ``from_dict`` methods of the adoption models."""

from __future__ import annotations

import math
import time
from enum import Enum
from typing import Any, TypeVar

_E = TypeVar("_E", bound=Enum)


def finite_float(value: Any, default: float) -> float:
    """``float(value)`` when that succeeds and is finite, else ``default``."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if math.isfinite(number) else default


def timestamp(value: Any) -> float:
    """A finite timestamp, or the current time."""
    return finite_float(value, time.time())


def optional_timestamp(value: Any) -> float | None:
    """A finite timestamp, or ``None``."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def non_negative_int(value: Any) -> int:
    """``max(0, int(value))``, or 0 when that fails."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def str_list(value: Any) -> list[str]:
    """``[str(x) ...]`` for a list or tuple, else ``[]``."""
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return []


def enum_value(cls: type[_E], value: Any, default: _E) -> _E:
    """The member of ``cls`` with ``value``, or ``default`` when unknown."""
    try:
        return cls(value)
    except (ValueError, TypeError):
        return default


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def confidence(value: Any) -> float:
    """A finite float clamped to 0..1 (0.0 when unusable)."""
    return clamp(finite_float(value, 0.0), 0.0, 1.0)


def rating(value: Any) -> int:
    """An int clamped to 0..10 (0 when unusable)."""
    return int(clamp(finite_float(value, 0.0), 0.0, 10.0))
