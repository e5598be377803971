"""``autoplay-sdk serve``: run the copilot bridge (:func:`~autoplay_sdk.api.build_copilot_app`) on uvicorn.

A thin shell like the other commands: it validates the options, builds the app, serves it until
Ctrl-C (or ``stop``, or ``--for``), and renders a banner and errors on the consoles it is given.
Exit codes: 0 for a clean stop, 2 for usage and fatal errors (one line, no traceback, never a
token).

Decisions:

- **Auth by default.**  Unless ``--no-auth`` is given, a fresh key (``secrets.token_hex(32)``)
  is generated at every start and shown once in the banner; clients send it as
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
- **Binding and logs.**  The socket is bound here (``--port 0`` picks a free port, and the banner
  shows the real one).  uvicorn runs with ``log_config=None`` so logging stays under the CLI's
  control, and without access logs: request lines would record user ids and the users' questions.

Wiring (done by the CLI package): ``add_parser(subcommands, parents=[common])`` in
``build_parser`` and ``run(args, console, err_console=..., stop=..., ready=...)`` for
``args.command == "serve"``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from autoplay_sdk._cli._render import error_line
from autoplay_sdk._stream import redact_url
from autoplay_sdk.core.exceptions import SdkConfigError, SdkError
from autoplay_sdk.stream_auth import TOKEN_ENV_VAR, resolve_connector_bearer_token

__all__ = ["DEFAULT_LLM", "add_parser", "run"]

EXIT_OK = 0
EXIT_ERROR = 2

DEFAULT_LLM = "autoplay_sdk.testing._summarizer:local_summarizer_llm"
"""The offline, deterministic stand-in used when ``--llm`` is not given."""

_TICK_S = 0.1  # how often the serving loop checks stop, --for and the stream reader
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_FATAL_HINTS = {
    401: "missing or malformed token (pass --token or set " + TOKEN_ENV_VAR + ")",
    403: "the token was rejected",
    404: "unknown product: check the product id in the stream URL",
}


class _UsageError(Exception):
    """A problem with the options, reported as one line (exit 2)."""


# --------------------------------------------------------------------------- parser


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _int_in(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be between {minimum} and {maximum}, got {value}")
        return value

    return parse


def _stream_url(text: str) -> str:
    scheme, _, rest = text.partition("://")
    if scheme.lower() not in ("http", "https") or not rest.strip("/"):
        raise argparse.ArgumentTypeError(
            f"expected an http(s) URL such as https://host/stream/<product_id>, got {redact_url(text)!r}"
        )
    return text


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
        type=_stream_url,
        metavar="URL",
        help="connector stream URL, e.g. https://<host>/stream/<product_id>",
    )
    parser.add_argument("--token", default="", help=f"stream bearer token (default: ${TOKEN_ENV_VAR})")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument(
        "--port", type=_int_in(0, 65535), default=8000, help="port; 0 picks a free one (default: %(default)s)"
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
        type=_int_in(1, 1_000_000),
        default=10,
        metavar="N",
        help="actions per session that trigger a summary (default: %(default)s)",
    )
    parser.add_argument(
        "--lookback",
        type=_positive_float,
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
    parser.add_argument("--for", dest="duration", type=_positive_float, metavar="SECONDS", help="stop after SECONDS")


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


def _new_key() -> str:
    """A random API key that never starts with ``-`` (so it is safe to paste after an option)."""
    key = secrets.token_hex(32)
    return "k" + key[1:] if key.startswith("-") else key


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def _base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _describe_stream_failure(exc: BaseException, safe_url: str) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        hint = _FATAL_HINTS.get(status, "the connector refused the stream")
        return f"the stream stopped: {safe_url} answered HTTP {status}: {hint}"
    if isinstance(exc, SdkError):
        return f"the stream stopped: {exc}"
    return f"the stream stopped: {type(exc).__name__}"


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
        "GET /context/{user_id}?query=…\nGET /reply/{user_id}?query=…\nPOST /admin/reset/{user_id}\n"
        "GET /healthz (no key needed)",
    )
    auth = ' -H "Authorization: Bearer <key>"' if key is not None else ""
    parts: list[RenderableType] = [
        grid,
        Text(""),
        Text.assemble(("Try it: ", "bold"), f'curl{auth} "{base_url}/context/<user_id>?query=hi"'),
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
) -> BaseException | None:
    """Run uvicorn until stopped; return the stream reader's error if that is what ended it."""
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    announced = False
    stream_error: BaseException | None = None
    try:
        while not serving.done():
            await asyncio.wait({serving}, timeout=_TICK_S)
            if server.started and not announced:
                announced = True
                on_started()
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
    serving.result()
    return stream_error


# --------------------------------------------------------------------------- command


def run(
    args: argparse.Namespace,
    console: Console,
    *,
    err_console: Console | None = None,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> int:
    """Serve the bridge until Ctrl-C, ``stop`` is set or ``--for`` elapses; return the exit code.

    Blocks.  ``ready`` is set once the server accepts requests (after the banner is printed).
    Returns 2, with one error line on ``err_console`` (default: ``console``), for a missing
    token, an unusable ``--llm``, a port that cannot be bound, a missing ``serve`` extra, or a
    stream that stopped with an error.  Never prints the stream token.
    """
    err = err_console if err_console is not None else console

    def fail(message: str) -> int:
        err.print(error_line(message), soft_wrap=True, highlight=False)
        return EXIT_ERROR

    if args.role is not None and args.redis is None:
        return fail("--role needs --redis URL")
    reader_only = args.redis is not None and args.role == "serve"
    if args.stream_url is None and not reader_only:
        return fail("--stream-url is required (except with --redis URL --role serve)")
    if not reader_only and not resolve_connector_bearer_token(args.token):
        return fail(f"no stream token: pass --token or set {TOKEN_ENV_VAR}")
    try:
        llm = _load_llm(args.llm)
        import uvicorn

        from autoplay_sdk.api import build_copilot_app

        key = None if args.no_auth else _new_key()
        app = build_copilot_app(
            stream_url=args.stream_url or "",
            token=args.token,
            llm=llm,
            summary_threshold=args.summary_threshold,
            lookback_seconds=args.lookback,
            api_key=key,
            **({"redis_url": args.redis, "role": args.role or "ingest"} if args.redis is not None else {}),
        )
    except _UsageError as exc:
        return fail(str(exc))
    except ModuleNotFoundError as exc:
        if exc.name in ("uvicorn", "fastapi", "starlette") or str(exc).startswith("FastAPI is required"):
            return fail("autoplay-sdk serve needs FastAPI and uvicorn: pip install 'autoplay-sdk[serve]'")
        raise
    except (SdkConfigError, ValueError) as exc:
        return fail(str(exc))
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        return fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")

    base_url = _base_url(args.host, int(sock.getsockname()[1]))
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
    ready_event = ready if ready is not None else threading.Event()

    def on_started() -> None:
        console.print(
            _banner(
                base_url=base_url,
                key=key,
                stream_url=args.stream_url or "none (--role serve: reads Redis)",
                llm=args.llm,
                exposed=args.host not in _LOOPBACK,
            )
        )
        console.file.flush()  # the URL and key must be visible now, even when stdout is a pipe
        ready_event.set()

    until = None if args.duration is None else time.monotonic() + args.duration
    stream_error: BaseException | None = None
    try:
        stream_error = asyncio.run(
            _serve(
                server,
                sock,
                app,
                stop=stop if stop is not None else threading.Event(),
                until=until,
                on_started=on_started,
            )
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C is the normal way to stop serving
    except SystemExit:  # uvicorn exits this way when the app fails to start
        return fail("the bridge failed to start (run with -v for details)")
    finally:
        sock.close()
    if stream_error is not None:
        return fail(_describe_stream_failure(stream_error, redact_url(args.stream_url or "")))
    console.print("Bridge stopped.", style="dim")
    return EXIT_OK
