"""Every shell block in README.md and docs/ can be pasted into bash or zsh as written.

A ``bash``/``sh``/``shell`` block holds commands (so does each ``$ `` line of a ``console``
block).  In them:

* nothing unquoted that a shell would take for syntax: ``<key>``-style placeholders (a
  redirection in bash) or square brackets (a glob in zsh: ``pip install autoplay-sdk[serve]``
  fails there with "no matches found");
* every ``autoplay-sdk …`` command is accepted by the CLI's own argument parser, so a page
  cannot show an option the CLI does not have.

A **synopsis** (``[--optional]`` arguments, ``<placeholders>``) is not a command: it goes in a
``text`` block whose first line starts with ``usage:``, as ``--help`` prints it.  Those blocks
are not run; a synopsis of an ``autoplay-sdk`` command must match the usage line of the CLI's
own parser, and one of a script in ``scripts/`` its ``--help`` (word by word).  Separately,
every install hint in the code, docs and examples is quoted.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from autoplay_sdk._cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = ("bash", "sh", "shell", "console")
_FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_PLACEHOLDER = re.compile(r"<[A-Za-z][^<>\n]*>")
_UNQUOTED_HINT = re.compile(r"""pip\s+install\s+(?:-\S+\s+)*[\w.-]+\[""")  # may wrap across lines


@dataclass(frozen=True)
class Command:
    where: str
    line: str


def _commands(language: str, body: str) -> list[str]:
    """The command lines of a block: continuations joined, comments and console output dropped."""
    lines: list[str] = []
    for raw in body.replace("\\\n", " ").splitlines():
        if language == "console":
            if not raw.startswith("$ "):
                continue  # output
            raw = raw[2:]
        if raw.strip() and not raw.lstrip().startswith("#"):
            lines.append(raw.strip())
    return lines


def _shell_commands() -> list[Command]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            if match.group(1) in SHELLS:
                line = text.count("\n", 0, match.start()) + 1
                where = f"{page.relative_to(ROOT)}:{line}"
                found += [Command(where, cmd) for cmd in _commands(match.group(1), match.group(2))]
    return found


def _unquoted(line: str) -> str:
    """``line`` with quoted strings and a trailing ``# comment`` removed (what the shell parses)."""
    out, quote = [], ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            break
        else:
            out.append(char)
    return "".join(out)


def shell_problem(line: str) -> str | None:
    """Why ``line`` fails when pasted into bash or zsh (or ``None``)."""
    bare = _unquoted(line)
    if _PLACEHOLDER.search(bare):
        return f"unquoted placeholder {_PLACEHOLDER.search(bare).group(0)!r} (a redirection in bash)"  # type: ignore[union-attr]
    if "[" in bare:
        return "unquoted '[' (a glob in zsh; a synopsis belongs in a 'usage:' text block)"
    return None


def _expanded(word: str) -> str:
    """``word`` with ``$VAR``/``$(...)`` given a plausible value: a stream URL for ``*URL*`` names."""
    word = re.sub(r"\$\([^)]*\)", "value", word)
    return re.sub(
        r"\$\{?(\w+)\}?", lambda m: "https://connector.example/stream/acme" if "URL" in m[1] else "value", word
    )


def cli_problem(line: str) -> str | None:
    """Why the CLI's parser refuses the ``autoplay-sdk …`` command in ``line`` (or ``None``)."""
    words = shlex.split(line, comments=True)
    while words and re.fullmatch(r"\w+=.*", words[0]):  # VAR=value autoplay-sdk ...
        words.pop(0)
    if not words or words[0] != "autoplay-sdk":
        return None
    argv = [_expanded(w) for w in words[1:] if w != "&"]
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(argv)
    except SystemExit as exc:
        if exc.code not in (0, None):
            return err.getvalue().strip().splitlines()[-1]
    return None


COMMANDS = _shell_commands()


def _synopses() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            if match.group(1) == "text" and re.match(r"usage: (autoplay-sdk \w|\w+\.py )", match.group(2)):
                found.append((f"{page.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}", match.group(2)))
    return found


@pytest.mark.parametrize(("where", "synopsis"), _synopses(), ids=lambda v: v if ":" in v[:40] else "")
def test_synopsis_matches_the_parsers_usage(where: str, synopsis: str) -> None:
    program = synopsis.split()[1]
    if program.endswith(".py"):  # a script of this repository
        usage = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / program), "--help"], capture_output=True, text=True, check=True
        ).stdout
    else:
        help_text = io.StringIO()
        with contextlib.redirect_stdout(help_text), pytest.raises(SystemExit):
            build_parser().parse_args([synopsis.split()[2], "--help"])
        usage = help_text.getvalue()
    usage = usage.split("\n\n", 1)[0]  # the usage paragraph
    assert synopsis.split() == usage.split(), f"{where}: the parser says\n{usage}"


def test_shell_blocks_were_found() -> None:
    assert len(COMMANDS) > 20
    assert sum(c.line.startswith("autoplay-sdk ") for c in COMMANDS) > 10


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: f"{c.where}:{c.line[:40]}")
def test_command_can_be_pasted(command: Command) -> None:
    problem = shell_problem(command.line) or cli_problem(command.line)
    assert problem is None, f"{command.where}: {command.line}\n  {problem}"


def test_the_checks_catch_what_fails_in_a_shell() -> None:
    assert "placeholder" in str(shell_problem("autoplay-sdk tail URL --token <key>"))
    assert "glob in zsh" in str(shell_problem("pip install autoplay-sdk[serve]"))
    assert "glob in zsh" in str(shell_problem("python x.py [--connector-url URL]"))
    assert shell_problem("""pip install 'autoplay-sdk[serve]'  # the [serve] extra""") is None
    assert shell_problem('curl -H "Authorization: Bearer <key>" http://x') is None  # quoted: literal
    assert "unrecognized arguments: --nope" in str(cli_problem("autoplay-sdk demo --nope"))
    assert "required" in str(cli_problem("autoplay-sdk onboard acme"))
    assert cli_problem('AUTOPLAY_APP_UNKEY_TOKEN=x autoplay-sdk tail "$URL" --for 30 &') is None


def _hint_files() -> list[Path]:
    kinds = ("*.py", "*.md", "*.toml")
    found = {p for kind in kinds for p in ROOT.glob(kind)}
    for folder in ("autoplay_sdk", "docs", "examples", "scripts", "benchmarks"):
        found |= {p for kind in (*kinds, "*.txt") for p in (ROOT / folder).rglob(kind)}
    found |= {p for p in (ROOT / "scripts").iterdir() if p.is_file()}
    return sorted(found)


def test_every_install_hint_is_quoted() -> None:
    """``pip install 'autoplay-sdk[serve]'`` works in every shell; the bare form fails in zsh."""
    unquoted = []
    for path in _hint_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in _UNQUOTED_HINT.finditer(text):
            unquoted.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}")
    assert unquoted == []
    assert _UNQUOTED_HINT.search("Install with: pip install autoplay-sdk[redis]")
    assert _UNQUOTED_HINT.search("Install with: pip install\nautoplay-sdk[serve]")
    assert not _UNQUOTED_HINT.search("""pip install 'autoplay-sdk[redis]' or pip install "autoplay-sdk[serve]" """)
