"""Names the package root answers for without listing them in ``__all__``.

Two kinds, both resolved by :func:`root_getattr` (the root's module ``__getattr__``) on first
access and then bound on the root, so later reads do not come here again:

- :data:`EXTRA_ROOT_NAMES`: current names a program may reasonably import from the root
  (``SdkAuthError``, ``SdkNotFoundError``, ``RetryPolicy``).  Their modules are already loaded by
  ``import autoplay_sdk``, so serving them imports nothing new and never warns.
- :data:`V1_ROOT_NAMES`: the deprecated v1 state-machine names, served with a deprecation warning.

``from autoplay_sdk import AgentStateMachine`` (and the other names 0.7.3 exported from the root)
keeps working: the root's module ``__getattr__`` is :func:`root_getattr`, which imports
:mod:`autoplay_sdk.agent_state.v1` only when one of these names is first asked for, warns once,
and then binds the name on the root (so later reads neither warn nor come here again, just as an
old module path warns only on its first import).  The names are not in ``autoplay_sdk.__all__``.

The same hook serves the chatbot names of later SDK versions (:data:`CHATBOT_ROOT_NAMES`:
conversation links, the async session stores, ``AutoplayChatbotManager``) from
:mod:`autoplay_sdk.chat.chatbot`, loaded on first access and without a warning.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any

from autoplay_sdk._deprecation import deprecation_message

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

EXTRA_ROOT_NAMES = {
    "SdkAuthError": "autoplay_sdk.core.exceptions",
    "SdkNotFoundError": "autoplay_sdk.core.exceptions",
    "RetryPolicy": "autoplay_sdk._stream",
}
"""Name → defining module, for the current names served from the root outside ``__all__``."""


# Names of later SDK versions that the root serves lazily, without a warning: name -> module.
# They are not in ``autoplay_sdk.__all__``.
_CHATBOT = "autoplay_sdk.chat.chatbot"
CHATBOT_ROOT_NAMES: dict[str, str] = {
    "AutoplayChatbotManager": _CHATBOT,
    "ConversationEventType": _CHATBOT,
    "ConversationLink": _CHATBOT,
    "ConversationLinkStore": _CHATBOT,
    "ConversationWebhookEvent": _CHATBOT,
    "InMemoryConversationLinkStore": _CHATBOT,
    "InMemorySessionStateStore": _CHATBOT,
    "RedisSessionStateStore": _CHATBOT,
    "link_conversation": _CHATBOT,
    "resolve_linked_conversation_id": _CHATBOT,
}


def root_getattr(name: str, stacklevel: int = 2) -> Any:
    """Serve an extra, a later-version or a deprecated v1 name from the root; else ``AttributeError``.

    A v1 name warns (``DeprecationWarning``, pointing ``stacklevel`` frames up) on its first
    access only; the others never warn.
    """
    if name in ADOPTION_ROOT_NAMES:
        return _serve_adoption_name(name)
    home = EXTRA_ROOT_NAMES.get(name) or CHATBOT_ROOT_NAMES.get(name)
    if home is not None:
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules["autoplay_sdk"], name, value)
        return value
    if name not in V1_ROOT_NAMES:
        raise AttributeError(f"module 'autoplay_sdk' has no attribute {name!r}")

    warnings.warn(deprecation_message(f"autoplay_sdk.{name}", _V1), DeprecationWarning, stacklevel=stacklevel)
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
