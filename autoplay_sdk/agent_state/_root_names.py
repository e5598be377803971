"""The v1 state-machine names that the package root still answers for, with a deprecation warning.

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


def root_getattr(name: str) -> Any:
    """Serve a deprecated v1 name from the root (warning once); any other missing name raises ``AttributeError``."""
    module = CHATBOT_ROOT_NAMES.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules["autoplay_sdk"], name, value)
        return value
    if name not in V1_ROOT_NAMES:
        raise AttributeError(f"module 'autoplay_sdk' has no attribute {name!r}")
    from autoplay_sdk.compat.shims import _deprecation_message

    warnings.warn(_deprecation_message(f"autoplay_sdk.{name}", _V1), DeprecationWarning, stacklevel=2)
    value = getattr(importlib.import_module(_V1), name)
    setattr(sys.modules["autoplay_sdk"], name, value)
    return value
