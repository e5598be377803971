"""``autoplay-sdk``: the command-line tool (``connector``, ``tail``, ``demo``, ``serve``, ``onboard``).

A thin shell: library code returns results and never prints; this package parses arguments,
calls it, and renders the results through a :class:`rich.console.Console` it creates (or is
given).  Each command is one parser whose ``run`` default is its one function.  Exit codes: 0
success (Ctrl-C is a clean stop), 2 usage or fatal errors (``onboard`` has its own).  The SDK's
warnings are shown on stderr without ``-v`` (``tail`` and ``demo`` show failures in their own
view).  A token is never printed, except the key ``connector`` generates for its own local
server, shown once.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console

from autoplay_sdk._cli._common import EXIT_ERROR, EXIT_OK
from autoplay_sdk.stream_auth import TOKEN_ENV_VAR

if TYPE_CHECKING:
    from autoplay_sdk._cli._common import Runtime

__all__ = ["main"]

_EPILOG = f"""\
examples:
  autoplay-sdk demo
  autoplay-sdk connector --port 8765
  autoplay-sdk onboard acme --contact-email ops@acme.io --connector-url http://127.0.0.1:8765
  autoplay-sdk tail http://127.0.0.1:8765/stream/demo-product --token <key>
  {TOKEN_ENV_VAR}=<token> autoplay-sdk tail https://<connector-host>/stream/<product_id>
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``autoplay-sdk`` argument parser."""
    from autoplay_sdk import __version__

    parser = argparse.ArgumentParser(
        prog="autoplay-sdk",
        description="Autoplay SDK tools: a local test connector, a live stream viewer, a demo and the copilot bridge.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="show SDK logs on stderr (-vv for debug logs)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Each command registers one parser whose defaults carry the one function that runs it.
    from autoplay_sdk._cli import _commands, _onboard, _serve

    _serve.add_parser(commands, parents=[common])
    _onboard.add_parser(commands, parents=[common])
    _commands.add_connector_parser(commands, parents=[common])
    _commands.add_tail_parser(commands, parents=[common])
    _commands.add_demo_parser(commands, parents=[common])
    return parser


class _OneLine(logging.Formatter):
    """One line per record, unless ``tracebacks`` (``-vv``): then exceptions keep their traceback.

    SDK records already carry the ``autoplay_sdk: `` prefix; others (uvicorn) get their logger name.
    """

    def __init__(self, fmt: str, *, tracebacks: bool = False) -> None:
        super().__init__(fmt)
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if not self._tracebacks and text.startswith("Traceback (most recent call last)"):
            text = text.rstrip().splitlines()[-1]  # uvicorn logs a formatted traceback as the message
        return text if record.name.startswith("autoplay_sdk") else f"{record.name}: {text}"

    def formatException(self, ei: Any) -> str:
        return super().formatException(ei) if self._tracebacks else ""

    def formatStack(self, stack_info: str) -> str:
        return super().formatStack(stack_info) if self._tracebacks else ""


@contextlib.contextmanager
def _cli_logging(err_console: Console, verbose: int, *, warnings: bool = True) -> Iterator[None]:
    """Route SDK (and uvicorn) logs for the duration of a command, then restore the loggers.

    Without ``-v``, the SDK's warnings and errors go to stderr, one line each (a stream that
    cannot be reached says so as it retries); commands that show failures in their own view pass
    ``warnings=False`` and stay quiet (a handler is still attached, so Python's last-resort
    handler prints nothing either).  ``-v`` adds INFO and uvicorn's logs; ``-vv`` adds DEBUG and
    tracebacks.
    """
    quiet = logging.NullHandler()  # attached where nothing should show: keeps the last resort quiet
    handler: logging.Handler = quiet
    if verbose or warnings:
        from rich.logging import RichHandler

        handler = RichHandler(console=err_console, show_path=False, markup=False, rich_tracebacks=False)
        handler.setFormatter(_OneLine("%(message)s", tracebacks=verbose > 1))
        if not verbose:
            handler.setLevel(logging.WARNING)
    level = logging.DEBUG if verbose > 1 else logging.INFO
    # Without -v uvicorn stays quiet: the command reports what made it fail in its own words.
    routes = [
        (logging.getLogger("autoplay_sdk"), handler),
        (logging.getLogger("uvicorn"), handler if verbose else quiet),
    ]
    loggers = [lg for lg, _ in routes]
    saved = [lg.level for lg in loggers]
    for lg, h in routes:
        lg.addHandler(h)
        if verbose:
            lg.setLevel(level)
    try:
        yield
    finally:
        for (lg, h), old in zip(routes, saved, strict=True):
            lg.removeHandler(h)
            lg.setLevel(old)


def main(
    argv: Sequence[str] | None = None,
    *,
    console: Console | None = None,
    err_console: Console | None = None,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> int:
    """Run the CLI and return its exit code (the console script passes it to ``sys.exit``).

    ``console``/``err_console`` replace the stdout/stderr consoles (``err_console`` defaults to
    ``console`` when only that is given), ``stop`` ends a serving ``connector`` or ``tail`` like
    Ctrl-C would, and ``ready`` is set once they are up.  These exist for embedding and tests.
    """
    from autoplay_sdk._cli._common import Runtime

    out = console if console is not None else Console()
    err = err_console if err_console is not None else (console if console is not None else Console(stderr=True))
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out.file), contextlib.redirect_stderr(err.file):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    if args.command is None:
        with contextlib.redirect_stdout(err.file):
            parser.print_help()
        return EXIT_ERROR
    runtime = Runtime(out, err, stop if stop is not None else threading.Event(), ready or threading.Event())
    command: Callable[[argparse.Namespace, Runtime], int] = args.run
    # For demo, -v means "show every session in full"; its logs start at -vv.
    log_level = max(args.verbose - 1, 0) if args.command == "demo" else args.verbose
    try:
        # tail and demo show failures in their own view; the others print warnings as they happen.
        with _cli_logging(err, log_level, warnings=args.command not in ("tail", "demo")):
            return command(args, runtime)
    except KeyboardInterrupt:  # a second Ctrl-C while shutting down: still a clean exit
        return EXIT_OK
