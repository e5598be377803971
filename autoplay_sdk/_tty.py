"""Whether the SDK's own terminal UI is off for the current context.

The CLI renders its own progress; it turns the library's terminal UI (the connector registration
spinner) off for the calls it makes.
"""

from __future__ import annotations

import contextvars

__all__ = ["tty_ui_off"]

tty_ui_off: contextvars.ContextVar[bool] = contextvars.ContextVar("autoplay_sdk_tty_ui_off", default=False)
