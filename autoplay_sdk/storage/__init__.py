"""Cross-session storage of user adoption state: adapters, a fan-out manager and lifecycle helpers.

``import autoplay_sdk.storage`` does not import ``redis``: the Redis adapter imports it when
constructed.  The analytics sinks live in ``autoplay_sdk.storage.adapters.amplitude`` and
``.posthog`` and are not re-exported here.  ``Summarizer`` (the type of ``on_session_end``'s
``summarizer=``) is importable from here too, outside ``__all__``.
"""

from __future__ import annotations

from autoplay_sdk.storage.adapters.memory import InMemoryStorageAdapter
from autoplay_sdk.storage.adapters.redis import RedisStorageAdapter
from autoplay_sdk.storage.base import AutoplayStorageAdapter
from autoplay_sdk.storage.keys import session_key, user_state_key
from autoplay_sdk.storage.lifecycle import Summarizer as Summarizer
from autoplay_sdk.storage.lifecycle import build_agent_context, init_user_state, on_session_end, on_session_start
from autoplay_sdk.storage.manager import StorageManager

__all__ = [  # noqa: RUF022 — the published order
    "AutoplayStorageAdapter",
    "StorageManager",
    "RedisStorageAdapter",
    "InMemoryStorageAdapter",
    "user_state_key",
    "session_key",
    "init_user_state",
    "on_session_start",
    "on_session_end",
    "build_agent_context",
]
