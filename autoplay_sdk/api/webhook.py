"""A ready push-mode endpoint: :func:`webhook_router` and :func:`build_webhook_app` (``serve`` extra).

Mount the router in an existing FastAPI app::

    app.include_router(webhook_router(WebhookReceiver(secret, on_actions=...)), prefix="/autoplay")

or serve :func:`build_webhook_app` on its own.  The endpoint answers ``POST <path>``:

=====================================================  ===========================================
request                                                response
=====================================================  ===========================================
missing or wrong ``X-Connector-Signature``             401 ``{"detail": "Invalid X-Connector-Signature"}``
body over ``max_body_bytes`` (declared or streamed)    413 ``{"detail": ...}``; the rest is not read
``Content-Length`` that is not a number                400 ``{"detail": ...}``
anything else: a payload, a malformed body, an         200 ``{"status": "ok"}``
unknown type, a callback that raised
=====================================================  ===========================================

A malformed body (any decode failure, nesting too deep for the JSON decoder included) and a
callback error are logged, never answered with a 5xx: the connector would retry bytes that can
never succeed.  An unexpected exception from the receiver is logged at ERROR (type and size)
and answered 200 for the same reason.

The callbacks run before the response is sent, so the connector's delivery timeout bounds them:
hand slow work to a queue or task.  Retried deliveries arrive twice; the receiver's
``dedupe_window`` option drops repeats.

FastAPI is imported when a router is built, not when this module is imported; without it the
builders raise ``ModuleNotFoundError`` naming ``pip install 'autoplay-sdk[serve]'``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.webhook_receiver import SIGNATURE_HEADER, WebhookReceiver

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = ["DEFAULT_MAX_BODY_BYTES", "build_webhook_app", "webhook_router"]

logger = get_logger(__name__)

DEFAULT_MAX_BODY_BYTES = 1 << 20  # 1 MiB
_INSTALL_HINT = "pip install 'autoplay-sdk[serve]'"


def _fastapi() -> Any:
    try:
        return importlib.import_module("fastapi")
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(f"the push-mode endpoint needs FastAPI: {_INSTALL_HINT}", name=exc.name) from exc


def webhook_router(
    receiver: WebhookReceiver,
    *,
    path: str = "/webhook",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    allow_unsigned: bool = False,
) -> APIRouter:
    """An ``APIRouter`` with one ``POST path`` route that feeds ``receiver``.

    Raises :class:`~autoplay_sdk.SdkConfigError` when ``receiver`` has no secret (every request
    would be accepted) unless ``allow_unsigned=True``, when ``max_body_bytes < 1`` or when
    ``path`` does not start with ``/``.
    """
    if not isinstance(receiver, WebhookReceiver):
        raise SdkConfigError(f"receiver must be a WebhookReceiver, got {type(receiver).__name__}")
    if not receiver._secret and not allow_unsigned:
        raise SdkConfigError(
            "receiver has no secret, so any request would be accepted: give WebhookReceiver(secret=...) "
            "or pass allow_unsigned=True"
        )
    if not isinstance(max_body_bytes, int) or max_body_bytes < 1:
        raise SdkConfigError(f"max_body_bytes must be a positive int, got {max_body_bytes!r}")
    if not path.startswith("/"):
        raise SdkConfigError(f"path must start with '/', got {path!r}")
    fastapi = _fastapi()
    from starlette.responses import JSONResponse

    def reply(status: int, detail: str) -> Response:
        return JSONResponse({"detail": detail}, status_code=status)

    async def receive(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                return reply(400, "invalid Content-Length")
            if int(declared) > max_body_bytes:
                logger.warning("webhook body too large (declared %s bytes)", declared)
                return reply(413, f"body exceeds {max_body_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body_bytes:
                logger.warning("webhook body too large (over %d bytes)", max_body_bytes)
                return reply(413, f"body exceeds {max_body_bytes} bytes")
            chunks.append(chunk)
        raw = b"".join(chunks)
        try:
            await receiver.handle(raw, request.headers.get(SIGNATURE_HEADER))
        except ValueError:
            return reply(401, "Invalid X-Connector-Signature")
        except Exception as exc:  # a receiver subclass that raised: retrying the same bytes cannot help
            logger.error(
                "webhook receiver raised %s for a %d-byte body — answered 200",
                type(exc).__name__,
                len(raw),
                exc_info=True,
                extra={"body_bytes": len(raw), "error_type": type(exc).__name__},
            )
        return JSONResponse({"status": "ok"})

    router = fastapi.APIRouter()
    router.add_route(path, receive, methods=["POST"], include_in_schema=False, name="autoplay_webhook")
    return router  # type: ignore[no-any-return]


def build_webhook_app(
    receiver: WebhookReceiver,
    *,
    path: str = "/webhook",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    allow_unsigned: bool = False,
) -> FastAPI:
    """A FastAPI app serving only :func:`webhook_router` (same arguments, same errors)."""
    router = webhook_router(receiver, path=path, max_body_bytes=max_body_bytes, allow_unsigned=allow_unsigned)
    app = _fastapi().FastAPI(title="Autoplay push receiver", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router)
    return app  # type: ignore[no-any-return]
