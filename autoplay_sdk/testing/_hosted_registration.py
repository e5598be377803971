"""The hosted connector's registration contract, served by the local connector on the same ``POST /products``.

A body with ``provider`` and ``provider_project_id`` (and no ``product_id``) is a hosted
registration; anything else keeps the Render contract of :mod:`autoplay_sdk.testing._registration`.

Contract as served:

* ``provider`` is ``"posthog"`` or ``"amplitude"``; ``provider_project_id`` a non-empty string;
  ``contact_email`` an email; ``ingest_secret``, ``owner_token`` and ``name`` optional strings.
  Otherwise ``400``/``422`` with a JSON ``{"detail", "status"}`` body.
* The first registration of a ``(provider, provider_project_id)`` answers ``201`` with an opaque
  ``product_id`` (``prod_…``), ``setup`` (``ingest_url``, ``ingest_auth``, ``mcp_url``,
  ``mcp_auth``) and ``credentials`` (``ingest_secret`` — the one sent, or a fresh one —
  ``mcp_key`` and ``owner_token``).
* Registering it again needs the owner token: without it, or with a wrong one, ``403``; with it,
  ``201`` with the same ``product_id``, a new MCP key (the old one stops working at once), and no
  owner token (it is issued once).
* The product's stream (``GET /stream/{product_id}``) accepts its MCP key as the bearer token —
  the hosted connector serves MCP reads with that key; locally the stream stands in for them.

Owner tokens are compared in constant time.  Error bodies never contain a secret; nothing secret
is logged.
"""

import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.testing._registration_error import RegistrationError

logger = get_logger("autoplay_sdk.testing")

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_PROVIDERS = frozenset({"posthog", "amplitude"})
_OPTIONAL = ("ingest_secret", "owner_token", "name")


def is_hosted_body(body: Any) -> bool:
    """True for a hosted-contract registration body."""
    return isinstance(body, dict) and "provider" in body and "product_id" not in body


@dataclass(frozen=True)
class HostedProduct:
    product_id: str
    owner_token: str
    ingest_secret: str
    mcp_key: str


def _validate(body: dict[str, Any]) -> tuple[str, str, str, str, str]:
    provider = body.get("provider")
    if provider not in _PROVIDERS:
        raise RegistrationError(422, "field 'provider' must be 'posthog' or 'amplitude'")
    project = body.get("provider_project_id")
    if not isinstance(project, str) or not project.strip():
        raise RegistrationError(422, "field 'provider_project_id' must be a non-empty string")
    email = body.get("contact_email")
    if not isinstance(email, str) or not _EMAIL.fullmatch(email.strip()):
        raise RegistrationError(422, "field 'contact_email' must be an email address")
    for name in _OPTIONAL:
        if not isinstance(body.get(name, ""), str):
            raise RegistrationError(422, f"field {name!r} must be a string")
    return (
        provider,
        project.strip(),
        email.strip(),
        body.get("ingest_secret", "").strip(),
        body.get("owner_token", "").strip(),
    )


class HostedRegistry:
    """Hosted registrations, keyed by ``(provider, provider_project_id)`` (thread-safe).

    ``on_key`` is called with ``(product_id, mcp_key)`` each time a key is issued, so the stream
    can accept it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_project: dict[tuple[str, str], HostedProduct] = {}

    def register(self, body: dict[str, Any], base_url: str) -> dict[str, Any]:
        provider, project, _email, ingest_secret, owner_token = _validate(body)
        with self._lock:
            existing = self._by_project.get((provider, project))
            if existing is not None and not hmac.compare_digest(
                owner_token.encode("utf-8"), existing.owner_token.encode("utf-8")
            ):
                raise RegistrationError(
                    403, f"{provider} project {project!r} is already registered; send its owner_token to re-register"
                )
            product = HostedProduct(
                product_id=existing.product_id if existing else f"prod_{secrets.token_hex(8)}",
                owner_token=existing.owner_token if existing else secrets.token_urlsafe(24),
                ingest_secret=ingest_secret or secrets.token_urlsafe(32),
                mcp_key=secrets.token_hex(24),
            )
            self._by_project[(provider, project)] = product
        logger.info("hosted product registered product=%s provider=%s rotated=%s", product.product_id, provider,
                    existing is not None)  # fmt: skip
        base = base_url.rstrip("/")
        return {
            "product_id": product.product_id,
            "provider": provider,
            "provider_project_id": project,
            "setup": {
                "ingest_url": f"{base}/ingest/{provider}/{product.product_id}",
                "ingest_auth": "Authorization: Bearer <ingest_secret>",
                "mcp_url": f"{base}/mcp",
                "mcp_auth": "Authorization: Bearer <mcp_key>",
            },
            "credentials": {
                "ingest_secret": product.ingest_secret,
                "mcp_key": product.mcp_key,
                "owner_token": None if existing else product.owner_token,
            },
        }
