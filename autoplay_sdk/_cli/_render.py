"""Rich renderables for the CLI.  Functions here build renderables; they never print."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from autoplay_sdk._cli._common import error_line as error_line  # re-exported for callers of this module
from autoplay_sdk._cli._common import plural as _plural
from autoplay_sdk._cli._demo import DemoResult, DemoSession
from autoplay_sdk._cli._tail import CONNECTED, CONNECTING, RECONNECTING, TailSnapshot
from autoplay_sdk.core.models import ActionsPayload, AnyPayload

MAX_TAIL_ROWS = 20

_STATE_STYLE = {CONNECTED: "bold green", CONNECTING: "yellow", RECONNECTING: "bold yellow"}


def _clock_time(unix_s: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(unix_s)) if unix_s else "--:--:--"


# --------------------------------------------------------------------------- connector


def connector_banner(
    *,
    stream_url: str,
    product_id: str,
    key: str | None,
    events: int,
    sessions: int,
    heartbeat_s: float,
    exposed: bool,
    users: Sequence[str] = (),
) -> RenderableType:
    """The startup banner of ``autoplay-sdk connector``.

    ``key`` is the generated bearer key, shown here once; pass ``None`` when the user chose the
    token (it is then not echoed).  ``users`` are the user ids of the sample, listed so a user
    knows what to ask the bridge about.
    """
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Stream URL", Text(stream_url, style="cyan"))
    if key is not None:
        grid.add_row("Key", Text.assemble((key, "bold magenta"), ("  (bearer token; shown once)", "dim")))
    else:
        grid.add_row("Key", Text("the token given with --token", style="dim"))
    grid.add_row("Product", product_id)
    if events:
        grid.add_row("Replays", f"{_plural(events, 'sample event')} from {_plural(sessions, 'session')}")
    else:
        grid.add_row("Replays", Text("nothing (--no-sample)", style="dim"))
    if users:
        grid.add_row("User ids", ", ".join(users))
    grid.add_row("Heartbeat", f"every {heartbeat_s:g} s when idle")
    token_hint = "<key>" if key is not None else "<your token>"
    parts: list[RenderableType] = [
        grid,
        Text(""),
        Text.assemble(("Watch it: ", "bold"), f"autoplay-sdk tail {stream_url} --token {token_hint}"),
        Text.assemble(("Serve it: ", "bold"), f"autoplay-sdk serve --stream-url {stream_url} --token {token_hint}"),
    ]
    if exposed:
        parts.append(Text("Warning: listening beyond loopback; anyone with the key can read the stream.", "yellow"))
    parts.append(Text("Press Ctrl-C to stop.", style="dim"))
    return Panel(Group(*parts), title="Autoplay local connector", border_style="green", expand=False)


# --------------------------------------------------------------------------- tail


def _state_text(snapshot: TailSnapshot) -> Text:
    label = snapshot.state
    if snapshot.state == CONNECTED and snapshot.connects > 1:
        label += f" (reconnected {snapshot.connects - 1}x)"
    elif snapshot.state == RECONNECTING:
        cause = f", last: {snapshot.last_failure}" if snapshot.last_failure else ""
        label += f" ({_plural(snapshot.disconnects, 'failure')}{cause})"
    return Text(f"● {label}", style=_STATE_STYLE.get(snapshot.state, "dim"))


class TailView:
    """The live ``tail`` view: one row per session (most recent first), totals in the caption.

    Responsive: the "Latest action" column is left out below 90 columns and "User" below 60,
    so the session ids and counts always fit.
    """

    def __init__(self, snapshot: TailSnapshot, *, url: str, max_rows: int = MAX_TAIL_ROWS) -> None:
        self.snapshot = snapshot
        self.url = url
        self.max_rows = max_rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)

    def table(self, width: int) -> Table:
        snapshot = self.snapshot
        shown = snapshot.sessions[: self.max_rows]
        with_user, with_latest = width >= 60, width >= 90
        table = Table(
            title=Text.assemble(("autoplay-sdk tail ", "bold"), (self.url, "cyan")),
            caption=tail_totals(snapshot),
            box=box.SIMPLE_HEAD,
            expand=True,
        )
        table.add_column("Session", no_wrap=True, style="bold", overflow="fold")
        if with_user:
            table.add_column("User", no_wrap=True, overflow="ellipsis", max_width=32)
        table.add_column("Actions", justify="right", no_wrap=True, min_width=7)
        table.add_column("Summaries", justify="right", no_wrap=True, min_width=9)
        if with_latest:
            table.add_column("Latest action", no_wrap=True, overflow="ellipsis", ratio=1, min_width=12)

        def add(
            session: RenderableType, user: str = "", actions: str = "", summaries: str = "", latest: str = ""
        ) -> None:
            cells = [session, user, actions, summaries, latest]
            if not with_latest:
                cells.pop(4)
            if not with_user:
                cells.pop(1)
            table.add_row(*cells)

        for row in shown:
            add(row.session_id, row.user, str(row.actions), str(row.summaries), row.latest_action)
        hidden = len(snapshot.sessions) - len(shown)
        if hidden > 0:
            add(Text(f"… {_plural(hidden, 'more session')}", style="dim"))
        if not snapshot.sessions:
            add(Text("waiting for events…", style="dim"))
        return table


def tail_table(snapshot: TailSnapshot, *, url: str, max_rows: int = MAX_TAIL_ROWS) -> RenderableType:
    """The renderable :class:`TailView` of ``snapshot``."""
    return TailView(snapshot, url=url, max_rows=max_rows)


def tail_totals(snapshot: TailSnapshot) -> Text:
    """``● state · N events (a actions, s summaries) · r/s · d dropped · n sessions · t s``."""
    return Text.assemble(
        _state_text(snapshot),
        f" · {_plural(snapshot.events, 'event')}"
        f" ({_plural(snapshot.action_batches, 'action batch', 'action batches')},"
        f" {_plural(snapshot.summaries, 'summary', 'summaries')}, {_plural(snapshot.actions, 'action')})",
        f" · {snapshot.events_per_second:.1f} events/s",
        (f" · {snapshot.dropped} dropped", "bold red" if snapshot.dropped else ""),
        f" · {_plural(len(snapshot.sessions), 'session')} · {snapshot.elapsed_s:.1f} s",
    )


# --------------------------------------------------------------------------- demo


def _payload_block(number: int, payload: AnyPayload) -> RenderableType:
    if isinstance(payload, ActionsPayload):
        head = Text.assemble(
            (f"#{number} ", "dim"),
            ("ActionsPayload", "bold cyan"),
            f"  count={payload.count}  forwarded {_clock_time(payload.forwarded_at)}",
        )
        body = Text(payload.to_text(), style="default")
    else:
        head = Text.assemble(
            (f"#{number} ", "dim"),
            ("SummaryPayload", "bold magenta"),
            f"  replaces={payload.replaces}  forwarded {_clock_time(payload.forwarded_at)}",
        )
        body = Text(payload.to_text(), style="italic")
    return Group(head, Padding(body, (0, 0, 0, 3)))


def demo_session_panel(session: DemoSession) -> RenderableType:
    """One session: its typed payloads with their ``to_text()``, then any stage sections."""
    parts: list[RenderableType] = []
    for number, payload in enumerate(session.payloads, 1):
        parts.append(_payload_block(number, payload))
    if not session.payloads:
        parts.append(Text("no payloads received", style="dim"))
    for section in session.sections:
        parts.append(Text(""))
        text = Text(section.text)
        parts.append(Panel(text, title=section.title, title_align="left", border_style="blue"))
    who = session.email or session.user_id or "anonymous"
    summaries = _plural(len(session.summaries), "summary", "summaries")
    subtitle = f"{_plural(len(session.actions), 'actions payload')} · {summaries}"
    return Panel(
        Group(*parts),
        title=Text.assemble(("Session ", "bold"), (session.session_id, "bold"), f" · {who}"),
        title_align="left",
        subtitle=subtitle,
        subtitle_align="right",
        border_style="cyan",
    )


def demo_panels(result: DemoResult) -> Sequence[RenderableType]:
    """One panel per session, in sample order."""
    return [demo_session_panel(s) for s in result.sessions]


def demo_summary(result: DemoResult) -> Text:
    """The closing line: events received per type, sessions, drops and time."""
    return Text.assemble(
        ("Received ", "bold"),
        (f"{result.received}/{result.expected}", "bold green" if result.complete else "bold red"),
        " events: ",
        _plural(result.actions_received, "actions payload"),
        ", ",
        _plural(result.summaries_received, "summary payload"),
        f" from {_plural(len(result.sessions), 'session')}",
        f" · {result.dropped} dropped · {result.elapsed_s:.1f} s",
    )
