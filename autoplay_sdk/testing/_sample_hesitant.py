"""Three sample sessions that hesitate, for ``sample_events(hesitant=True)``.

Each starts like an ordinary Tasklane session (a dashboard visit and one or two everyday scenes)
and ends in one kind of hesitation a proactive copilot should notice:

* ``ping_pong`` — the user flips between the Board and the Timeline view of a project, back and
  forth (four A → B → A bounces);
* ``dwell`` — the user opens the automation-rule editor and lingers: three actions over about
  95 seconds, all in the session's last batch;
* ``section`` — the user ends up in the CSV import screens (``/settings/import``), a product
  section a copilot may have a playbook for.

Every time is an offset; the caller shifts the sessions so they end just before the ordinary
traffic does.  The randomness comes from the caller's ``random.Random``, so the ordinary
sessions' content does not change when these are added.
"""

from __future__ import annotations

import random
from typing import Any

from autoplay_sdk.testing._scenes import (
    ORIGIN,
    Action,
    Persona,
    canonical,
    scene_dashboard,
    scene_open_board,
    scene_reports,
    scene_search,
)

__all__ = ["HESITATION_KINDS", "hesitant_session_events"]

HESITATION_KINDS = ("ping_pong", "dwell", "section")


def _ping_pong(rng: random.Random, p: Persona) -> list[Action]:
    board = f"/projects/{p.project_id}/board"
    timeline = f"/projects/{p.project_id}/timeline"
    acts = [Action("click", "Timeline", "User switched to the Timeline view", timeline, (1.0, 3.0))]
    for _ in range(2):
        acts.append(Action("click", "Board", "User switched back to the Board view", board, (1.0, 3.0)))
        acts.append(Action("click", "Timeline", "User switched to the Timeline view again", timeline, (1.0, 3.0)))
    acts.append(Action("click", "Board", "User switched back to the Board view", board, (1.0, 3.0)))
    return acts


def _dwell(rng: random.Random, p: Persona) -> list[Action]:
    editor = f"/projects/{p.project_id}/automations/new"
    return [
        Action("pageview", "New automation", "User opened the automation rule editor", editor, (44.0, 50.0)),
        Action("hover", "When a task moves", "User hovered the 'When a task moves' trigger", editor, (40.0, 44.0)),
        Action("click", "Add condition", "User clicked 'Add condition'", editor),
    ]


def _section(rng: random.Random, p: Persona) -> list[Action]:
    return [
        Action("pageview", "Import tasks", "User viewed the Import tasks page", "/settings/import"),
        Action("click", "Upload CSV", "User clicked 'Upload CSV'", "/settings/import"),
        Action(
            "pageview",
            "Map columns",
            "User saw 'Column \"Due date\" could not be mapped'",
            "/settings/import/mapping",
            (4.0, 9.0),
        ),
        Action("click", "Due date", "User opened the 'Due date' column picker", "/settings/import/mapping"),
    ]


_ENDINGS = {"ping_pong": _ping_pong, "dwell": _dwell, "section": _section}
_PREFIX_SCENES = {"ping_pong": scene_open_board, "dwell": scene_reports, "section": scene_search}


def hesitant_session_events(
    rng: random.Random, kind: str, persona: Persona, product_id: str
) -> list[tuple[float, dict[str, Any]]]:
    """One hesitating session's ``actions`` events as (offset seconds, event), offsets from 0.

    The ordinary prefix is cut into batches of three or four actions; the hesitation is the last
    batch, whole.
    """
    prefix: list[Action] = []
    for scene in (scene_dashboard, _PREFIX_SCENES[kind], scene_dashboard):
        prefix.extend(scene(rng, persona)[1])
    ending = _ENDINGS[kind](rng, persona)
    steps = [*prefix, *ending]
    t = 0.0
    starts: list[float] = []
    for act in steps:
        starts.append(t)
        t += rng.uniform(*act.duration) + rng.uniform(0.3, 1.5)
    cuts: list[tuple[int, int]] = []
    pos = 0
    while pos < len(prefix):
        size = min(rng.randint(3, 4), len(prefix) - pos)
        cuts.append((pos, pos + size))
        pos += size
    cuts.append((len(prefix), len(steps)))
    out: list[tuple[float, dict[str, Any]]] = []
    for lo, hi in cuts:
        actions = [
            {
                "index": i,
                "type": steps[k].type,
                "title": steps[k].title,
                "description": steps[k].description,
                "timestamp_start": starts[k],
                "timestamp_end": starts[k + 1] if k + 1 < hi else starts[k],
                "raw_url": ORIGIN + steps[k].path,
                "canonical_url": canonical(steps[k].path),
                "session_id": persona.session_id,
                "user_id": persona.user_id,
                "email": persona.email,
            }
            for i, k in enumerate(range(lo, hi))
        ]
        forwarded = starts[hi - 1] + rng.uniform(0.4, 1.2)
        event = {
            "type": "actions",
            "product_id": product_id,
            "session_id": persona.session_id,
            "user_id": persona.user_id,
            "email": persona.email,
            "actions": actions,
            "count": len(actions),
            "forwarded_at": forwarded,
        }
        out.append((forwarded, event))
    return out
