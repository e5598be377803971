"""Run the installed ``autoplay-sdk`` command as a user does: a real process, its console script."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def command() -> list[str]:
    """The argv prefix that runs ``autoplay-sdk``: the venv's console script when installed."""
    script = shutil.which("autoplay-sdk", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "import sys; from autoplay_sdk._cli import main; sys.exit(main())"]


def environment(columns: int = 80) -> dict[str, str]:
    """A terminal ``columns`` wide, no colours, unbuffered output (so a banner is seen at once)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOPLAY_", "FORCE_COLOR"))}
    return {**env, "COLUMNS": str(columns), "LINES": "50", "NO_COLOR": "1", "TERM": "dumb", "PYTHONUNBUFFERED": "1"}
