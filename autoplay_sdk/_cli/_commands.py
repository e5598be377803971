"""The ``connector``, ``tail`` and ``demo`` commands (``serve`` and ``onboard`` have their own modules).

Each command is one parser (``add_<name>_parser``, whose defaults carry ``run``) and one
function (``cmd_<name>``) that wires library objects together, waits, and renders results.

Every command returns an exit code: 0 for success, 2 for usage and fatal errors.  Ctrl-C is the
normal way to stop ``connector`` and ``tail`` (0); ``demo`` ends by itself, so Ctrl-C there means
it did not complete (2, with an ``error:`` line).  Errors are one line on the error console;
no traceback, never a token.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
from rich.console import RenderableType
from rich.live import Live

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
from autoplay_sdk._cli._demo import DEFAULT_TIMEOUT_S, run_demo
from autoplay_sdk._cli._render import connector_banner, demo_panels, demo_summary, tail_table
from autoplay_sdk._cli._tail import FailureListener, TailStats
from autoplay_sdk.client import ConnectorClient
from autoplay_sdk.core.exceptions import SdkConfigError, SdkError
from autoplay_sdk.core.models import AnyPayload
from autoplay_sdk.stream_auth import TOKEN_ENV_VAR

_TICK_S = 0.25  # how often the live view redraws and checks for stop / --for
_JOIN_S = 15.0  # ConnectorClient.run() itself waits up to 10 s for its worker


def _tick(until: float | None) -> float | None:
    """Seconds to wait before the next check, or ``None`` once the ``until`` deadline passed."""
    if until is None:
        return _TICK_S
    remaining = until - time.monotonic()
    return min(_TICK_S, remaining) if remaining > 0 else None


# --------------------------------------------------------------------------- parsers


def add_connector_parser(commands: Any, *, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """Register ``connector`` on ``commands`` (an argparse sub-parsers object); it runs :func:`cmd_connector`."""
    connector = commands.add_parser(
        "connector",
        parents=list(parents),
        help="run a local connector that serves sample events",
        description="Run a local Autoplay connector (SSE over HTTP) until Ctrl-C. Prints its stream URL and "
        "key; the key is generated unless --token is given, and is shown once.",
    )
    connector.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    connector.add_argument(
        "--port", type=int_in(0, 65535), default=8765, help="port; 0 picks a free one (default: %(default)s)"
    )
    connector.add_argument("--product", default="demo-product", help="product id served (default: %(default)s)")
    connector.add_argument("--token", default="", help="bearer token clients must send (default: generate one)")
    connector.add_argument("--no-sample", action="store_true", help="start empty instead of with sample events")
    connector.add_argument(
        "--heartbeat",
        type=positive_float,
        default=15.0,
        metavar="SECONDS",
        help="heartbeat interval on idle streams (default: %(default)g)",
    )
    connector.add_argument("--for", dest="duration", type=positive_float, metavar="SECONDS", help="stop after SECONDS")
    connector.add_argument(
        "--push-url", type=stream_url, metavar="URL", help="also POST every event to URL, signed, as push mode does"
    )
    connector.add_argument("--push-secret", default="", metavar="S", help="secret that signs the pushed events")
    connector.set_defaults(run=cmd_connector)


def add_tail_parser(commands: Any, *, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """Register ``tail`` on ``commands`` (an argparse sub-parsers object); it runs :func:`cmd_tail`."""
    tail = commands.add_parser(
        "tail",
        parents=list(parents),
        help="watch a live stream: sessions, counts, rate, drops",
        description=f"Connect to a connector stream and show a live table of its sessions until Ctrl-C. "
        f"The token comes from --token or {TOKEN_ENV_VAR}.",
    )
    tail.add_argument("url", type=stream_url, help="stream URL, e.g. https://<host>/stream/<product_id>")
    tail.add_argument("--token", default="", help=f"bearer token (default: ${TOKEN_ENV_VAR})")
    tail.add_argument("--for", dest="duration", type=positive_float, metavar="SECONDS", help="stop after SECONDS")
    tail.add_argument("--max-events", type=int_in(1), metavar="N", help="stop once N events have been received")
    tail.add_argument(
        "--max-retries",
        type=int_in(0),
        metavar="N",
        help="give up (exit 2) after N consecutive failed connection attempts (default: retry forever)",
    )
    tail.set_defaults(run=cmd_tail)


def add_demo_parser(commands: Any, *, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """Register ``demo`` on ``commands`` (an argparse sub-parsers object); it runs :func:`cmd_demo`."""
    demo = commands.add_parser(
        "demo",
        parents=list(parents),
        help="the whole pipeline on sample events: stream, context, enriched query, chat prompt",
        description="Start a local connector with sample events, stream them through AsyncConnectorClient, "
        "feed them into an AsyncContextStore with an offline summarizer, and follow one session through the "
        "whole pipeline: a typed payload, the enrich() output for a sample question, the chat prompt a reply "
        "model would receive and an offline stand-in reply; the other sessions get a table row. Then it shows "
        "which sessions the proactive copilot speaks to first, and why (three extra sample sessions hesitate), "
        "the chatbot flow (a simulated chat webhook links the first user's conversation, and "
        "AutoplayChatbotManager delivers their activity into it), and which users completed an onboarding "
        "workflow (AdoptionTracker). "
        "-v shows every session in full (-vv adds the SDK's logs). Ends by itself.",
    )
    demo.add_argument("--question", default=None, help="the question to enrich and answer (default: a sample one)")
    demo.add_argument(
        "--sessions",
        type=int_in(1),
        default=4,
        help="ordinary sample sessions to generate, besides the three hesitating ones (default: %(default)s)",
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed of the sample data (default: %(default)s)")
    demo.add_argument(
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help="give up (exit 2) if the events have not all arrived by then (default: %(default)g)",
    )
    demo.set_defaults(run=cmd_demo)


# --------------------------------------------------------------------------- connector


def cmd_connector(args: argparse.Namespace, rt: Runtime) -> int:
    key = new_key()
    try:
        from autoplay_sdk.testing import LocalConnector, sample_events

        events = [] if args.no_sample else sample_events(product_id=args.product)
        connector = LocalConnector(
            events,
            product_id=args.product,
            token=args.token or key,
            host=args.host,
            port=args.port,
            heartbeat_s=args.heartbeat,
            push_url=args.push_url,
            push_secret=args.push_secret,
            sample_new_products=not args.no_sample,  # `onboard` against it ends on live traffic
        )
        connector.start()
    except (ImportError, SdkConfigError) as exc:
        return rt.error(str(exc))
    except OSError as exc:
        return rt.error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    except RuntimeError as exc:
        return rt.error(f"{exc}: {exc.__cause__}" if exc.__cause__ else str(exc))
    until = None if args.duration is None else time.monotonic() + args.duration
    try:
        rt.show(
            connector_banner(
                stream_url=connector.stream_url,
                product_id=args.product,
                key=None if args.token else key,
                events=len(events),
                sessions=len({e.get("session_id") for e in events}),
                users=list(dict.fromkeys(str(e["user_id"]) for e in events if e.get("user_id"))),
                heartbeat_s=args.heartbeat,
                exposed=args.host not in LOOPBACK,
            )
        )
        if connector.pusher is not None:
            signed = "signed" if args.push_secret else "unsigned"
            rt.console.print(f"Pushing every event to {redact_url(args.push_url)} ({signed})", highlight=False)
        rt.console.file.flush()  # the URL and key must be visible now, even when stdout is a pipe
        rt.ready.set()
        # Short waits rather than one long one, so Ctrl-C is handled promptly on every platform.
        while (timeout := _tick(until)) is not None and not rt.stop.wait(timeout):
            pass
    except KeyboardInterrupt:
        pass  # Ctrl-C is the normal way to stop serving
    finally:
        connector.stop()
    if connector.pusher is not None:
        s = connector.pusher.stats
        summary = f"{s.delivered} delivered, {s.rejected} rejected, {s.dropped} dropped, {s.pending} pending"
        rt.console.print(f"Push: {summary}.", style="dim", highlight=False)
    rt.console.print("Local connector stopped.", style="dim")
    return EXIT_OK


# --------------------------------------------------------------------------- tail


class _Reader:
    """Runs ``client.run()`` on a thread and keeps what it raised (instead of a thread traceback)."""

    def __init__(self, client: ConnectorClient, stats: TailStats, wake: threading.Event) -> None:
        self.client = client
        self.stats = stats
        self.error: BaseException | None = None
        self.wake = wake
        self.thread = threading.Thread(target=self._run, name="autoplay-sdk-tail", daemon=True)

    def _run(self) -> None:
        try:
            self.client.run()
        except BaseException as exc:  # reported by the main thread
            self.error = exc
        finally:
            self.stats.stopped()
            self.wake.set()


def _stop_reader(client: ConnectorClient, thread: threading.Thread) -> None:
    # A stop() that lands before run() has started is ignored by the client (published
    # behaviour), so repeat it until the thread is gone.
    deadline = time.monotonic() + _JOIN_S
    while thread.is_alive() and time.monotonic() < deadline:
        client.stop()
        thread.join(_TICK_S)


def cmd_tail(args: argparse.Namespace, rt: Runtime) -> int:
    safe_url = redact_url(args.url)
    stats = TailStats()
    wake = threading.Event()  # set when the reader ends or --max-events is reached
    max_events: int | None = args.max_events
    counted = [0]  # payloads added; only the client's single worker thread touches it

    def on_payload(payload: AnyPayload) -> None:
        # With --max-events, exactly the first N are shown; later ones (still in flight or
        # queued when the stop lands) are ignored.
        if max_events is not None and counted[0] >= max_events:
            return
        counted[0] = stats.add(payload)
        if counted[0] == max_events:
            wake.set()

    try:
        client = ConnectorClient(
            args.url,
            token=args.token,
            max_retries=args.max_retries,
            on_connect=stats.connected,
            on_disconnect=stats.disconnected,
        )
    except ValueError as exc:
        return rt.error(str(exc))
    client.on_actions(on_payload).on_summary(on_payload)
    reader = _Reader(client, stats, wake)
    until = None if args.duration is None else time.monotonic() + args.duration

    def view() -> RenderableType:
        return tail_table(stats.snapshot(dropped=client.dropped_count), url=safe_url)

    # transient: the live view is erased on exit and the final state printed once, below, so
    # the output is the same on a terminal and in a file or pipe (where Live draws nothing).
    live = Live(
        view(), console=rt.console, auto_refresh=False, transient=True, redirect_stdout=False, redirect_stderr=False
    )
    listener = FailureListener(stats, safe_url)  # the client logs its URL redacted the same way
    sdk_logger = logging.getLogger("autoplay_sdk")
    sdk_logger.addHandler(listener)
    try:
        with live:
            reader.thread.start()
            rt.ready.set()
            try:
                while not (wake.is_set() or rt.stop.is_set()) and (timeout := _tick(until)) is not None:
                    wake.wait(timeout)
                    live.update(view(), refresh=True)
            except KeyboardInterrupt:
                pass  # Ctrl-C is the normal way to stop tailing
            finally:
                _stop_reader(client, reader.thread)
    finally:
        sdk_logger.removeHandler(listener)
    if reader.error is not None:
        return rt.error(describe_failure(reader.error, safe_url, stats.last_failure))
    rt.console.print(view())
    return EXIT_OK


# --------------------------------------------------------------------------- demo


def cmd_demo(args: argparse.Namespace, rt: Runtime) -> int:
    from autoplay_sdk._cli._demo_adoption import AdoptionStage
    from autoplay_sdk._cli._demo_chatbot import ChatbotStage
    from autoplay_sdk._cli._demo_proactive import ProactiveStage
    from autoplay_sdk._cli._demo_stages import DEFAULT_QUESTION, ContextStage, PromptStage, default_stages
    from autoplay_sdk._cli._demo_view import (
        demo_adoption,
        demo_chat,
        demo_header,
        demo_hint,
        demo_offers,
        demo_story,
        demo_table,
    )

    # Stream → typed payloads → context store + summarizer → enrich() → assembled prompt → reply.
    question = args.question or DEFAULT_QUESTION
    stages = default_stages(question)
    try:
        with rt.console.status(f"Streaming sample events from {args.sessions} sessions…"):
            result = asyncio.run(
                run_demo(sessions=args.sessions, seed=args.seed, timeout_s=args.timeout, stages=stages)
            )
    except (ImportError, SdkConfigError) as exc:
        return rt.error(str(exc))
    except (httpx.HTTPStatusError, SdkError) as exc:
        return rt.error(describe_failure(exc, "the local connector"))
    except OSError as exc:
        return rt.error(f"the local connector could not start: {exc}")
    except KeyboardInterrupt:  # the demo ends by itself: Ctrl-C means it did not complete
        return rt.error("interrupted: the demo did not complete")
    prompts = next((s.prompts for s in stages if isinstance(s, PromptStage)), {})
    briefs = next((s.brief for s in stages if isinstance(s, ContextStage)), {})
    if args.verbose:  # every session in full
        for panel in demo_panels(result):
            rt.console.print(panel)
    else:  # a short story: one session through the pipeline, a table for the others
        rt.console.print(demo_header(result, question=question))
        if result.sessions:
            spotlight, *others = result.sessions
            sid = spotlight.session_id
            rt.console.print(demo_story(result, spotlight, prompts.get(sid), briefs.get(sid)))
            if others:
                rt.console.print(demo_table(others, prompts))
        proactive = next((s for s in stages if isinstance(s, ProactiveStage)), None)
        if proactive is not None:
            rt.console.print(demo_offers(result.sessions, proactive.offers))
        chatbot = next((s for s in stages if isinstance(s, ChatbotStage)), None)
        if chatbot is not None:
            rt.console.print(demo_chat(chatbot.flow), highlight=False)
        adoption = next((s for s in stages if isinstance(s, AdoptionStage)), None)
        if adoption is not None:
            rt.console.print(demo_adoption(result.sessions, adoption.standings, adoption.names), highlight=False)
    rt.console.print(demo_summary(result), highlight=False)
    if not args.verbose:
        rt.console.print(demo_hint())
    if not result.complete:
        return rt.error(f"only {result.received} of {result.expected} sample events arrived within {args.timeout:g} s")
    return EXIT_OK
