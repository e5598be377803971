"""Leaf constants shared by ``integrations.intercom`` and ``proactive.triggers``.

This module imports nothing from the SDK on purpose.  In 0.7.5, ``intercom`` imported
the quick-reply default from ``proactive.triggers.defaults`` while ``proactive.triggers`` imported
``intercom`` back, so ``import autoplay_sdk.integrations`` failed in a fresh interpreter.  Both
sides now import the value from here, which breaks the cycle.
"""

from __future__ import annotations

DEFAULT_PROACTIVE_QUICK_REPLY_BODY = "Need my expert help?"
"""Default body of the proactive quick-reply message shown above the reply buttons."""
