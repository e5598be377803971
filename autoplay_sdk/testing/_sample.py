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
from dataclasses import dataclass
from typing import Any

from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.testing._sample_hesitant import HESITATION_KINDS, hesitant_session_events
from autoplay_sdk.testing._scenes import JOURNEYS, ORIGIN, Action, Persona, canonical, new_persona, scene_dashboard

__all__ = ["sample_events"]


def _session_events(
    rng: random.Random, index: int, persona: Persona, product_id: str
) -> list[tuple[float, dict[str, Any]]]:
    """One session's events as (offset seconds, event) with timestamps as offsets from 0."""
    journey = JOURNEYS[index % len(JOURNEYS)]
    target = rng.randint(28, 42)
    steps: list[tuple[str, Action]] = []
    scene_no = 0
    for scene in [scene_dashboard, *journey]:
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
            raw = ORIGIN + act.path
            actions.append(
                {
                    "index": i,
                    "type": act.type,
                    "title": act.title,
                    "description": act.description,
                    "timestamp_start": starts[k],
                    "timestamp_end": end,
                    "raw_url": raw,
                    "canonical_url": canonical(act.path),
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


def _summary(product_id: str, p: Persona, phrases: list[str], replaces: int, at: float) -> dict[str, Any]:
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
    personas = [new_persona(rng, i, taken) for i in range(sessions)]
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
    rng = random.Random(f"{seed}:hesitant")  # its own stream: the ordinary sessions do not change
    out: list[tuple[float, int, dict[str, Any]]] = []
    for j, kind in enumerate(HESITATION_KINDS):
        index = sessions + j
        events = hesitant_session_events(rng, kind, new_persona(rng, index, taken), product_id)
        shift = end - 2.0 * (j + 1) - events[-1][0]
        for at, event in events:
            event["forwarded_at"] += shift
            for action in event["actions"]:
                action["timestamp_start"] += shift
                action["timestamp_end"] += shift
            out.append((at + shift, index, event))
    return out
