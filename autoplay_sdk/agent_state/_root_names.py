"""The v1 state-machine names that the package root still answers for, with a deprecation warning.

``from autoplay_sdk import AgentStateMachine`` (and the other names 0.7.3 exported from the root)
keeps working: the root's module ``__getattr__`` is :func:`root_getattr`, which imports
:mod:`autoplay_sdk.agent_state.v1` only when one of these names is first asked for, warns once,
and then binds the name on the root (so later reads neither warn nor come here again, just as an
old module path warns only on its first import).  The names are not in ``autoplay_sdk.__all__``.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any

V1_ROOT_NAMES = frozenset(
    {
        "AgentState",
        "AgentStateMachine",
        "InvalidSnapshotError",
        "InvalidTransitionError",
        "SessionMetrics",
        "TaskProgress",
    }
)
_V1 = "autoplay_sdk.agent_state.v1"


def root_getattr(name: str, stacklevel: int = 2) -> Any:
    """Serve a deprecated v1 name from the root (warning once); any other missing name raises ``AttributeError``."""
    if name not in V1_ROOT_NAMES:
        raise AttributeError(f"module 'autoplay_sdk' has no attribute {name!r}")
    from autoplay_sdk.compat.shims import _deprecation_message

    warnings.warn(_deprecation_message(f"autoplay_sdk.{name}", _V1), DeprecationWarning, stacklevel=stacklevel)
    value = getattr(importlib.import_module(_V1), name)
    setattr(sys.modules["autoplay_sdk"], name, value)
    return value
