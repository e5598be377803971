"""The registration side of the local connector: ``POST /products``.

It lets the whole operator journey run offline: :func:`autoplay_sdk.admin.onboard_product`
(or ``autoplay-sdk onboard``) registers a product on a :class:`~autoplay_sdk.testing.LocalConnector`,
gets a freshly minted stream key, and the product can be streamed at once with that key.

Contract as served (the same as the hosted connector's, minus Render and Unkey):

* ``201`` with ``product_id``, ``integration_type``, ``webhook_secret``, ``unkey_key``,
  ``unkey_key_id`` and ``dual_write`` (always ``false``: there is no Render to write to).
  The webhook secret is the one sent, or a fresh one when it is blank.
* ``409`` when the product exists (registered earlier, or served from the start) and
  ``force_reregister`` is not ``true``.  With it, the product's webhook secret and stream key
  are rotated: the previous key stops working at once.
* ``400`` for a body that is not a JSON object, ``422`` for a field that is missing or of the
  wrong type (the message names the field).  Only ``event_stream`` products are accepted.
* No admin key is needed (open registration).  Error bodies are JSON
  ``{"detail": ..., "status": ...}`` and never contain a secret.

A newly registered product can get sample traffic at once: the registry calls its
``on_registered(product_id, rotated)`` hook after each registration (outside its lock), and the
connector publishes ``sample_events(product_id=...)`` for a new product when it was built with
``sample_new_products=True`` (``autoplay-sdk connector`` does, unless ``--no-sample``).

A registered product's stream accepts its own key and the connector's token; a key minted
for one product is refused (403) for every other.  Keys are ``secrets.token_hex`` values, so
they work as ``--token KEY`` on a command line.  Nothing secret is logged.
"""

import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.testing._hosted_registration import HostedRegistry, is_hosted_body
from autoplay_sdk.testing._registration_error import RegistrationError as RegistrationError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from autoplay_sdk.testing._hosted_registration import HostedRegistry

logger = get_logger("autoplay_sdk.testing")

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_STRING_FIELDS = ("webhook_secret", "forward_url", "forward_secret")


@dataclass(frozen=True)
class _Registration:
    contact_email: str
    webhook_secret: str
    key: str
    key_id: str


def _field_error(name: str, expected: str) -> RegistrationError:
    return RegistrationError(422, f"field {name!r} must be {expected}")


def _validate(body: Any) -> tuple[str, str, str, bool]:
    """``(product_id, contact_email, webhook_secret, force_reregister)`` of a valid body."""
    if not isinstance(body, dict):
        raise RegistrationError(400, "request body must be a JSON object")
    product_id = body.get("product_id")
    if not isinstance(product_id, str) or not product_id.strip() or "/" in product_id:
        raise _field_error("product_id", "a non-empty string without '/'")
    email = body.get("contact_email")
    if not isinstance(email, str) or not _EMAIL.fullmatch(email.strip()):
        raise _field_error("contact_email", "an email address")
    for name in _STRING_FIELDS:
        if not isinstance(body.get(name, ""), str):
            raise _field_error(name, "a string")
    if body.get("integration_type", "event_stream") != "event_stream":
        raise _field_error("integration_type", "'event_stream' (the only type the local connector serves)")
    if not isinstance(body.get("integration_config", {}), dict):
        raise _field_error("integration_config", "an object")
    force = body.get("force_reregister", False)
    if not isinstance(force, bool):
        raise _field_error("force_reregister", "true or false")
    return product_id.strip(), email.strip(), str(body.get("webhook_secret", "")).strip(), force


class Registry:
    """Products registered over HTTP and their stream keys (thread-safe)."""

    def __init__(self, served: frozenset[str], on_registered: Callable[[str, bool], None] | None = None) -> None:
        self._served = served
        self._on_registered = on_registered
        self._lock = threading.Lock()
        self._products: dict[str, _Registration] = {}
        self._hosted: HostedRegistry | None = None  # created on the first hosted registration

    def has(self, product_id: str) -> bool:
        with self._lock:
            return product_id in self._products

    def accepts(self, product_id: str, credentials: str, connector_token: str) -> bool:
        """True for the connector's token, or the current key of ``product_id`` (constant-time compares)."""
        with self._lock:
            registration = self._products.get(product_id)
        given = credentials.encode("latin-1")  # the header value, as received
        ok = hmac.compare_digest(given, connector_token.encode("utf-8"))
        if registration is not None:
            ok = hmac.compare_digest(given, registration.key.encode("utf-8")) or ok
        return ok

    def register_hosted(self, body: dict[str, Any], base_url: str) -> dict[str, Any]:
        """Register on the hosted contract (see ``_hosted_registration``); its MCP key opens the stream."""
        with self._lock:
            if self._hosted is None:
                self._hosted = HostedRegistry()
            hosted = self._hosted
        answer = hosted.register(body, base_url)
        with self._lock:
            self._products[answer["product_id"]] = _Registration(
                body["contact_email"].strip(), answer["credentials"]["ingest_secret"],
                answer["credentials"]["mcp_key"], f"key_{secrets.token_hex(8)}",
            )  # fmt: skip
        return answer

    def register(self, body: Any) -> dict[str, Any]:
        """Register (or, with ``force_reregister``, rotate) a product; returns the 201 body.

        Raises :class:`RegistrationError` (400, 409 or 422).
        """
        product_id, email, secret, force = _validate(body)
        with self._lock:
            exists = product_id in self._products or product_id in self._served
            if exists and not force:
                raise RegistrationError(
                    409, f"product {product_id!r} is already registered; send force_reregister: true to replace it"
                )
            if exists or not secret:
                secret = secrets.token_urlsafe(32)
            registration = _Registration(email, secret, secrets.token_hex(24), f"key_{secrets.token_hex(8)}")
            self._products[product_id] = registration
        logger.info("product registered product=%s rotated=%s", product_id, exists)
        if self._on_registered is not None:
            self._on_registered(product_id, exists)
        return {
            "product_id": product_id,
            "integration_type": "event_stream",
            "webhook_secret": registration.webhook_secret,
            "unkey_key": registration.key,
            "unkey_key_id": registration.key_id,
            "dual_write": False,
        }


def add_registration_route(app: "FastAPI", registry: Registry) -> None:
    """Serve ``POST /products`` on ``app`` from ``registry``."""
    from fastapi import Request
    from fastapi.responses import JSONResponse

    async def register(request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):
            return JSONResponse({"detail": "request body must be JSON", "status": 400}, status_code=400)
        try:
            if is_hosted_body(body):  # the hosted connector's contract, same path
                return JSONResponse(registry.register_hosted(body, str(request.base_url)), status_code=201)
            return JSONResponse(registry.register(body), status_code=201)
        except RegistrationError as exc:
            return JSONResponse({"detail": exc.detail, "status": exc.status}, status_code=exc.status)

    app.add_api_route("/products", register, methods=["POST"], response_model=None)
