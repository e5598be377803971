"""``autoplay-sdk serve``: run the copilot bridge (:func:`~autoplay_sdk.api.build_copilot_app`) on uvicorn.

A thin shell like the other commands: it validates the options, builds the app, serves it until
Ctrl-C (or ``stop``, or ``--for``), and renders a banner and errors on the consoles it is given.
Exit codes: 0 for a clean stop, 2 for usage and fatal errors (one line, no traceback, never a
token).

Decisions:

- **Auth by default.**  Unless ``--no-auth`` is given, a fresh key (``_common.new_key()``, 48 hex
  characters, the same format as ``connector``'s) is generated at every start and shown once in
  the banner; clients send it as
  ``Authorization: Bearer <key>`` (``/healthz`` stays open).  The stream ``--token`` is never
  printed.
- **Offline default LLM.**  ``--llm`` defaults to :data:`DEFAULT_LLM`, the SDK's deterministic
  stand-in ``autoplay_sdk.testing._summarizer:local_summarizer_llm``: it summarises the action
  lines in the prompt (no network, no key), so the bridge works out of the box and ``/reply``
  answers with a recap of the user's recent actions.  Point ``--llm`` at your own
  ``async def f(prompt: str) -> str`` for real replies; the current directory is importable, as
  with uvicorn.
- **A dead stream ends the command.**  If the stream reader stops with an error (wrong token,
  unknown product, retries exhausted) the server is shut down and the error is reported (exit 2),
  rather than serving stale data with no sign of trouble.
- **An unreachable stream is visible.**  Each failed attempt prints one warning line on stderr
  (the SDK's own retry warning: the cause and the next delay) while the bridge keeps retrying;
  ``--max-retries N`` turns N consecutive failures into a dead stream (exit 2).
- **Binding and logs.**  The socket is bound before uvicorn starts (``--port 0`` picks a free port,
  and the banner shows the real one).  uvicorn runs with ``log_config=None`` so logging stays under the CLI's
  control, and without access logs: request lines would record user ids and the users' questions.

A command like the others: ``add_parser(subcommands, parents=[common])`` registers it in
``build_parser`` and ``cmd_serve(args, runtime)`` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from autoplay_sdk._cli._common import (
    EXIT_OK,
    LOOPBACK,
    Runtime,
    describe_failure,
    int_in,
    new_key,
    positive_float,
    redact_url,
    stream_url,
)
from autoplay_sdk._sockets import base_url as _base_url
from autoplay_sdk._sockets import bind_listening_socket
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.stream_auth import TOKEN_ENV_VAR, resolve_connector_bearer_token

__all__ = ["DEFAULT_LLM", "add_parser", "cmd_serve"]

DEFAULT_LLM = "autoplay_sdk.testing._summarizer:local_summarizer_llm"
"""The offline, deterministic stand-in used when ``--llm`` is not given."""

_CHECK_S = 0.1  # how often the serving loop checks stop, --for and the stream reader
_USERS_SHOWN = 8  # user ids named once they first appear on the stream


class _UsageError(Exception):
    """A problem with the options, reported as one line (exit 2)."""


# --------------------------------------------------------------------------- parser


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: Sequence[argparse.ArgumentParser] = (),
) -> None:
    """Register the ``serve`` subcommand (its options are documented in ``--help``).

    ``parents`` are passed to ``add_parser`` (e.g. the CLI's shared ``-v/--verbose`` parser);
    without any, ``serve`` defines ``-v/--verbose`` itself so ``args.verbose`` always exists.
    """
    parser = subparsers.add_parser(
        "serve",
        parents=list(parents),
        help="serve per-user context and LLM replies over HTTP from a live stream",
        description="Run the copilot bridge (autoplay_sdk.api.build_copilot_app) on uvicorn until Ctrl-C: it "
        "reads the stream and serves GET /context/{user_id}, GET /reply/{user_id}, POST /admin/reset/{user_id} "
        "and GET /healthz. A bearer key is generated and shown once unless --no-auth is given.",
    )
    if not parents:
        parser.add_argument(
            "-v", "--verbose", action="count", default=0, help="show SDK logs on stderr (-vv for debug logs)"
        )
    parser.add_argument(
        "--stream-url",
        type=stream_url,
        metavar="URL",
        help="connector stream URL, e.g. https://<host>/stream/<product_id>",
    )
    parser.add_argument("--token", default="", help=f"stream bearer token (default: ${TOKEN_ENV_VAR})")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument(
        "--port", type=int_in(0, 65535), default=8000, help="port; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument(
        "--llm",
        default=DEFAULT_LLM,
        metavar="MODULE:FUNCTION",
        help="async function (prompt: str) -> str for replies and summaries "
        "(default: an offline stand-in that recaps the user's actions)",
    )
    parser.add_argument(
        "--no-auth", action="store_true", help="serve without an API key (anyone who can connect reads the data)"
    )
    parser.add_argument(
        "--summary-threshold",
        type=int_in(1, 1_000_000),
        default=10,
        metavar="N",
        help="actions per session that trigger a summary (default: %(default)s)",
    )
    parser.add_argument(
        "--lookback",
        type=positive_float,
        default=300.0,
        metavar="SECONDS",
        help="how far back activity is served (default: %(default)g)",
    )
    parser.add_argument(
        "--redis", metavar="URL", help="share context through Redis to run many replicas (see docs/scaling.md)"
    )
    parser.add_argument(
        "--role",
        choices=("ingest", "serve"),
        help="with --redis: ingest (reads the stream, one active per Redis; the default) or serve (reader only)",
    )
    parser.add_argument(
        "--max-retries",
        type=int_in(0),
        metavar="N",
        help="stop (exit 2) after N consecutive failed attempts to reach the stream (default: retry forever, "
        "printing each failure)",
    )
    parser.add_argument("--for", dest="duration", type=positive_float, metavar="SECONDS", help="stop after SECONDS")
    parser.set_defaults(run=cmd_serve)


# --------------------------------------------------------------------------- helpers


def _load_llm(spec: str) -> Callable[[str], Any]:
    """Import ``module:attr.path`` and check that it is an async callable."""
    module_name, sep, attr_path = spec.partition(":")
    if not sep or not module_name or not attr_path:
        raise _UsageError(f"--llm expects MODULE:FUNCTION, got {spec!r}")
    if os.getcwd() not in sys.path:  # like uvicorn: the user's module may live in the current directory
        sys.path.insert(0, os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:  # the user's module may raise anything at import time
        raise _UsageError(f"--llm: cannot import {module_name!r}: {type(exc).__name__}: {exc}") from None
    for part in attr_path.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise _UsageError(f"--llm: {module_name!r} has no attribute {attr_path!r}") from None
    call = getattr(target, "__call__", None)  # noqa: B004 - the async check needs the method itself
    if not callable(target) or not (inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(call)):
        raise _UsageError(f"--llm: {spec} must be an async function: async def f(prompt: str) -> str")
    fn: Callable[[str], Any] = target
    return fn


def _banner(*, base_url: str, key: str | None, stream_url: str, llm: str, exposed: bool) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Bridge URL", Text(base_url, style="cyan"))
    if key is not None:
        grid.add_row("API key", Text.assemble((key, "bold magenta"), ("  (shown once)", "dim")))
    else:
        grid.add_row("API key", Text("none (--no-auth): every route is open", style="yellow"))
    grid.add_row("Stream", redact_url(stream_url))
    grid.add_row("LLM", llm + (" (offline stand-in)" if llm == DEFAULT_LLM else ""))
    grid.add_row(
        "Routes",
        "GET /users (the user ids seen so far)\nGET /context/{user_id}\nGET /reply/{user_id}?query=…\n"
        "POST /admin/reset/{user_id}\nGET /healthz (no key needed)",
    )
    auth = ' -H "Authorization: Bearer <key>"' if key is not None else ""
    parts: list[RenderableType] = [
        grid,
        Text(""),
        Text.assemble(("Who is there: ", "bold"), f'curl{auth} "{base_url}/users"'),
        Text.assemble(("Try it: ", "bold"), f'curl{auth} "{base_url}/reply/<user_id>?query=hi"'),
    ]
    if exposed:
        warning = "anyone who can connect reads the data" if key is None else "protect the API key"
        parts.append(Text(f"Warning: listening beyond loopback; {warning}.", style="yellow"))
    parts.append(Text("Press Ctrl-C to stop.", style="dim"))
    return Panel(Group(*parts), title="Autoplay copilot bridge", border_style="green", expand=False)


async def _serve(
    server: Any,
    sock: socket.socket,
    app: Any,
    *,
    stop: threading.Event,
    until: float | None,
    on_started: Callable[[], None],
    on_users: Callable[[list[str]], None] = lambda users: None,
) -> BaseException | None:
    """Run uvicorn until stopped; return the stream reader's error if that is what ended it."""
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    announced = False
    stream_error: BaseException | None = None
    users_shown = False
    users_before = -1
    try:
        while not serving.done():
            await asyncio.wait({serving}, timeout=_CHECK_S)
            if server.started and not announced:
                announced = True
                on_started()
            users: dict[str, Any] = getattr(app.state, "users", {})
            # Name the users once the first burst (e.g. a replay) has settled for a tick.
            if announced and not users_shown and users and len(users) == users_before:
                users_shown = True
                on_users(list(users))
            users_before = len(users)
            reader = app.state.connector_task
            if stream_error is None and reader is not None and reader.done() and not reader.cancelled():
                stream_error = reader.exception()
                if stream_error is not None:
                    server.should_exit = True
            if stop.is_set() or (until is not None and time.monotonic() >= until):
                server.should_exit = True
    except asyncio.CancelledError:  # Ctrl-C outside uvicorn's own signal handling: shut down cleanly
        server.should_exit = True
        await asyncio.wait({serving})
        raise
    finally:
        # Ctrl-C can land inside uvicorn's task (uvicorn re-raises the signal once it has shut
        # down): on Python 3.10 the KeyboardInterrupt then leaves the loop while it is still
        # stored in that task.  Reading it here keeps asyncio from reporting "Task exception was
        # never retrieved" with a traceback; the interrupt itself still reaches cmd_serve.
        if serving.done() and not serving.cancelled():
            serving.exception()
    serving.result()
    return stream_error


# --------------------------------------------------------------------------- command


def cmd_serve(args: argparse.Namespace, rt: Runtime) -> int:
    """Serve the bridge until Ctrl-C, ``rt.stop`` is set or ``--for`` elapses; return the exit code.

    Blocks.  ``rt.ready`` is set once the server accepts requests (after the banner is printed).
    Returns 2, with one error line, for a missing token, an unusable ``--llm``, a port that cannot
    be bound, a missing ``serve`` extra, or a stream that stopped with an error.  Never prints the
    stream token.
    """
    console = rt.console
    if args.role is not None and args.redis is None:
        return rt.error("--role needs --redis URL")
    reader_only = args.redis is not None and args.role == "serve"
    if args.stream_url is None and not reader_only:
        return rt.error("--stream-url is required (except with --redis URL --role serve)")
    if not reader_only and not resolve_connector_bearer_token(args.token):
        return rt.error(f"no stream token: pass --token or set {TOKEN_ENV_VAR}")
    try:
        llm = _load_llm(args.llm)
        import uvicorn

        from autoplay_sdk.api import build_copilot_app

        key = None if args.no_auth else new_key()
        app = build_copilot_app(
            stream_url=args.stream_url or "",
            token=args.token,
            llm=llm,
            summary_threshold=args.summary_threshold,
            lookback_seconds=args.lookback,
            api_key=key,
            max_retries=args.max_retries,
            **({"redis_url": args.redis, "role": args.role or "ingest"} if args.redis is not None else {}),
        )
    except _UsageError as exc:
        return rt.error(str(exc))
    except ModuleNotFoundError as exc:
        if exc.name in ("uvicorn", "fastapi", "starlette") or str(exc).startswith("FastAPI is required"):
            return rt.error("autoplay-sdk serve needs FastAPI and uvicorn: pip install 'autoplay-sdk[serve]'")
        raise
    except (SdkConfigError, ValueError) as exc:
        return rt.error(str(exc))
    try:
        sock = bind_listening_socket(args.host, args.port)
    except OSError as exc:
        return rt.error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")

    url = _base_url(args.host, int(sock.getsockname()[1]))
    config = uvicorn.Config(
        app,
        http="h11",
        ws="none",
        lifespan="on",
        log_config=None,
        access_log=False,  # request lines carry user ids and the users' questions (query strings)
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)

    def on_started() -> None:
        console.print(
            _banner(
                base_url=url,
                key=key,
                stream_url=args.stream_url or "none (--role serve: reads Redis)",
                llm=args.llm,
                exposed=args.host not in LOOPBACK,
            )
        )
        console.file.flush()  # the URL and key must be visible now, even when stdout is a pipe
        rt.ready.set()

    def on_users(users: list[str]) -> None:
        shown = ", ".join(users[:_USERS_SHOWN]) + (
            f" and {len(users) - _USERS_SHOWN} more" if len(users) > _USERS_SHOWN else ""
        )
        console.print(
            Text.assemble(("Users seen on the stream: ", "bold"), shown, ("  (GET /users lists them)", "dim"))
        )
        console.file.flush()

    until = None if args.duration is None else time.monotonic() + args.duration
    stream_error: BaseException | None = None
    try:
        stream_error = asyncio.run(
            _serve(server, sock, app, stop=rt.stop, until=until, on_started=on_started, on_users=on_users)
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C is the normal way to stop serving
    except SystemExit:  # uvicorn exits this way when the app fails to start
        return rt.error("the bridge failed to start (run with -v for details)")
    finally:
        sock.close()
    if stream_error is not None:
        return rt.error("the stream stopped: " + describe_failure(stream_error, redact_url(args.stream_url or "")))
    console.print("Bridge stopped.", style="dim")
    return EXIT_OK
