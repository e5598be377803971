"""Deterministic sample traffic for the local connector.

The product is "Tasklane", a fictional project-management app at ``app.tasklane.example``
(RFC 2606 reserves ``.example``, so no URL here points at a real site).  Each session is a
persona walking through a few "scenes" (open a board, create a task, invite a teammate, fight
with the GitHub integration, ...).  A scene expands into SlimAction dicts; a session's actions
are cut into ``actions`` batches, and every other session also gets a ``summary`` after a few
batches.  All randomness comes from one ``random.Random(seed)``, and every time is an offset
from ``start``, so two calls with the same seed differ only in their timestamps.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autoplay_sdk.core.exceptions import SdkConfigError

__all__ = ["sample_events"]

_ORIGIN = "https://app.tasklane.example"
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")

_FIRST = ["Maya", "Jonas", "Priya", "Tomás", "Aiko", "Kwame", "Lena", "Rafael", "Sofia", "Dev"]
_LAST = ["Okafor", "Lindqvist", "Raman", "Ortega", "Tanaka", "Mensah", "Fischer", "Duarte", "Rossi", "Patel"]
_COMPANIES = ["northwind", "bluepeak", "harborlight", "fernway", "quillstack", "orbitale"]
_PROJECTS = ["Website relaunch", "Mobile app v3", "Q3 onboarding", "Data warehouse", "Partner portal"]
_TASKS = [
    "Fix SSO redirect loop",
    "Write release notes for 3.2",
    "Migrate billing webhooks",
    "Design empty states",
    "Audit accessibility on checkout",
    "Add CSV import",
    "Review pricing page copy",
]
_COMMENTS = [
    "Blocked on the API change, will pick up tomorrow",
    "Can we ship this behind a flag first?",
    "Repro steps are in the linked ticket",
    "Looks good, moving to review",
]
_SEARCHES = ["sso", "billing webhook", "release notes", "onboarding"]
_STATUSES = ["In progress", "In review", "Done"]


@dataclass
class _Action:
    type: str
    title: str
    description: str
    path: str
    duration: tuple[float, float] = (0.6, 5.0)


@dataclass
class _Persona:
    name: str
    email: str
    user_id: str
    session_id: str
    project_id: int
    project: str
    task_ids: list[int] = field(default_factory=list)


_Scene = Callable[[random.Random, _Persona], tuple[str, list[_Action]]]


def _canonical(path: str) -> str:
    return _ORIGIN + _ID_SEGMENT.sub("/:id", path.split("?", 1)[0])


def _new_task(rng: random.Random, p: _Persona) -> int:
    task_id = rng.randint(10_000, 99_999)
    p.task_ids.append(task_id)
    return task_id


def _scene_dashboard(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    acts = [_Action("pageview", "Dashboard", "User landed on the Dashboard", "/dashboard")]
    if rng.random() < 0.6:
        acts.append(_Action("click", "My tasks", "User clicked the 'My tasks' widget", "/dashboard"))
        acts.append(_Action("pageview", "My tasks", "User viewed their assigned tasks", "/my-tasks"))
    return "checked the dashboard", acts


def _scene_open_board(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    board = f"/projects/{p.project_id}/board"
    acts = [
        _Action("pageview", "Projects", "User viewed the Projects list", "/projects"),
        _Action("click", p.project, f"User clicked the '{p.project}' project card", "/projects"),
        _Action("pageview", f"{p.project} · Board", f"User viewed the {p.project} board", board),
    ]
    if rng.random() < 0.5:
        acts.append(_Action("click", "Filter: Assigned to me", "User applied the 'Assigned to me' filter", board))
    return f"opened the {p.project} board", acts


def _scene_create_task(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    title = rng.choice(_TASKS)
    board = f"/projects/{p.project_id}/board"
    task = f"/projects/{p.project_id}/tasks/{_new_task(rng, p)}"
    acts = [
        _Action("click", "New task", "User clicked the 'New task' button", board),
        _Action("focus", "Task title", "User focused the 'Task title' field", board),
        _Action("type", "Task title", f"User typed '{title}' into the 'Task title' field", board, (2.0, 9.0)),
        _Action("click", "Assignee", "User opened the 'Assignee' picker", board),
        _Action("submit", "Create task", "User submitted the 'Create task' form", board),
        _Action("pageview", title, f"User viewed the task '{title}'", task),
    ]
    return f"created the task '{title}'", acts


def _scene_move_task(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    task_id = rng.choice(p.task_ids) if p.task_ids else _new_task(rng, p)
    status = rng.choice(_STATUSES)
    task = f"/projects/{p.project_id}/tasks/{task_id}"
    acts = [
        _Action("pageview", "Task details", "User viewed a task's details", task),
        _Action("click", "Status", "User opened the 'Status' dropdown", task),
        _Action("click", status, f"User set the task status to '{status}'", task),
    ]
    return f"moved a task to {status}", acts


def _scene_comment(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    task_id = rng.choice(p.task_ids) if p.task_ids else _new_task(rng, p)
    task = f"/projects/{p.project_id}/tasks/{task_id}"
    text = rng.choice(_COMMENTS)
    acts = [
        _Action("pageview", "Task details", "User viewed a task's details", task),
        _Action("focus", "Comment", "User focused the 'Comment' box", task),
        _Action("type", "Comment", f"User typed '{text}' into the 'Comment' box", task, (3.0, 12.0)),
        _Action("submit", "Post comment", "User submitted the 'Post comment' form", task),
    ]
    return "left a comment on a task", acts


def _scene_invite(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    domain = p.email.split("@", 1)[1]
    teammate = f"{rng.choice(_FIRST).lower()}@{domain}"
    acts = [
        _Action("pageview", "Team settings", "User viewed the Team settings page", "/settings/team"),
        _Action("click", "Invite member", "User clicked the 'Invite member' button", "/settings/team"),
        _Action("focus", "Email address", "User focused the 'Email address' field", "/settings/team"),
        _Action("type", "Email address", f"User typed '{teammate}' into the 'Email address' field", "/settings/team"),
        _Action("submit", "Send invite", "User submitted the 'Send invite' form", "/settings/team"),
    ]
    return f"invited {teammate} to the workspace", acts


def _scene_billing(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    acts = [
        _Action("pageview", "Billing", "User viewed the Billing page", "/settings/billing"),
        _Action("click", "Compare plans", "User clicked 'Compare plans'", "/settings/billing"),
        _Action("pageview", "Plans", "User viewed the plan comparison", "/settings/billing/plans"),
    ]
    if rng.random() < 0.5:
        acts.append(
            _Action("click", "Upgrade to Business", "User clicked 'Upgrade to Business'", "/settings/billing/plans")
        )
        return "looked at plans and started an upgrade to Business", acts
    return "compared pricing plans without upgrading", acts


def _scene_github(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    article = f"/help/articles/{rng.randint(100, 999)}"
    acts = [
        _Action("pageview", "Integrations", "User viewed the Integrations page", "/settings/integrations"),
        _Action("click", "Connect GitHub", "User clicked 'Connect GitHub'", "/settings/integrations"),
        _Action(
            "pageview",
            "GitHub connection failed",
            "User saw 'We could not verify your GitHub organisation'",
            "/settings/integrations/github?error=org_not_verified",
        ),
        _Action("click", "Retry connection", "User clicked 'Retry connection'", "/settings/integrations/github"),
        _Action("pageview", "Help · Connecting GitHub", "User opened the help article on GitHub setup", article),
    ]
    return "tried twice to connect GitHub and ended up in the help center", acts


def _scene_reports(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    report = f"/reports/{rng.randint(200, 899)}"
    acts = [
        _Action("pageview", "Reports", "User viewed the Reports page", "/reports"),
        _Action("click", "Cycle time", "User opened the 'Cycle time' report", "/reports"),
        _Action("pageview", "Cycle time", "User viewed the Cycle time report", report),
        _Action("click", "Export CSV", "User clicked 'Export CSV'", report),
    ]
    return "exported the cycle-time report", acts


def _scene_search(rng: random.Random, p: _Persona) -> tuple[str, list[_Action]]:
    query = rng.choice(_SEARCHES)
    acts = [
        _Action("focus", "Search", "User focused the global search box", "/dashboard"),
        _Action("type", "Search", f"User typed '{query}' into the search box", "/dashboard", (1.0, 4.0)),
        _Action("pageview", "Search results", f"User viewed search results for '{query}'", f"/search?q={query}"),
    ]
    return f"searched for '{query}'", acts


# Personas lean towards a goal: a planner, an engineer, an admin, a stuck integrator, a manager.
_JOURNEYS: list[list[_Scene]] = [
    [_scene_open_board, _scene_create_task, _scene_create_task, _scene_move_task, _scene_search],
    [_scene_open_board, _scene_move_task, _scene_comment, _scene_comment, _scene_search],
    [_scene_invite, _scene_billing, _scene_invite, _scene_open_board, _scene_reports],
    [_scene_github, _scene_github, _scene_search, _scene_open_board, _scene_comment],
    [_scene_reports, _scene_open_board, _scene_move_task, _scene_billing, _scene_create_task],
]


def _persona(rng: random.Random, index: int, taken: set[str]) -> _Persona:
    # Stride through the first names so the first five sessions never share one.
    first = _FIRST[(index * 2 + rng.randrange(2)) % len(_FIRST)]
    last = rng.choice(_LAST)
    company = rng.choice(_COMPANIES)
    email = f"{first.lower().replace('á', 'a')}.{last.lower()}@{company}.example"
    if email in taken:  # many sessions: keep emails (and so users) distinct
        email = email.replace("@", f"{index}@", 1)
    taken.add(email)
    return _Persona(
        name=f"{first} {last}",
        email=email,
        user_id=f"u_{rng.getrandbits(40):010x}",
        session_id=f"ps_{rng.getrandbits(64):016x}",
        project_id=rng.randint(1000, 9999),
        project=rng.choice(_PROJECTS),
    )


def _session_events(
    rng: random.Random, index: int, persona: _Persona, product_id: str
) -> list[tuple[float, dict[str, Any]]]:
    """One session's events as (offset seconds, event) with timestamps as offsets from 0."""
    journey = _JOURNEYS[index % len(_JOURNEYS)]
    target = rng.randint(28, 42)
    steps: list[tuple[str, _Action]] = []
    scene_no = 0
    for scene in [_scene_dashboard, *journey]:
        phrase, acts = scene(rng, persona)
        steps.extend((phrase, a) for a in acts)
    while len(steps) < target:  # keep wandering through the journey's scenes
        phrase, acts = journey[scene_no % len(journey)](rng, persona)
        steps.extend((phrase, a) for a in acts)
        scene_no += 1

    t = index * rng.uniform(4.0, 20.0)
    starts: list[float] = []
    for _, act in steps:
        starts.append(t)
        t += rng.uniform(*act.duration) + rng.uniform(0.3, 2.5)

    out: list[tuple[float, dict[str, Any]]] = []
    summarize = index % 2 == 0
    summary_every = rng.randint(3, 5)
    pending_phrases: list[str] = []
    pending_actions = 0
    batches = 0
    pos = 0
    while pos < len(steps):
        size = min(rng.randint(2, 5), len(steps) - pos)
        chunk = range(pos, pos + size)
        actions: list[dict[str, Any]] = []
        for i, k in enumerate(chunk):
            phrase, act = steps[k]
            end = starts[k + 1] if i < size - 1 else starts[k]
            raw = _ORIGIN + act.path
            actions.append(
                {
                    "index": i,
                    "type": act.type,
                    "title": act.title,
                    "description": act.description,
                    "timestamp_start": starts[k],
                    "timestamp_end": end,
                    "raw_url": raw,
                    "canonical_url": _canonical(act.path),
                    "session_id": persona.session_id,
                    "user_id": persona.user_id,
                    "email": persona.email,
                }
            )
            if phrase not in pending_phrases:
                pending_phrases.append(phrase)
        forwarded = starts[pos + size - 1] + rng.uniform(0.4, 1.5)
        out.append(
            (
                forwarded,
                {
                    "type": "actions",
                    "product_id": product_id,
                    "session_id": persona.session_id,
                    "user_id": persona.user_id,
                    "email": persona.email,
                    "actions": actions,
                    "count": len(actions),
                    "forwarded_at": forwarded,
                },
            )
        )
        pos += size
        batches += 1
        pending_actions += size
        if summarize and batches % summary_every == 0:
            at = forwarded + rng.uniform(1.5, 4.0)
            out.append((at, _summary(product_id, persona, pending_phrases, pending_actions, at)))
            pending_phrases, pending_actions = [], 0
    return out


def _summary(product_id: str, p: _Persona, phrases: list[str], replaces: int, at: float) -> dict[str, Any]:
    first = p.name.split(" ", 1)[0]
    story = ", ".join(phrases[:-1]) + ", and then " + phrases[-1] if len(phrases) > 1 else phrases[0]
    prose = f"{p.name} ({p.email}) is working in the {p.project} project. {first} {story}."
    return {
        "type": "summary",
        "product_id": product_id,
        "session_id": p.session_id,
        "summary": prose,
        "replaces": replaces,
        "forwarded_at": at,
    }


class LiveEvent(dict[str, Any]):
    """A sample event whose timestamps are relative to when it is sent, not to when it was made.

    ``anchor`` is the wall-clock time the timestamps were computed for.  The local connector
    moves them forward by the time elapsed between ``anchor`` and the moment a stream opens
    (:func:`restamped`), so the sample looks just as recent an hour later.  It is a plain
    ``dict`` otherwise (``json.dumps``, ``==`` and copies work as usual).
    """

    anchor: float = 0.0


def _is_time(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_MARK = re.compile(r'"\\u0000(\d+)\\u0000"')  # a timestamp placeholder, as json.dumps writes it


@dataclass(frozen=True)
class StampedJson:
    """The compact JSON of a :class:`LiveEvent` with its timestamps left open, rendered per stream.

    Built once per event; :meth:`render` gives exactly ``json.dumps(restamped(event, delta),
    separators=(",", ":"), ensure_ascii=False)`` without walking and encoding the dict again.
    """

    parts: tuple[str, ...]  # JSON text, then (timestamp index, JSON text) pairs flattened
    values: tuple[float, ...]

    @classmethod
    def of(cls, event: dict[str, Any]) -> StampedJson:
        values: list[float] = []

        def mark(value: Any) -> Any:
            if not _is_time(value):
                return value
            values.append(value)
            return f"\x00{len(values) - 1}\x00"

        marked = dict(event)
        marked["forwarded_at"] = mark(marked.get("forwarded_at"))
        if "forwarded_at" not in event:
            del marked["forwarded_at"]
        if isinstance(marked.get("actions"), list):
            marked["actions"] = [
                {**a, **{k: mark(a[k]) for k in ("timestamp_start", "timestamp_end") if k in a}}
                if isinstance(a, dict)
                else a
                for a in marked["actions"]
            ]
        text = json.dumps(marked, separators=(",", ":"), ensure_ascii=False)
        return cls(tuple(_MARK.split(text)), tuple(values))

    def render(self, delta: float) -> str:
        """The JSON with every timestamp moved ``delta`` seconds later (rounded to the millisecond)."""
        parts, values = self.parts, self.values
        out = [parts[0]]
        for i in range(1, len(parts), 2):
            out.append(repr(round(values[int(parts[i])] + delta, 3)))
            out.append(parts[i + 1])
        return "".join(out)


def _shift(event: dict[str, Any], start: float) -> dict[str, Any]:
    event["forwarded_at"] = round(start + event["forwarded_at"], 3)
    for action in event.get("actions", ()):
        action["timestamp_start"] = round(start + action["timestamp_start"], 3)
        action["timestamp_end"] = round(start + action["timestamp_end"], 3)
    return event


def restamped(event: dict[str, Any], delta: float) -> dict[str, Any]:
    """A deep-enough copy of ``event`` with every timestamp moved ``delta`` seconds later.

    Moves ``forwarded_at`` and each action's ``timestamp_start``/``timestamp_end`` when they are
    numbers; other fields are shared with ``event``, which is left unchanged.
    """
    out = dict(event)
    if _is_time(out.get("forwarded_at")):
        out["forwarded_at"] = round(out["forwarded_at"] + delta, 3)
    actions = out.get("actions")
    if isinstance(actions, list):
        moved = []
        for action in actions:
            if isinstance(action, dict):
                action = dict(action)
                for key in ("timestamp_start", "timestamp_end"):
                    if _is_time(action.get(key)):
                        action[key] = round(action[key] + delta, 3)
            moved.append(action)
        out["actions"] = moved
    return out


def sample_events(
    *,
    product_id: str = "demo-product",
    sessions: int = 4,
    seed: int = 7,
    start: float | None = None,
    hesitant: bool = False,
) -> list[dict[str, Any]]:
    """Realistic, deterministic connector traffic: ``actions`` and ``summary`` payload dicts.

    ``sessions`` users of the fictional "Tasklane" project-management app click through pages;
    their batches are interleaved in ``forwarded_at`` order, and every other session (the 1st,
    3rd, ...) also gets a ``summary`` after every few batches, with ``replaces`` equal to the
    number of actions it condenses.  Each ``actions`` dict has ``count == len(actions)``; action
    ``canonical_url`` is ``raw_url`` with numeric path segments replaced by ``:id`` and the
    query string dropped.

    Timestamps are Unix seconds starting at ``start``; by default the traffic is placed so its
    last event is a few seconds old, so it looks live, and the events are :class:`LiveEvent`
    dicts: a :class:`~autoplay_sdk.testing.LocalConnector` re-stamps them when a stream opens
    (relative timing kept), so they look that recent whenever they are replayed.  The same
    ``seed`` and ``sessions`` give the same content; with the same ``start`` too, the output is
    identical.  The default produces
    about 40-80 events.  The dicts are fresh on each call (safe to mutate).

    ``hesitant=True`` adds three more sessions, after the ``sessions`` ordinary ones, that end in
    the hesitations a proactive copilot looks for: URL ping-pong between two views, a long sparse
    linger on one page, and a visit to the CSV import section (``/settings/import``).  They end
    just before the ordinary traffic does, and the ordinary sessions are unchanged.

    Raises :class:`~autoplay_sdk.SdkConfigError` if ``sessions < 1``.
    """
    if sessions < 1:
        raise SdkConfigError(f"sessions must be >= 1, got {sessions!r}")
    rng = random.Random(seed)
    taken: set[str] = set()
    personas = [_persona(rng, i, taken) for i in range(sessions)]
    timed: list[tuple[float, int, dict[str, Any]]] = []
    for i, persona in enumerate(personas):
        timed.extend((at, i, event) for at, event in _session_events(rng, i, persona, product_id))
    if hesitant:
        timed.extend(_hesitant(seed, sessions, taken, product_id, max(at for at, _, _ in timed)))
    timed.sort(key=lambda item: (item[0], item[1]))
    if start is not None:
        return [_shift(event, start) for _, _, event in timed]
    now = time.time()
    live: list[dict[str, Any]] = []
    for _, _, event in timed:
        item = LiveEvent(_shift(event, now - (timed[-1][0] + 5.0)))
        item.anchor = now
        live.append(item)
    return live


def _hesitant(
    seed: int, sessions: int, taken: set[str], product_id: str, end: float
) -> list[tuple[float, int, dict[str, Any]]]:
    """The three hesitating sessions, each shifted to end a few seconds before ``end``."""
    from autoplay_sdk.testing._sample_hesitant import HESITATION_KINDS, hesitant_session_events

    rng = random.Random(f"{seed}:hesitant")  # its own stream: the ordinary sessions do not change
    out: list[tuple[float, int, dict[str, Any]]] = []
    for j, kind in enumerate(HESITATION_KINDS):
        index = sessions + j
        events = hesitant_session_events(rng, kind, _persona(rng, index, taken), product_id)
        shift = end - 2.0 * (j + 1) - events[-1][0]
        for at, event in events:
            event["forwarded_at"] += shift
            for action in event["actions"]:
                action["timestamp_start"] += shift
                action["timestamp_end"] += shift
            out.append((at + shift, index, event))
    return out
