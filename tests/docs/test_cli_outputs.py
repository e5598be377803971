"""The CLI output shown in ``console`` blocks of README.md and docs/ is what the CLI prints.

A ``console`` block is a terminal transcript: each ``$ autoplay-sdk …`` line is run as a real
process (the installed console script), and the lines after it, up to the next ``$ `` line, are
its expected output (stdout and stderr together).  A command that uses ``$KEY`` reads a
stream: it runs against a local connector that serves ``sample_events()`` on that port (what
``autoplay-sdk connector --port 8765`` starts), with the connector's key in ``$KEY``.  A ``^C``
line in the output means "press Ctrl-C here": SIGINT is sent once the lines before it have been
printed.  Every command must exit 0.

The terminal is 80 columns wide, without colours.  What differs from run to run is normalised
on both sides before comparing, as documented in docs/cli.md:

* the port in ``127.0.0.1:<port>`` (and a ``8765`` in a command is replaced by a free port, so
  the test never collides with a connector you are running);
* a generated 48-hex-character key, clock times (``12:34:56``), durations such as ``0.5 s`` and
  rates (``74.4 events/s``);
* layout: the text is compared word by word, so line breaks, padding and the length of box
  lines (``───``) may differ; every word, in order, must match.

To refresh the blocks after an intended change of the output, run the test with
``AUTOPLAY_UPDATE_DOCS=1``: each block's output is replaced by what the command printed (then
review the diff).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from autoplay_sdk.testing import LocalConnector, sample_events
from tests.docs import _cli

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TIMEOUT_S = 60.0
DOC_PORT = "8765"
_FENCE = re.compile(r"^```console[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_NORMALISE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"\b[0-9a-f]{48}\b"), "<key>"),
    (re.compile(r"\b\d\d:\d\d:\d\d\b"), "<time>"),
    (re.compile(r"\b\d+(\.\d+)?\s+events/s\b"), "<n> events/s"),  # before "s": may wrap
    (re.compile(r"\b\d+(\.\d+)?\s+s\b"), "<n> s"),
    (re.compile(r"─+"), "─"),
]


@dataclass(frozen=True)
class Transcript:
    page: Path
    line: int
    command: str
    output: str  # as shown, "^C" line included

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}:{self.command}"


def _transcripts() -> list[Transcript]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            first = text.count("\n", 0, match.start(1)) + 1
            command, output, start = None, [], first
            for number, line in enumerate(match.group(1).splitlines(), first):
                if line.startswith("$ "):
                    if command is not None:
                        found.append(Transcript(page, start, command, "\n".join(output)))
                    command, output, start = line[2:], [], number
                else:
                    output.append(line)
            if command is not None:
                found.append(Transcript(page, start, command, "\n".join(output)))
    return found


def words(text: str) -> list[str]:
    """``text`` as compared: normalised (see the module docstring), then split into words."""
    for pattern, replacement in _NORMALISE:
        text = pattern.sub(replacement, text)
    return text.split()


def _free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def run(transcript: Transcript) -> tuple[int, str]:
    """Run the transcript's command; returns its exit code and output (stdout + stderr)."""
    argv = shlex.split(transcript.command)
    assert argv[0] == "autoplay-sdk", f"{transcript.id}: console blocks run autoplay-sdk commands only"
    port = _free_port()
    env = _cli.environment(80)
    with contextlib.ExitStack() as stack:
        if "$KEY" in transcript.command:
            connector = stack.enter_context(LocalConnector(sample_events(), port=int(port)))
            env["KEY"] = connector.token
        argv = [word.replace(DOC_PORT, port).replace("$KEY", env.get("KEY", "$KEY")) for word in argv]
        return _run(transcript, [*_cli.command(), *argv[1:]], env)


def _run(transcript: Transcript, argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    shown = transcript.output.splitlines()
    before_ctrl_c = shown.index("^C") if "^C" in shown else None
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", env=env
    )
    lines: list[str] = []
    enough = threading.Event()

    def collect() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if before_ctrl_c is not None and len(lines) >= before_ctrl_c:
                enough.set()
        enough.set()

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    try:
        if before_ctrl_c is not None:
            enough.wait(TIMEOUT_S)
            proc.send_signal(signal.SIGINT)
            lines.append("^C\n")
        proc.wait(TIMEOUT_S)
        reader.join(TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(TIMEOUT_S)
        if proc.stdout is not None:
            proc.stdout.close()
    if before_ctrl_c is not None:  # where the ^C goes: after the lines shown before it
        lines.remove("^C\n")
        lines.insert(min(before_ctrl_c, len(lines)), "^C\n")
    return proc.returncode, "".join(lines)


TRANSCRIPTS = _transcripts()


def test_transcripts_were_found() -> None:
    commands = [t.command for t in TRANSCRIPTS]
    assert "autoplay-sdk demo" in commands
    assert any(c.startswith("autoplay-sdk connector") for c in commands)
    assert any(c.startswith("autoplay-sdk tail") for c in commands)


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=lambda t: t.id)
def test_the_shown_output_is_what_the_command_prints(transcript: Transcript) -> None:
    code, output = run(transcript)
    if os.environ.get("AUTOPLAY_UPDATE_DOCS") == "1" and code == 0:
        _update(transcript, output)
        return
    assert code == 0, f"{transcript.id}: exit {code}\n{output}"
    shown, printed = words(transcript.output), words(output)
    if shown != printed:
        at = next(
            (i for i, (a, b) in enumerate(zip(shown, printed, strict=False)) if a != b), min(len(shown), len(printed))
        )
        pytest.fail(
            f"{transcript.id}: the output differs from word {at}:\n"
            f"  shown:   {' '.join(shown[max(0, at - 8) : at + 12])}\n"
            f"  printed: {' '.join(printed[max(0, at - 8) : at + 12])}\n"
            f"whole output (AUTOPLAY_UPDATE_DOCS=1 rewrites the block):\n{output}"
        )


def _update(transcript: Transcript, output: str) -> None:
    # Found again by its command line, not by the line number collected at import: an earlier
    # update in the same run may have moved it.  Its output ends at the next "$ " line or fence.
    lines = transcript.page.read_text(encoding="utf-8").split("\n")
    start = lines.index(f"$ {transcript.command}") + 1
    end = start
    while end < len(lines) and not lines[end].startswith(("$ ", "```")):
        end += 1
    if DOC_PORT in transcript.command:  # keep the page's own port, not the free one the test used
        output = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{DOC_PORT}", output)
    lines[start:end] = [line.rstrip() for line in output.rstrip("\n").split("\n")]
    transcript.page.write_text("\n".join(lines), encoding="utf-8")


def test_normalisation_keeps_words_and_drops_what_varies() -> None:
    shown = "│ Stream URL  http://127.0.0.1:8765/stream/p  ───╮\n│ Key  " + "a" * 48 + " · 0.5 s at 12:00:01"
    printed = "│ Stream URL http://127.0.0.1:45123/stream/p ─╮ │ Key " + "b" * 48 + " · 1.25 s at 04:05:06"
    assert words(shown) == words(printed)
    assert words("· 93.6\n   events/s · 0.5\ns") == words("· 82.8 events/s · 1.25 s")  # wrapped or not
    assert words("49 events from 4 sessions") != words("60 events from 7 sessions")
