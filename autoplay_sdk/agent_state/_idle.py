"""The idle-expiry result shared by the v1 machine and the idle-expiry pipeline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProactiveIdleExpiryResult:
    """Outcome of an idle-expiry check; truthy when the machine moved to THINKING.

    ``reset_chat_thread_binding`` tells the host to forget the chat thread bound to the proactive
    interaction that just expired.
    """

    transitioned: bool
    reset_chat_thread_binding: bool = False

    def __bool__(self) -> bool:
        return self.transitioned
