"""Run the ``autoplay-sdk`` CLI in-process with captured consoles (shared by CLI and serve tests)."""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field

from rich.console import Console

from autoplay_sdk._cli import main


def console() -> Console:
    return Console(file=io.StringIO(), width=120)


def text(c: Console) -> str:
    file = c.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


@dataclass
class Run:
    """``main(argv)`` with captured stdout/stderr consoles; ``stop``/``ready`` as Ctrl-C and readiness."""

    argv: list[str]
    out: Console = field(default_factory=console)
    err: Console = field(default_factory=console)
    stop: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)
    code: int | None = None

    def __call__(self) -> int:
        self.code = main(self.argv, console=self.out, err_console=self.err, stop=self.stop, ready=self.ready)
        return self.code

    @property
    def stdout(self) -> str:
        return text(self.out)

    @property
    def stderr(self) -> str:
        return text(self.err)

    def banner_value(self, label: str) -> str:
        match = re.search(rf"{label}\s+(\S+)", self.stdout)
        assert match, self.stdout
        return match.group(1)
