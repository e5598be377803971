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


def root_getattr(name: str) -> Any:
    """Serve a deprecated v1 name from the root (warning once); any other missing name raises ``AttributeError``."""
    if name in ADOPTION_ROOT_NAMES:
        return _serve_adoption_name(name)
    if name not in V1_ROOT_NAMES:
        raise AttributeError(f"module 'autoplay_sdk' has no attribute {name!r}")
    from autoplay_sdk.compat.shims import _deprecation_message

    warnings.warn(_deprecation_message(f"autoplay_sdk.{name}", _V1), DeprecationWarning, stacklevel=2)
    value = getattr(importlib.import_module(_V1), name)
    setattr(sys.modules["autoplay_sdk"], name, value)
    return value


# Names of the providers, storage and user-adoption packages that the root answers for, without a
# warning: each is imported from its module on first use and then bound on the root.  They are not
# in ``autoplay_sdk.__all__``, and ``import autoplay_sdk`` imports none of these packages.
_PROVIDERS = "autoplay_sdk.providers"
_STORAGE = "autoplay_sdk.storage"
_ADOPTION = "autoplay_sdk.user_adoption_state"
ADOPTION_ROOT_NAMES: dict[str, str] = {
    "ActivityProvider": _PROVIDERS,
    "AmplitudeProvider": _PROVIDERS,
    "PostHogProvider": _PROVIDERS,
    "ProviderRegistrationBody": _PROVIDERS,
    "AutoplayStorageAdapter": _STORAGE,
    "StorageManager": _STORAGE,
    "RedisStorageAdapter": _STORAGE,
    "InMemoryStorageAdapter": _STORAGE,
    "user_state_key": _STORAGE,
    "session_key": _STORAGE,
    "init_user_state": _STORAGE,
    "on_session_start": _STORAGE,
    "on_session_end": _STORAGE,
    "build_agent_context": _STORAGE,
    "user_adoption_state": _ADOPTION,  # the module itself
    "UserAdoptionState": _ADOPTION,
    "JourneyState": _ADOPTION,
    "MasteryLevel": _ADOPTION,
    "WorkflowStatus": _ADOPTION,
}


def _serve_adoption_name(name: str) -> Any:
    module = importlib.import_module(ADOPTION_ROOT_NAMES[name])
    value = module if name == "user_adoption_state" else getattr(module, name)
    setattr(sys.modules["autoplay_sdk"], name, value)
    return value
