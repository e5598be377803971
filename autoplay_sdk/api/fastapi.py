"""The optional FastAPI bridge: :func:`build_copilot_app`.

One call wires a live connector stream to a small HTTP API that a copilot backend queries::

    stream --> AsyncConnectorClient --> AsyncChatPipeline (context store + summaries)
                                    \\-> UserSessionIndex (user -> recent sessions)
    GET /context/{user_id}?query=...   the user's recent activity
    GET /reply/{user_id}?query=...     an LLM reply grounded in that activity
    GET /users                          the user ids seen so far (to know what to ask for)

FastAPI is imported inside :func:`build_copilot_app`, so importing this module (or
:mod:`autoplay_sdk.api`) works without the ``serve`` extra; building the app without it raises
``ModuleNotFoundError`` naming ``pip install autoplay-sdk[serve]``.

Decisions:

- **Shutdown is bounded.**  The lifespan calls ``client.stop()`` (which ends
  even an idle read within about a second, then drains accepted callbacks), waits up to
  ``_STOP_GRACE_S`` (5 s) for the reader task, and then cancels it; a cancelled reader counts as a
  clean exit.  A reader that ended with an exception (e.g. the connector's fatal 401/403/404)
  still re-raises it at shutdown, as published.
- **A dead stream is reported when it dies**, not only at shutdown: one ERROR record on this
  module's logger names the exception type (and HTTP status) and the redacted stream URL, never
  the token.  This is the only record this module emits besides the WARNING logged when the
  reader has to be cancelled.  The HTTP routes keep serving what was already received.
- **Agent state v2 is optional.**  ``autoplay_sdk.agent_state.v2.SessionState`` is imported when
  the app is built.  If that module is not importable (it is not part of every build), the
  session-state step of the actions callback is skipped and ``app.state.session_states`` stays
  empty; everything else behaves the same.
- **``api_key`` (opt-in, keyword-only, default ``None`` = the published, unauthenticated app).**
  When set, an ASGI middleware requires ``Authorization: Bearer <api_key>`` on every request
  except ``GET /healthz``, comparing bytes with :func:`hmac.compare_digest`.  A missing or wrong
  key gets ``401`` with ``{"detail": "Not authenticated"}`` and ``WWW-Authenticate: Bearer``
  before any routing, so unknown paths answer 401 too (route names are not disclosed).  The
  generated ``/docs``, ``/redoc`` and ``/openapi.json`` stay enabled but sit behind the same key
  (a browser without the header gets 401; ``curl -H 'Authorization: Bearer …'`` works).  The key
  must be a non-empty printable ASCII string without whitespace (``SdkConfigError`` otherwise),
  is never logged, and is not stored on ``app.state``.
- **``/reply`` with a non-``str`` LLM result** answers 500 via a ``TypeError`` that names only the
  type (the value, which may hold user data, is not put into the error).
- **``app.state.connector_task``** (an addition): the reader's ``asyncio.Task`` while the app
  runs, ``None`` before startup.  Hosts (and ``autoplay-sdk serve``) use it to notice a dead stream.
- **``GET /users``** (an addition) lists the user ids seen on the stream, so a newcomer knows
  which ``{user_id}`` to ask about; it sits behind ``api_key`` like the other routes.
- **``POST /link/{user_id}?conversation_id=``** (an addition) links the user to a chat
  conversation (see :mod:`autoplay_sdk.api._links`); ``GET /context`` then adds
  ``"conversation_id"`` for that user only, so an app that never links answers as published.
  ``app.state.link_store`` is the link index (in Redis with ``redis_url``).
- ``build_copilot_app`` is annotated to return ``FastAPI`` so the module type-checks strictly.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.async_client import AsyncConnectorClient
from autoplay_sdk.chat.chat_pipeline import compose_chat_pipeline
from autoplay_sdk.context.user_index import UserSessionIndex
from autoplay_sdk.prompts import RAG_SYSTEM_PROMPT

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

    from autoplay_sdk.core.models import ActionsPayload

__all__ = ["build_copilot_app"]

LlmCallable = Callable[[str], Awaitable[str]]
"""``async (prompt: str) -> str``: used for ``/reply`` and for the session summaries."""

_logger = get_logger(__name__)

_INSTALL_HINT = "FastAPI is required for autoplay_sdk.api. Install with: pip install autoplay-sdk[serve]"
_STOP_GRACE_S = 5.0  # how long shutdown waits for the reader after stop() before cancelling it
_OPEN_PATHS = frozenset({"/healthz"})
_STATE_MODULE = "autoplay_sdk.agent_state.v2"
_UNAUTHORIZED_BODY = b'{"detail":"Not authenticated"}'


def build_copilot_app(
    *,
    stream_url: str,
    token: str,
    llm: LlmCallable,
    summary_threshold: int = 10,
    lookback_seconds: float = 300.0,
    system_prompt: str | None = None,
    api_key: str | None = None,
    redis_url: str | None = None,
    role: str = "ingest",
) -> FastAPI:
    """Build a FastAPI app that consumes ``stream_url`` and serves per-user context and replies.

    Building connects nothing and needs no event loop: the stream is read by a background task
    started by the app's lifespan (uvicorn, or ``with TestClient(app)``).  Shutdown stops it in
    about a second, even on an idle stream, and never waits more than ~5 s before cancelling it.

    Args:
        stream_url: the connector's ``/stream/<product_id>`` URL (not validated here).
        token: bearer token for the stream; ``""`` falls back to ``AUTOPLAY_APP_UNKEY_TOKEN``.
        llm: ``async (prompt) -> str``; writes the session summaries (every
            ``summary_threshold`` actions per session) and the ``/reply`` answers.
        summary_threshold: actions per session that trigger a summary.
        lookback_seconds: how far back the context store and the user index look.
        system_prompt: text placed first in every ``/reply`` prompt; ``None`` or ``""`` selects
            the raw ``RAG_SYSTEM_PROMPT["content"]`` template (its placeholders reach the LLM as is).
        api_key: when set, every route but ``/healthz`` requires ``Authorization: Bearer <api_key>``
            and answers 401 otherwise (see the module docstring).
        redis_url: when set, context, summaries, the user index and session states are shared
            through Redis so the app can run as many replicas (``docs/scaling.md``).
        role: with ``redis_url``: ``"ingest"`` (candidate stream writer, one active per Redis
            through a lease, and a reader) or ``"serve"`` (reader only, no stream).

    Routes: ``GET /healthz``; ``GET /context/{user_id}?query=``; ``GET /reply/{user_id}?query=``
    (404 ``{"detail": "No activity found for user"}`` without activity in the window, 422 without
    ``query``, 500 if the LLM raises or returns a non-``str``); ``POST /admin/reset/{user_id}``
    (forgets the user's indexed sessions and session state; always 200); ``GET /users`` (every
    user id seen on the stream, most recently active first, with ``email`` and
    ``last_seen_at``).  Only ``actions`` events
    are consumed; ``summary`` events from the stream are ignored.

    ``app.state`` holds ``pipeline``, ``user_index``, ``session_states``, ``connector_client``,
    ``connector_task`` and ``users`` (what ``GET /users`` lists: user id -> email, last seen).

    Raises:
        ModuleNotFoundError: FastAPI is not installed (the message names the ``serve`` extra).
        SdkConfigError: ``summary_threshold < 1``, or an empty or malformed ``api_key``.
        ValueError: ``lookback_seconds <= 0``.
    """
    try:
        from fastapi import FastAPI, HTTPException
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(_INSTALL_HINT) from exc

    key = _checked_api_key(api_key)
    pipeline = compose_chat_pipeline(llm=llm, threshold=summary_threshold, lookback_seconds=lookback_seconds)
    user_index = UserSessionIndex(pipeline.context_store, lookback_seconds=lookback_seconds)
    session_state_class = _session_state_class()
    session_states: dict[str, Any] = {}
    client = AsyncConnectorClient(url=stream_url, token=token)
    shared = None
    if redis_url is not None:
        from autoplay_sdk.api._redis_roles import redis_parts

        shared = redis_parts(
            redis_url=redis_url,
            role=role,
            stream_url=stream_url,
            token=token,
            llm=llm,
            summary_threshold=summary_threshold,
            lookback_seconds=lookback_seconds,
            session_state_class=session_state_class,
        )
        user_index = shared.user_index  # type: ignore[assignment]
        if shared.session_states is not None:  # not "or {}": a store's truth value would scan Redis
            session_states = shared.session_states
    prompt_text = system_prompt or RAG_SYSTEM_PROMPT["content"]

    users: dict[str, dict[str, Any]] = {}  # user_id -> {"email", "last_seen_at"}, for GET /users
    if shared is not None:
        users = shared.users  # type: ignore[assignment]

    async def on_actions(payload: ActionsPayload) -> None:
        await pipeline.on_actions(payload)
        user_index.add(payload)
        user_id = payload.user_id
        if user_id:
            users[user_id] = {"email": payload.email or None, "last_seen_at": payload.forwarded_at}
        if session_state_class is not None and user_id and user_id not in session_states:
            session_states[user_id] = session_state_class()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if shared is not None:
            async with shared.lifespan(app):
                yield
            return
        client.on_actions(on_actions)
        task = client.run_in_background()
        task.add_done_callback(_reader_ended_callback(stream_url))
        app.state.connector_task = task
        # Let run() begin before the app is up: a stop() that lands before run() starts is lost
        # by the client (run() resets its stop flag), which would turn shutdown into a timeout.
        await asyncio.sleep(0)
        try:
            yield
        finally:
            client.stop()
            await _finish_reader(task, _STOP_GRACE_S)

    app = FastAPI(lifespan=lifespan)
    if shared is not None:
        from autoplay_sdk.api._redis_roles import add_unavailable_handler

        add_unavailable_handler(app)
    if key is not None:
        app.add_middleware(_BearerAuth, key=key)
    app.state.pipeline = pipeline
    app.state.user_index = user_index
    app.state.session_states = session_states
    app.state.connector_client = client
    app.state.connector_task = None
    app.state.users = users

    def activity_of(user_id: str) -> str:
        activity = user_index.get_user_activity(user_id)
        if not activity:
            raise HTTPException(status_code=404, detail="No activity found for user")
        return activity

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    from autoplay_sdk.api._links import add_link_routes, link_store_for

    app.state.link_store = link_store_for(redis_url)
    linked_of = add_link_routes(
        app, session_states=session_states, session_state_class=session_state_class, link_store=app.state.link_store
    )

    @app.get("/context/{user_id}")
    async def context(user_id: str, query: str) -> dict[str, str]:
        return {"user_id": user_id, "query": query, "context": activity_of(user_id), **linked_of(user_id)}

    @app.get("/reply/{user_id}")
    async def reply(user_id: str, query: str) -> dict[str, str]:
        activity = activity_of(user_id)
        prompt = f"{prompt_text}\n\n[User ID]\n{user_id}\n\n[Recent activity]\n{activity}\n\n[User query]\n{query}"
        answer: object = await llm(prompt)
        if not isinstance(answer, str):
            raise TypeError(f"llm must return str, got {type(answer).__name__}")
        return {"user_id": user_id, "query": query, "reply": answer, "context": activity}

    @app.get("/users")
    async def list_users() -> dict[str, list[dict[str, Any]]]:
        ordered = sorted(users.items(), key=lambda item: item[1]["last_seen_at"] or 0.0, reverse=True)
        return {"users": [{"user_id": uid, **seen} for uid, seen in ordered]}

    @app.post("/admin/reset/{user_id}")
    async def admin_reset(user_id: str) -> dict[str, str]:
        user_index.reset_user(user_id)
        session_states.pop(user_id, None)
        users.pop(user_id, None)
        return {"status": "ok", "user_id": user_id}

    return app


# --------------------------------------------------------------------------- helpers


def _checked_api_key(api_key: str | None) -> bytes | None:
    if api_key is None:
        return None
    from autoplay_sdk.core.exceptions import SdkConfigError

    if not isinstance(api_key, str) or not api_key:
        raise SdkConfigError(f"api_key must be a non-empty str or None, got {type(api_key).__name__}")
    if not (api_key.isascii() and api_key.isprintable()) or any(c.isspace() for c in api_key):
        # The value itself is a secret: never echo it.
        raise SdkConfigError("api_key must be printable ASCII without whitespace")
    return api_key.encode("ascii")


def _session_state_class() -> type[Any] | None:
    """``SessionState`` from agent_state v2, or ``None`` when that module is not importable."""
    try:
        module = importlib.import_module(_STATE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name in ("autoplay_sdk.agent_state", _STATE_MODULE):
            return None
        raise  # the module exists but one of its own imports is missing: a real error
    cls: type[Any] = module.SessionState
    return cls


def _describe(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    name = type(exc).__name__
    return f"{name} (HTTP {status})" if isinstance(status, int) else name


def _reader_ended_callback(stream_url: str) -> Callable[[asyncio.Task[None]], None]:
    from autoplay_sdk._stream import redact_url

    safe_url = redact_url(stream_url)

    def reader_ended(task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        _logger.error(
            "bridge: the stream reader for %s stopped with %s; the routes keep serving what was received",
            safe_url,
            _describe(exc),
            extra={"url": safe_url},
        )

    return reader_ended


async def _finish_reader(task: asyncio.Task[None], grace_s: float) -> None:
    """Wait up to ``grace_s`` for the stopped reader, then cancel it; re-raise what it raised."""
    try:
        done, _ = await asyncio.wait({task}, timeout=grace_s)
        if not done:
            _logger.warning("bridge: the stream reader did not stop within %g s; cancelling it", grace_s)
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=grace_s)
    except BaseException:  # the shutdown itself was cancelled: do not leave the reader behind
        task.cancel()
        raise
    if done and not task.cancelled():
        task.result()  # re-raises the reader's exception (e.g. a fatal 401/403/404)


def _bearer_credential(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, credential = value.strip().partition(b" ")
            return credential.strip() if scheme.lower() == b"bearer" else None
    return None


class _BearerAuth:
    """ASGI middleware: ``Authorization: Bearer <key>`` on everything but ``_OPEN_PATHS``."""

    def __init__(self, app: ASGIApp, *, key: bytes) -> None:
        self._app = app
        self._key = key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket") or (kind == "http" and scope["path"] in _OPEN_PATHS):
            await self._app(scope, receive, send)
            return
        credential = _bearer_credential(scope.get("headers", ()))
        if credential is not None and hmac.compare_digest(credential, self._key):
            await self._app(scope, receive, send)
            return
        if kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(_UNAUTHORIZED_BODY)).encode()),
                    (b"www-authenticate", b"Bearer"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": _UNAUTHORIZED_BODY})
