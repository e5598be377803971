"""The sample traffic's building blocks: the fictional product, its users and their scenes.

Shared by the ordinary sample sessions (:mod:`autoplay_sdk.testing._sample`) and the hesitant
ones (:mod:`autoplay_sdk.testing._sample_hesitant`).  A *scene* is one everyday step in Tasklane
(a fictional project tool): ``scene(rng, persona)`` returns a short phrase for the summary and
the actions it took.  All randomness comes from the caller's ``random.Random``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "JOURNEYS",
    "ORIGIN",
    "Action",
    "Persona",
    "Scene",
    "canonical",
    "new_persona",
    "scene_billing",
    "scene_comment",
    "scene_create_task",
    "scene_dashboard",
    "scene_github",
    "scene_invite",
    "scene_move_task",
    "scene_open_board",
    "scene_reports",
    "scene_search",
]

ORIGIN = "https://app.tasklane.example"
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
class Action:
    type: str
    title: str
    description: str
    path: str
    duration: tuple[float, float] = (0.6, 5.0)


@dataclass
class Persona:
    name: str
    email: str
    user_id: str
    session_id: str
    project_id: int
    project: str
    task_ids: list[int] = field(default_factory=list)


Scene = Callable[[random.Random, Persona], tuple[str, list[Action]]]


def canonical(path: str) -> str:
    return ORIGIN + _ID_SEGMENT.sub("/:id", path.split("?", 1)[0])


def _new_task(rng: random.Random, p: Persona) -> int:
    task_id = rng.randint(10_000, 99_999)
    p.task_ids.append(task_id)
    return task_id


def scene_dashboard(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    acts = [Action("pageview", "Dashboard", "User landed on the Dashboard", "/dashboard")]
    if rng.random() < 0.6:
        acts.append(Action("click", "My tasks", "User clicked the 'My tasks' widget", "/dashboard"))
        acts.append(Action("pageview", "My tasks", "User viewed their assigned tasks", "/my-tasks"))
    return "checked the dashboard", acts


def scene_open_board(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    board = f"/projects/{p.project_id}/board"
    acts = [
        Action("pageview", "Projects", "User viewed the Projects list", "/projects"),
        Action("click", p.project, f"User clicked the '{p.project}' project card", "/projects"),
        Action("pageview", f"{p.project} · Board", f"User viewed the {p.project} board", board),
    ]
    if rng.random() < 0.5:
        acts.append(Action("click", "Filter: Assigned to me", "User applied the 'Assigned to me' filter", board))
    return f"opened the {p.project} board", acts


def scene_create_task(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    title = rng.choice(_TASKS)
    board = f"/projects/{p.project_id}/board"
    task = f"/projects/{p.project_id}/tasks/{_new_task(rng, p)}"
    acts = [
        Action("click", "New task", "User clicked the 'New task' button", board),
        Action("focus", "Task title", "User focused the 'Task title' field", board),
        Action("type", "Task title", f"User typed '{title}' into the 'Task title' field", board, (2.0, 9.0)),
        Action("click", "Assignee", "User opened the 'Assignee' picker", board),
        Action("submit", "Create task", "User submitted the 'Create task' form", board),
        Action("pageview", title, f"User viewed the task '{title}'", task),
    ]
    return f"created the task '{title}'", acts


def scene_move_task(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    task_id = rng.choice(p.task_ids) if p.task_ids else _new_task(rng, p)
    status = rng.choice(_STATUSES)
    task = f"/projects/{p.project_id}/tasks/{task_id}"
    acts = [
        Action("pageview", "Task details", "User viewed a task's details", task),
        Action("click", "Status", "User opened the 'Status' dropdown", task),
        Action("click", status, f"User set the task status to '{status}'", task),
    ]
    return f"moved a task to {status}", acts


def scene_comment(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    task_id = rng.choice(p.task_ids) if p.task_ids else _new_task(rng, p)
    task = f"/projects/{p.project_id}/tasks/{task_id}"
    text = rng.choice(_COMMENTS)
    acts = [
        Action("pageview", "Task details", "User viewed a task's details", task),
        Action("focus", "Comment", "User focused the 'Comment' box", task),
        Action("type", "Comment", f"User typed '{text}' into the 'Comment' box", task, (3.0, 12.0)),
        Action("submit", "Post comment", "User submitted the 'Post comment' form", task),
    ]
    return "left a comment on a task", acts


def scene_invite(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    domain = p.email.split("@", 1)[1]
    teammate = f"{rng.choice(_FIRST).lower()}@{domain}"
    acts = [
        Action("pageview", "Team settings", "User viewed the Team settings page", "/settings/team"),
        Action("click", "Invite member", "User clicked the 'Invite member' button", "/settings/team"),
        Action("focus", "Email address", "User focused the 'Email address' field", "/settings/team"),
        Action("type", "Email address", f"User typed '{teammate}' into the 'Email address' field", "/settings/team"),
        Action("submit", "Send invite", "User submitted the 'Send invite' form", "/settings/team"),
    ]
    return f"invited {teammate} to the workspace", acts


def scene_billing(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    acts = [
        Action("pageview", "Billing", "User viewed the Billing page", "/settings/billing"),
        Action("click", "Compare plans", "User clicked 'Compare plans'", "/settings/billing"),
        Action("pageview", "Plans", "User viewed the plan comparison", "/settings/billing/plans"),
    ]
    if rng.random() < 0.5:
        acts.append(
            Action("click", "Upgrade to Business", "User clicked 'Upgrade to Business'", "/settings/billing/plans")
        )
        return "looked at plans and started an upgrade to Business", acts
    return "compared pricing plans without upgrading", acts


def scene_github(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    article = f"/help/articles/{rng.randint(100, 999)}"
    acts = [
        Action("pageview", "Integrations", "User viewed the Integrations page", "/settings/integrations"),
        Action("click", "Connect GitHub", "User clicked 'Connect GitHub'", "/settings/integrations"),
        Action(
            "pageview",
            "GitHub connection failed",
            "User saw 'We could not verify your GitHub organisation'",
            "/settings/integrations/github?error=org_not_verified",
        ),
        Action("click", "Retry connection", "User clicked 'Retry connection'", "/settings/integrations/github"),
        Action("pageview", "Help · Connecting GitHub", "User opened the help article on GitHub setup", article),
    ]
    return "tried twice to connect GitHub and ended up in the help center", acts


def scene_reports(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    report = f"/reports/{rng.randint(200, 899)}"
    acts = [
        Action("pageview", "Reports", "User viewed the Reports page", "/reports"),
        Action("click", "Cycle time", "User opened the 'Cycle time' report", "/reports"),
        Action("pageview", "Cycle time", "User viewed the Cycle time report", report),
        Action("click", "Export CSV", "User clicked 'Export CSV'", report),
    ]
    return "exported the cycle-time report", acts


def scene_search(rng: random.Random, p: Persona) -> tuple[str, list[Action]]:
    query = rng.choice(_SEARCHES)
    acts = [
        Action("focus", "Search", "User focused the global search box", "/dashboard"),
        Action("type", "Search", f"User typed '{query}' into the search box", "/dashboard", (1.0, 4.0)),
        Action("pageview", "Search results", f"User viewed search results for '{query}'", f"/search?q={query}"),
    ]
    return f"searched for '{query}'", acts


# Personas lean towards a goal: a planner, an engineer, an admin, a stuck integrator, a manager.
JOURNEYS: list[list[Scene]] = [
    [scene_open_board, scene_create_task, scene_create_task, scene_move_task, scene_search],
    [scene_open_board, scene_move_task, scene_comment, scene_comment, scene_search],
    [scene_invite, scene_billing, scene_invite, scene_open_board, scene_reports],
    [scene_github, scene_github, scene_search, scene_open_board, scene_comment],
    [scene_reports, scene_open_board, scene_move_task, scene_billing, scene_create_task],
]


def new_persona(rng: random.Random, index: int, taken: set[str]) -> Persona:
    # Stride through the first names so the first five sessions never share one.
    first = _FIRST[(index * 2 + rng.randrange(2)) % len(_FIRST)]
    last = rng.choice(_LAST)
    company = rng.choice(_COMPANIES)
    email = f"{first.lower().replace('á', 'a')}.{last.lower()}@{company}.example"
    if email in taken:  # many sessions: keep emails (and so users) distinct
        email = email.replace("@", f"{index}@", 1)
    taken.add(email)
    return Persona(
        name=f"{first} {last}",
        email=email,
        user_id=f"u_{rng.getrandbits(40):010x}",
        session_id=f"ps_{rng.getrandbits(64):016x}",
        project_id=rng.randint(1000, 9999),
        project=rng.choice(_PROJECTS),
    )
