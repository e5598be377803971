"""A Ctrl-C that lands while a banner prints never makes the banner print twice."""

from __future__ import annotations

import io
import threading

import pytest
from rich.console import Console
from rich.panel import Panel

from autoplay_sdk._cli._common import Runtime


class InterruptedOnce(io.StringIO):
    """A terminal where Ctrl-C arrives right after the first write went out."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = True

    def write(self, text: str) -> int:
        n = super().write(text)
        if self.armed and text:
            self.armed = False
            raise KeyboardInterrupt
        return n


def test_a_banner_interrupted_while_printing_is_not_printed_again() -> None:
    out = InterruptedOnce()
    console = Console(file=out, width=60, force_terminal=False)
    rt = Runtime(console=console, err_console=console, stop=threading.Event(), ready=threading.Event())
    with pytest.raises(KeyboardInterrupt):
        rt.show(Panel("Stream URL  http://127.0.0.1:8765/stream/p", title="Autoplay local connector"))
    console.print("Local connector stopped.")
    text = out.getvalue()
    assert text.count("Autoplay local connector") == 1, text
    assert text.rstrip().endswith("Local connector stopped.")
