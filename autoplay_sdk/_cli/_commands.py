"""The ``connector``, ``tail`` and ``demo`` drivers (``serve`` lives in ``_serve``).

They wire library objects together, wait, and render results.

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

import httpx
from rich.console import RenderableType
from rich.live import Live

from autoplay_sdk._cli._common import EXIT_OK, LOOPBACK, Runtime, describe_failure, new_key, redact_url
from autoplay_sdk._cli._demo import run_demo
from autoplay_sdk._cli._render import connector_banner, demo_panels, demo_summary, tail_table
from autoplay_sdk._cli._tail import FailureListener, TailStats
from autoplay_sdk.client import ConnectorClient
from autoplay_sdk.core.exceptions import SdkConfigError, SdkError
from autoplay_sdk.core.models import AnyPayload

_TICK_S = 0.25  # how often the live view redraws and checks for stop / --for
_JOIN_S = 15.0  # ConnectorClient.run() itself waits up to 10 s for its worker


def _tick(until: float | None) -> float | None:
    """Seconds to wait before the next check, or ``None`` once the ``until`` deadline passed."""
    if until is None:
        return _TICK_S
    remaining = until - time.monotonic()
    return min(_TICK_S, remaining) if remaining > 0 else None


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
        rt.console.print(
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
    from autoplay_sdk._cli._demo_proactive import ProactiveStage
    from autoplay_sdk._cli._demo_stages import DEFAULT_QUESTION, PromptStage, default_stages
    from autoplay_sdk._cli._demo_view import demo_header, demo_hint, demo_offers, demo_story, demo_table

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
    if args.verbose:  # every session in full
        for panel in demo_panels(result):
            rt.console.print(panel)
    else:  # a short story: one session through the pipeline, a table for the others
        rt.console.print(demo_header(result, question=question))
        if result.sessions:
            spotlight, *others = result.sessions
            rt.console.print(demo_story(result, spotlight, prompts.get(spotlight.session_id)))
            if others:
                rt.console.print(demo_table(others, prompts))
        proactive = next((s for s in stages if isinstance(s, ProactiveStage)), None)
        if proactive is not None:
            rt.console.print(demo_offers(result.sessions, proactive.offers))
    rt.console.print(demo_summary(result), highlight=False)
    if not args.verbose:
        rt.console.print(demo_hint())
    if not result.complete:
        return rt.error(f"only {result.received} of {result.expected} sample events arrived within {args.timeout:g} s")
    return EXIT_OK
