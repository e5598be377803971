"""Typed payloads of the connector stream.

The three classes are mutable dataclasses with ``__slots__`` (users construct, compare,
``dataclasses.replace``, ``asdict``, copy and pickle them; slots make each instance about a
third smaller than a ``__dict__``-backed one).  Each parses itself (``from_dict``), serialises
itself (``to_dict``: the wire object, key order as the connector and the Redis buffer write it,
plus ``conversation_id``) and renders itself for prompts (``to_text``).

``from_dict`` is the boundary where wire values are checked:

- Unknown keys are ignored; a missing or falsy value becomes the field default (``""``, ``0``,
  ``0.0``, ``None`` for the payload's ids).
- A value with one obvious meaning is coerced: a numeric string becomes a number, an ISO-8601
  string (``"2024-01-01T00:00:00Z"``; no offset means UTC) in a time field becomes epoch
  seconds, an integral float in an integer field becomes an ``int``, an integer id becomes its
  decimal string.  Well-typed values (what the connector sends) are kept as they are.
- Anything else raises :class:`MalformedPayloadError` (a ``ValueError``), naming the field: a
  time that is not a finite number or an ISO-8601 string, ``actions`` that is not a list of
  objects, a title or description that is not a string, ``data`` that is not a mapping.  The
  stream clients and the webhook receiver log and skip such a frame, like undecodable JSON.

A plain ``dict`` in exactly the connector's shape (its keys, values of the types it sends) is
built in one step instead of field by field; the result is the same either way.

Repeated short strings (product, session and user ids, action types, titles, URLs) are shared
between payloads through a small bounded table, so a stream of similar frames does not hold one
copy per frame.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.core.exceptions import SdkError

__all__ = ["ActionsPayload", "AnyPayload", "SlimAction", "SummaryPayload"]

logger = get_logger(__name__)


class MalformedPayloadError(SdkError, ValueError):
    """A wire value of the payload has the wrong type; the message names the field (never the value)."""


# -- wire value checks --------------------------------------------------------------------------

# A string seen once waits in ``_SEEN``; seen again while there, it moves to ``_SHARED`` and every
# later copy resolves to it.  One-off strings (a URL with a unique query, a prose summary) never
# reach ``_SHARED``, and ``_SEEN`` is cleared when full, so neither table grows with the stream.
_SHARED: dict[str, str] = {}
_SHARED_MAX = 16_384  # entries; cleared when full, so a few MB at most
_SEEN: dict[str, str] = {}
_SEEN_MAX = 4_096
_SHARED_LEN = 256  # longer strings rarely repeat
_shared = _SHARED.get


def _share(s: str) -> str:
    t = _SHARED.get(s)
    return _remember(s) if t is None else t


def _remember(s: str) -> str:
    """``_share`` for a string not in ``_SHARED``."""
    if len(s) <= _SHARED_LEN:
        t = _SEEN.pop(s, None)
        if t is not None:
            if len(_SHARED) >= _SHARED_MAX:
                _SHARED.clear()
            _SHARED[t] = t
            return t
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[s] = s
    return s


def _bad(field: str, value: object, expected: str) -> MalformedPayloadError:
    return MalformedPayloadError(f"{field} must be {expected}, got {type(value).__name__}")


def _text(value: Any, field: str) -> str:
    """A text field: falsy → ``""``; a ``str`` is kept; anything else is malformed."""
    if not value:
        return ""
    if type(value) is str:
        return _share(value)
    if isinstance(value, str):
        return _share(str(value))
    raise _bad(field, value, "a string")


def _id(value: Any, field: str) -> str | None:
    """An id taken raw: ``None`` and ``str`` are kept, an integer becomes its decimal string."""
    if value is None:
        return None
    if type(value) is str:
        return _share(value)
    if isinstance(value, str):
        return _share(str(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _bad(field, value, "a string or null")


def _int(value: Any, field: str) -> int:
    """An integer field: falsy → ``0``; integral floats and numeric strings are converted."""
    if not value:
        return 0
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise _bad(field, value, "an integer")
    if isinstance(value, int):
        return int(value)
    number: float
    if isinstance(value, float):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise _bad(field, value, "an integer") from None
    else:
        raise _bad(field, value, "an integer")
    if math.isfinite(number) and number == int(number):
        return int(number)
    raise MalformedPayloadError(f"{field} must be an integer, got a non-integral number")


def _time(value: Any, field: str) -> float:
    """A time in epoch seconds: falsy → ``0.0``; numbers kept; numeric or ISO-8601 strings converted."""
    if not value:
        return 0.0
    kind = type(value)
    if kind is float or kind is int:
        if kind is int or math.isfinite(value):
            return value  # type: ignore[no-any-return]
        raise MalformedPayloadError(f"{field} must be a finite time, got {value!r}")
    if isinstance(value, bool):
        raise _bad(field, value, "a time")
    if isinstance(value, (int, float)):
        return _time(float(value), field)
    if isinstance(value, str):
        return _parse_time_text(value.strip(), field)
    raise _bad(field, value, "a time (epoch seconds or ISO-8601)")


def _parse_time_text(text: str, field: str) -> float:
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if math.isfinite(number):
            return number
        raise MalformedPayloadError(f"{field} must be a finite time, got a non-finite number")
    iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise MalformedPayloadError(f"{field} must be epoch seconds or an ISO-8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _getter(data: Any, what: str) -> Any:
    get = getattr(data, "get", None)
    if get is None or not callable(get):
        raise MalformedPayloadError(f"{what} must be a JSON object, got {type(data).__name__}")
    return get


# -- models -------------------------------------------------------------------------------------


@dataclass(slots=True)
class SlimAction:
    """One UI action inside an ``actions`` batch."""

    title: str
    description: str
    canonical_url: str
    index: int = 0
    type: str = ""
    timestamp_start: float = 0.0
    timestamp_end: float = 0.0
    raw_url: str = ""
    session_id: str | None = None
    user_id: str | None = None
    email: str | None = None
    conversation_id: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlimAction:
        """Build from a wire dict (rules in the module docstring).

        Raises:
            MalformedPayloadError: a value has the wrong type, or ``data`` is not a mapping.
        """
        if cls is SlimAction:  # a subclass keeps its own __init__, which _exact_action bypasses
            return _exact_action(data, None, None, None) or cls._parse(data)
        return cls._parse(data)

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> SlimAction:
        """``from_dict`` field by field: any mapping, every coercion, the first bad field named."""
        get = data.get if type(data) is dict else _getter(data, "an action")
        shared = _shared
        # Each field: a well-typed value that is already shared is taken at once; anything
        # else goes through the field's checker (same result, same errors, same order).
        title, description, canonical_url = get("title"), get("description"), get("canonical_url")
        index, kind, start, end = get("index"), get("type"), get("timestamp_start"), get("timestamp_end")
        raw_url, session_id, user_id = get("raw_url"), get("session_id"), get("user_id")
        email, conversation_id = get("email"), get("conversation_id")
        return cls(
            (type(title) is str and shared(title)) or _text(title, "title"),
            (type(description) is str and shared(description)) or _text(description, "description"),
            (type(canonical_url) is str and shared(canonical_url)) or _text(canonical_url, "canonical_url"),
            index if type(index) is int else _int(index, "index"),
            (type(kind) is str and shared(kind)) or _text(kind, "type"),
            start if type(start) is float and start and start - start == 0.0 else _time(start, "timestamp_start"),
            end if type(end) is float and end and end - end == 0.0 else _time(end, "timestamp_end"),
            (type(raw_url) is str and shared(raw_url)) or _text(raw_url, "raw_url"),
            None
            if session_id is None
            else (type(session_id) is str and shared(session_id)) or _id(session_id, "session_id"),
            None if user_id is None else (type(user_id) is str and shared(user_id)) or _id(user_id, "user_id"),
            None if email is None else (type(email) is str and shared(email)) or _id(email, "email"),
            None
            if conversation_id is None
            else (type(conversation_id) is str and shared(conversation_id)) or _id(conversation_id, "conversation_id"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The wire object (``from_dict`` inverts it)."""
        return {
            "title": self.title,
            "description": self.description,
            "canonical_url": self.canonical_url,
            "index": self.index,
            "type": self.type,
            "timestamp_start": self.timestamp_start,
            "timestamp_end": self.timestamp_end,
            "raw_url": self.raw_url,
            "session_id": self.session_id,
            "user_id": self.user_id,
            "email": self.email,
            "conversation_id": self.conversation_id,
        }

    def to_text(self) -> str:
        """``[index] type: description — canonical_url`` (EM DASH separator)."""
        return f"[{self.index}] {self.type}: {self.description} \u2014 {self.canonical_url}"


# -- the connector's own shape ------------------------------------------------------------------

# A dict with exactly the keys the connector writes (in any order) and values of exactly the types
# it writes is built without the per-field checks: they would keep each such value as it is, so
# the result is the same.  Anything else takes the per-field path (``_parse``), which is where the
# rules of the module docstring are spelled out.  A dict of ``n`` entries that holds ``n`` given
# keys holds nothing else, so ``len`` and one ``itemgetter`` call (``KeyError`` when a key is
# missing) check the keys.  The checks are plain bytecode: on CPython 3.11 that measured faster
# than C-level ``map(type, ...)`` or ``map(dict.get, ...)`` over the values.
#
# A float in that shape is also non-zero (a zero may be -0.0, which the per-field path turns into
# 0.0) and below 2**63 in magnitude.  The bound changes no result (the per-field path keeps such a
# float too) but lets :func:`_connector_payload` vouch for a whole JSON document: a JSON decoder
# that widens integers beyond 64 bits to floats (orjson) can only have produced floats that large.
_ACTION_KEYS = tuple(f.name for f in dataclasses.fields(SlimAction))[:-1]  # conversation_id is optional
_action_values = itemgetter(*_ACTION_KEYS)
_action_values_conv = itemgetter(*_ACTION_KEYS, "conversation_id")
_PAYLOAD_KEYS = ("type", "product_id", "session_id", "user_id", "email", "actions", "count", "forwarded_at")
_payload_values = itemgetter(*_PAYLOAD_KEYS)
_payload_values_conv = itemgetter(*_PAYLOAD_KEYS, "conversation_id")
_summary_values = itemgetter("type", "product_id", "session_id", "summary", "replaces", "forwarded_at")
_BIG = 2.0**63
_new = object.__new__
_Row = tuple[Any, ...]


def _action_row(data: Any) -> _Row | None:
    """The values of an action dict in the connector's shape, in field order, else ``None``.

    Eleven values, or twelve when the dict has ``conversation_id``.  Shares nothing yet.
    """
    if type(data) is not dict:
        return None
    n = len(data)
    try:
        if n == 11:
            row: _Row = _action_values(data)
            title, description, canonical_url, index, kind, start, end, raw_url, session_id, user_id, mail = row
            conv = None
        elif n == 12:
            row = _action_values_conv(data)
            title, description, canonical_url, index, kind, start, end, raw_url, session_id, user_id, mail, conv = row
        else:
            return None
    except KeyError:
        return None
    if (
        type(title) is str
        and type(description) is str
        and type(canonical_url) is str
        and type(index) is int
        and type(kind) is str
        and type(start) is float
        and type(end) is float
        and -_BIG < start < _BIG
        and -_BIG < end < _BIG
        and start * end != 0.0
        and type(raw_url) is str
        and (session_id is None or type(session_id) is str)
        and (user_id is None or type(user_id) is str)
        and (mail is None or type(mail) is str)
        and (conv is None or type(conv) is str)
    ):
        return row
    return None


def _build_action(row: _Row, sid: str | None, uid: str | None, email: str | None) -> SlimAction:
    """The action of an :func:`_action_row` row, its strings shared.

    An id equal to ``sid``, ``uid`` or ``email`` (the enclosing payload's ids when they are
    already shared, else ``None``) becomes that object, which saves hashing it.
    """
    if len(row) == 11:
        title, description, canonical_url, index, kind, start, end, raw_url, session_id, user_id, mail = row
        conv = None
    else:
        title, description, canonical_url, index, kind, start, end, raw_url, session_id, user_id, mail, conv = row
    shared, remember = _shared, _remember
    # Slot by slot on a bare instance: the dataclass __init__ would store the same, one call dearer.
    action: SlimAction = _new(SlimAction)
    action.title = shared(title) or remember(title)
    action.description = shared(description) or remember(description)
    action.canonical_url = shared(canonical_url) or remember(canonical_url)
    action.index = index
    action.type = shared(kind) or remember(kind)
    action.timestamp_start = start
    action.timestamp_end = end
    action.raw_url = shared(raw_url) or remember(raw_url)
    action.session_id = sid if session_id == sid else session_id and (shared(session_id) or remember(session_id))
    action.user_id = uid if user_id == uid else user_id and (shared(user_id) or remember(user_id))
    action.email = email if mail == email else mail and (shared(mail) or remember(mail))
    action.conversation_id = conv and (shared(conv) or remember(conv))
    return action


def _exact_action(data: Any, sid: str | None, uid: str | None, email: str | None) -> SlimAction | None:
    """``SlimAction.from_dict(data)`` for a dict in the connector's shape, else ``None``."""
    row = _action_row(data)
    return None if row is None else _build_action(row, sid, uid, email)


def _actions(value: Any, sid: str | None = None, uid: str | None = None, email: str | None = None) -> list[SlimAction]:
    """The ``actions`` of a payload; ``sid``, ``uid`` and ``email`` as in :func:`_build_action`."""
    if not value:
        return []
    if type(value) is not list and not isinstance(value, (list, tuple)):
        raise _bad("actions", value, "a list of objects")
    # Filled by index: exactly len(value) slots, where appending would over-allocate.
    actions: list[Any] = [None] * len(value)
    exact, parse = _exact_action, SlimAction._parse
    try:
        for i, data in enumerate(value):
            actions[i] = exact(data, sid, uid, email) or parse(data)
    except MalformedPayloadError as exc:
        raise MalformedPayloadError(f"actions: {exc}") from None
    return actions


@dataclass(slots=True)
class ActionsPayload:
    """A batch of actions for one session.  ``count`` always equals ``len(actions)``."""

    product_id: str
    session_id: str | None
    user_id: str | None
    email: str | None
    actions: list[SlimAction]
    count: int
    forwarded_at: float
    conversation_id: str | None = None

    def __post_init__(self) -> None:
        n = len(self.actions)
        if self.count != n:
            # %s, not %d: a value such as "3" must not break the log call.
            logger.warning(
                "ActionsPayload.count=%s does not match len(actions)=%d for session=%s"
                " — using len(actions) as the authoritative value",
                self.count,
                n,
                self.session_id,
            )
            self.count = n

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionsPayload:
        """Build from a wire dict (rules in the module docstring); ids that are empty become ``None``.

        Raises:
            MalformedPayloadError: a value has the wrong type, or ``data`` is not a mapping.
        """
        if cls is ActionsPayload and type(data) is dict:
            payload = _exact_actions_payload(data)
            if payload is not None:
                return payload
        return cls._parse(data)

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> ActionsPayload:
        """``from_dict`` field by field: any mapping, every coercion, the first bad field named."""
        get = data.get if type(data) is dict else _getter(data, "an actions payload")
        shared = _shared  # fast path per field, as in SlimAction._parse
        product_id, session_id = get("product_id"), get("session_id") or None
        user_id, email, actions = get("user_id") or None, get("email") or None, get("actions")
        count, forwarded_at, conversation_id = get("count"), get("forwarded_at"), get("conversation_id")
        return cls(
            (type(product_id) is str and shared(product_id)) or _text(product_id, "product_id"),
            None
            if session_id is None
            else (type(session_id) is str and shared(session_id)) or _id(session_id, "session_id"),
            None if user_id is None else (type(user_id) is str and shared(user_id)) or _id(user_id, "user_id"),
            None if email is None else (type(email) is str and shared(email)) or _id(email, "email"),
            _actions(actions),
            count if type(count) is int else _int(count, "count"),
            forwarded_at
            if type(forwarded_at) is float and forwarded_at and forwarded_at - forwarded_at == 0.0
            else _time(forwarded_at, "forwarded_at"),
            None
            if conversation_id is None
            else (type(conversation_id) is str and shared(conversation_id)) or _id(conversation_id, "conversation_id"),
        )

    @classmethod
    def merge(cls, payloads: list[ActionsPayload]) -> ActionsPayload:
        """Concatenate batches in order, re-indexing copies of the actions from 0.

        Raises ``ValueError`` for an empty list.  The inputs are not mutated.
        """
        if not payloads:
            raise ValueError("ActionsPayload.merge() requires at least one payload")
        actions: list[SlimAction] = []
        for p in payloads:
            for a in p.actions:
                actions.append(dataclasses.replace(a, index=len(actions)))
        first = payloads[0]
        return cls(
            product_id=first.product_id,
            session_id=first.session_id,
            user_id=next((p.user_id for p in payloads if p.user_id), None),
            email=next((p.email for p in payloads if p.email), None),
            actions=actions,
            count=len(actions),
            forwarded_at=max(p.forwarded_at for p in payloads),
            conversation_id=next((p.conversation_id for p in payloads if p.conversation_id), None),
        )

    def to_dict(self) -> dict[str, Any]:
        """The wire object, ``"type": "actions"`` first (``from_dict`` inverts it)."""
        return {
            "type": "actions",
            "product_id": self.product_id,
            "session_id": self.session_id,
            "user_id": self.user_id,
            "email": self.email,
            "actions": [a.to_dict() for a in self.actions],
            "count": self.count,
            "forwarded_at": self.forwarded_at,
            "conversation_id": self.conversation_id,
        }

    def to_text(self) -> str:
        """A header line ``Session <id> — <n> actions`` then one line per action."""
        header = f"Session {self.session_id or 'unknown'} \u2014 {len(self.actions)} actions"
        return "\n".join([header, *(a.to_text() for a in self.actions)])


@dataclass(slots=True)
class SummaryPayload:
    """A prose summary that condenses ``replaces`` earlier actions of a session."""

    product_id: str
    session_id: str | None
    summary: str
    replaces: int
    forwarded_at: float

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SummaryPayload:
        """Build from a wire dict (rules in the module docstring).

        Raises:
            MalformedPayloadError: a value has the wrong type, or ``data`` is not a mapping.
        """
        if cls is SummaryPayload and type(data) is dict:
            payload = _exact_summary_payload(data)
            if payload is not None:
                return payload
        return cls._parse(data)

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> SummaryPayload:
        """``from_dict`` field by field: any mapping, every coercion, the first bad field named."""
        get = data.get if type(data) is dict else _getter(data, "a summary payload")
        shared = _shared  # fast path per field, as in SlimAction._parse
        product_id, session_id, summary = get("product_id"), get("session_id") or None, get("summary")
        replaces, forwarded_at = get("replaces"), get("forwarded_at")
        return cls(
            (type(product_id) is str and shared(product_id)) or _text(product_id, "product_id"),
            None
            if session_id is None
            else (type(session_id) is str and shared(session_id)) or _id(session_id, "session_id"),
            (type(summary) is str and shared(summary)) or _text(summary, "summary"),
            replaces if type(replaces) is int else _int(replaces, "replaces"),
            forwarded_at
            if type(forwarded_at) is float and forwarded_at and forwarded_at - forwarded_at == 0.0
            else _time(forwarded_at, "forwarded_at"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The wire object, ``"type": "summary"`` first (``from_dict`` inverts it)."""
        return {
            "type": "summary",
            "product_id": self.product_id,
            "session_id": self.session_id,
            "summary": self.summary,
            "replaces": self.replaces,
            "forwarded_at": self.forwarded_at,
        }

    def to_text(self) -> str:
        """The summary, unchanged."""
        return self.summary


def _exact_actions_payload(data: dict[str, Any]) -> ActionsPayload | None:
    """``ActionsPayload.from_dict(data)`` when the payload and every action are in the connector's
    shape (and ``count`` is right), else ``None`` with nothing shared."""
    n = len(data)
    try:
        if n == 8:
            _, product_id, session_id, user_id, email, actions, count, forwarded_at = _payload_values(data)
            conversation_id = None
        elif n == 9:
            _, product_id, session_id, user_id, email, actions, count, forwarded_at, conversation_id = (
                _payload_values_conv(data)
            )
        else:
            return None
    except KeyError:
        return None
    if not (
        type(product_id) is str
        and (session_id is None or type(session_id) is str)
        and (user_id is None or type(user_id) is str)
        and (email is None or type(email) is str)
        and type(actions) is list
        and type(count) is int
        and count == len(actions)
        and type(forwarded_at) is float
        and -_BIG < forwarded_at < _BIG
        and forwarded_at != 0.0
        and (conversation_id is None or type(conversation_id) is str)
    ):
        return None
    # Every action is checked before anything is shared: a misfit leaves the tables as they were.
    rows: list[Any] = [None] * count
    row_of = _action_row
    for i, item in enumerate(actions):
        row = row_of(item)
        if row is None:
            return None
        rows[i] = row
    shared, remember = _shared, _remember
    # An id already shared is what the actions' equal ids resolve to.  One seen for the first time
    # is resolved per action as usual, so that its repeat inside this payload promotes it, as the
    # per-field path does.  Strings are shared in the per-field path's order.
    sid, uid, em = session_id and shared(session_id), user_id and shared(user_id), email and shared(email)
    payload: ActionsPayload = _new(ActionsPayload)
    payload.product_id = shared(product_id) or remember(product_id)
    payload.session_id = (sid or remember(session_id)) if session_id else None
    payload.user_id = (uid or remember(user_id)) if user_id else None
    payload.email = (em or remember(email)) if email else None
    build = _build_action
    for i, row in enumerate(rows):
        rows[i] = build(row, sid, uid, em)
    payload.actions = rows
    payload.count = count
    payload.forwarded_at = forwarded_at
    payload.conversation_id = conversation_id and (shared(conversation_id) or remember(conversation_id))
    return payload


def _exact_summary_payload(data: dict[str, Any]) -> SummaryPayload | None:
    """``SummaryPayload.from_dict(data)`` when ``data`` is in the connector's shape, else ``None``."""
    if len(data) != 6:
        return None
    try:
        _, product_id, session_id, summary, replaces, forwarded_at = _summary_values(data)
    except KeyError:
        return None
    if not (
        type(product_id) is str
        and (session_id is None or type(session_id) is str)
        and type(summary) is str
        and type(replaces) is int
        and type(forwarded_at) is float
        and -_BIG < forwarded_at < _BIG
        and forwarded_at != 0.0
    ):
        return None
    shared, remember = _shared, _remember
    payload: SummaryPayload = _new(SummaryPayload)
    payload.product_id = shared(product_id) or remember(product_id)
    payload.session_id = (shared(session_id) or remember(session_id)) if session_id else None
    payload.summary = shared(summary) or remember(summary)
    payload.replaces = replaces
    payload.forwarded_at = forwarded_at
    return payload


def _connector_payload(data: Any) -> ActionsPayload | SummaryPayload | None:
    """The payload for a decoded JSON object in the connector's exact shape, routed on ``"type"``.

    ``None``, with nothing shared, for any other value.  A payload returned vouches for the whole
    object: it holds no key outside the shape, no float of magnitude 2**63 or more and is three
    levels deep, so a decoder that widens integers beyond 64 bits to floats, or reads nesting
    :func:`json.loads` refuses, decoded it exactly as :func:`json.loads` would.
    """
    if type(data) is dict:
        kind = data.get("type")
        if kind == "actions":
            return _exact_actions_payload(data)
        if kind == "summary":
            return _exact_summary_payload(data)
    return None


AnyPayload = ActionsPayload | SummaryPayload
