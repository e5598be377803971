"""The optional FastAPI bridge: :func:`build_copilot_app`.

One call wires a live connector stream to a small HTTP API that a copilot backend queries::

    stream --> AsyncConnectorClient --> AsyncChatPipeline (context store + summaries)
                                    \\-> UserSessionIndex (user -> recent sessions)
    GET /context/{user_id}?query=...   the user's recent activity
    GET /reply/{user_id}?query=...     an LLM reply grounded in that activity
    GET /users                          the user ids seen so far (to know what to ask for)

FastAPI is imported inside :func:`build_copilot_app`, so importing this module (or
:mod:`autoplay_sdk.api`) works without the ``serve`` extra; building the app without it raises
``ModuleNotFoundError`` naming ``pip install 'autoplay-sdk[serve]'``.

Decisions:

- **Shutdown is bounded.**  One lifespan helper (:mod:`autoplay_sdk.api._lifespan`) serves
  every mode: it calls the reader's ``stop()`` (the client's, which ends even an idle read within
  about a second and then drains accepted callbacks, or the Redis ingester's), waits up to
  ``_STOP_GRACE_S`` (5 s) for the reader task, and then cancels it; a cancelled reader counts as a
  clean exit.  A reader that ended with an exception (e.g. the connector's fatal 401/403/404)
  still re-raises it at shutdown, as published.
- **A dead stream is reported when it dies**, not only at shutdown: one ERROR record on this
  module's logger names the exception type (and HTTP status) and the redacted stream URL, never
  the token.  Besides the ``/reply`` errors below, the only other record is the WARNING logged
  when the reader has to be cancelled.  The HTTP routes keep serving what was already received.
- **Only what runs is built.**  With ``redis_url`` there is no in-memory pipeline
  (``app.state.pipeline`` is ``None``) and no client of the bridge's own: ``role="ingest"``
  reads through its ingester's client (``app.state.connector_client``), ``role="serve"`` reads
  no stream (``app.state.connector_client`` is ``None``).
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
- **A failing step answers JSON that names it.**  When the LLM raises or returns a non-``str``,
  ``/reply`` answers 500 with ``{"error": "<what failed>", "step": "llm"}`` and logs the
  exception with its traceback (ERROR, this module's logger, the user id but never the prompt).
  The error names only the exception or result type: its text may hold user data.
- **``query`` is optional on ``/context``** (default ``""``): the route only echoes it, so a bare
  ``GET /context/{user_id}`` answers instead of a 422.  ``/reply`` still requires it.
- **``max_retries``** (keyword-only, default ``None`` = retry forever, as published) is passed to
  the stream client: once that many consecutive attempts fail, the reader stops with
  ``SdkUpstreamError`` (logged when it happens, like any dead stream).
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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping
from typing import TYPE_CHECKING, Any

from autoplay_sdk._explain import check_stream_url
from autoplay_sdk._logging import get_logger
from autoplay_sdk.api._lifespan import Reader, run_reader
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

_INSTALL_HINT = "FastAPI is required for autoplay_sdk.api. Install with: pip install 'autoplay-sdk[serve]'"
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
    max_retries: int | None = None,
) -> FastAPI:
    """Build a FastAPI app that consumes ``stream_url`` and serves per-user context and replies.

    Building connects nothing and needs no event loop: the stream is read by a background task
    started by the app's lifespan (uvicorn, or ``with TestClient(app)``).  Shutdown stops it in
    about a second, even on an idle stream, and never waits more than ~5 s before cancelling it.

    Args:
        stream_url: the connector's ``/stream/<product_id>`` URL.
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
        max_retries: consecutive failed connection attempts after which the stream reader gives
            up (``SdkUpstreamError``); ``None`` retries forever.

    Routes: ``GET /healthz``; ``GET /context/{user_id}`` (``?query=`` optional, echoed);
    ``GET /reply/{user_id}?query=`` (404 ``{"detail": "No activity found for user"}`` without
    activity in the window, 422 without ``query``, 500 ``{"error": …, "step": "llm"}`` if the LLM
    raises or returns a non-``str``); ``POST /admin/reset/{user_id}``
    (forgets the user's indexed sessions and session state; always 200); ``GET /users`` (every
    user id seen on the stream, most recently active first, with ``email`` and
    ``last_seen_at``).  Only ``actions`` events
    are consumed; ``summary`` events from the stream are ignored.

    ``app.state`` holds ``pipeline``, ``user_index``, ``session_states``, ``connector_client``,
    ``connector_task`` and ``users`` (what ``GET /users`` lists: user id -> email, last seen).

    Raises:
        ModuleNotFoundError: FastAPI is not installed (the message names the ``serve`` extra).
        SdkConfigError: ``summary_threshold < 1``, an empty or malformed ``api_key``, or a
            ``stream_url`` that cannot work (no ``http(s)://`` scheme, no host, credentials;
            also a ``ValueError``).  An empty ``stream_url`` is accepted (a Redis reader replica).
        ValueError: ``lookback_seconds <= 0``.
    """
    try:
        from fastapi import FastAPI, HTTPException
        from fastapi.responses import JSONResponse
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(_INSTALL_HINT) from exc

    check_stream_url(stream_url, param="stream_url")  # named as the caller knows it
    key = _checked_api_key(api_key)
    session_state_class = _session_state_class()
    users: MutableMapping[str, dict[str, Any]]  # user_id -> {"email", "last_seen_at"}, for GET /users
    reader: Reader | None
    parts: dict[str, Any] = {
        "stream_url": stream_url,
        "token": token,
        "llm": llm,
        "summary_threshold": summary_threshold,
        "lookback_seconds": lookback_seconds,
        "session_state_class": session_state_class,
        "max_retries": max_retries,
    }
    if redis_url is None:
        pipeline, user_index, session_states, users, reader = _in_memory(**parts)
    else:  # only what the role runs: no in-memory pipeline, and a client only in the ingester
        from autoplay_sdk._fleet.roles import redis_parts

        if lookback_seconds <= 0:
            raise ValueError("lookback_seconds must be > 0")
        shared = redis_parts(redis_url=redis_url, role=role, **parts)
        pipeline, user_index, users = None, shared.user_index, shared.users
        # not "or {}": a store's truth value would scan Redis
        session_states = shared.session_states if shared.session_states is not None else {}
        ingester = shared.ingester
        reader = None
        if ingester is not None:
            reader = Reader(
                start=lambda: asyncio.create_task(ingester.run()),
                stop=ingester.stop,
                client=ingester.client,
                close=ingester.aclose,
            )
    prompt_text = system_prompt or RAG_SYSTEM_PROMPT["content"]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with run_reader(app, reader, stream_url, _STOP_GRACE_S):
            yield

    app = FastAPI(lifespan=lifespan)
    if redis_url is not None:
        from autoplay_sdk._fleet.roles import add_unavailable_handler

        add_unavailable_handler(app)
    if key is not None:
        app.add_middleware(_BearerAuth, key=key)
    app.state.pipeline = pipeline
    app.state.user_index = user_index
    app.state.session_states = session_states
    app.state.connector_client = reader.client if reader is not None else None
    app.state.connector_task = None
    app.state.users = users

    def activity_of(user_id: str) -> str:
        activity: str = user_index.get_user_activity(user_id)
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
    async def context(user_id: str, query: str = "") -> dict[str, str]:
        return {"user_id": user_id, "query": query, "context": activity_of(user_id), **linked_of(user_id)}

    @app.get("/reply/{user_id}", response_model=dict[str, str])
    async def reply(user_id: str, query: str) -> Any:
        activity = activity_of(user_id)
        prompt = f"{prompt_text}\n\n[User ID]\n{user_id}\n\n[Recent activity]\n{activity}\n\n[User query]\n{query}"
        try:
            answer: object = await llm(prompt)
        except Exception as exc:
            _logger.error("bridge: /reply: the llm raised %s for user %s", type(exc).__name__, user_id, exc_info=exc)
            return JSONResponse({"error": f"the llm raised {type(exc).__name__}", "step": "llm"}, status_code=500)
        if not isinstance(answer, str):
            kind = type(answer).__name__
            _logger.error("bridge: /reply: the llm returned %s, not str, for user %s", kind, user_id)
            return JSONResponse({"error": f"the llm must return str, got {kind}", "step": "llm"}, status_code=500)
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


def _in_memory(
    *,
    stream_url: str,
    token: str,
    llm: LlmCallable,
    summary_threshold: int,
    lookback_seconds: float,
    session_state_class: type[Any] | None,
    max_retries: int | None,
) -> tuple[Any, Any, Any, dict[str, dict[str, Any]], Reader]:
    """The in-memory bridge: a pipeline, a user index, session states, users and the client."""
    pipeline = compose_chat_pipeline(llm=llm, threshold=summary_threshold, lookback_seconds=lookback_seconds)
    user_index = UserSessionIndex(pipeline.context_store, lookback_seconds=lookback_seconds)
    session_states: dict[str, Any] = {}
    users: dict[str, dict[str, Any]] = {}  # user_id -> {"email", "last_seen_at"}, for GET /users
    # max_retries only when given: the published call (url, token) keeps working with patched doubles.
    retries: dict[str, Any] = {} if max_retries is None else {"max_retries": max_retries}
    client = AsyncConnectorClient(url=stream_url, token=token, **retries)

    async def on_actions(payload: ActionsPayload) -> None:
        await pipeline.on_actions(payload)
        user_index.add(payload)
        user_id = payload.user_id
        if user_id:
            users[user_id] = {"email": payload.email or None, "last_seen_at": payload.forwarded_at}
        if session_state_class is not None and user_id and user_id not in session_states:
            session_states[user_id] = session_state_class()

    def start() -> asyncio.Task[None]:
        client.on_actions(on_actions)  # wired at startup: nothing is consumed before
        return client.run_in_background()

    return pipeline, user_index, session_states, users, Reader(start=start, stop=client.stop, client=client)


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
