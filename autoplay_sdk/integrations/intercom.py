"""Intercom helpers: constants and builders for URLs, headers and JSON bodies.

Everything here is a pure function or a constant.  Nothing performs I/O or logs: the caller
sends every HTTP request with the client of its choice, using these helpers for the exact
URL, headers and body.  The wire targets are:

* ``POST {INTERCOM_REST_API_BASE}/conversations/{conversation_id}/reply`` — proactive quick
  reply: :func:`intercom_quick_reply_http_headers` + :func:`build_intercom_quick_reply_reply_payload`.
* ``POST …/contacts/search`` — find a contact: :func:`intercom_rest_json_headers` +
  :func:`contacts_search_query_email` / :func:`contacts_search_query_external_id`.
* ``POST …/conversations`` — open a user-initiated thread: :func:`intercom_rest_json_headers` +
  :func:`build_create_user_conversation_payload`.
* ``DELETE …/conversations/{id}?retain_metrics=…`` — idle teardown:
  :func:`build_intercom_delete_conversation_request` (2xx or 404 count as success).
* Connector endpoints: :func:`intercom_chatbot_webhook_url`,
  :func:`intercom_connector_llm_prompt_labels_url` (+ its request body) and the browser snippet of
  :func:`format_reactive_session_link_script` (``POST /sessions/link``).

Decisions:

* The module defines no ``__all__`` (as published); the package ``autoplay_sdk.integrations``
  re-exports the 31 public helpers.
* ``DEFAULT_PROACTIVE_QUICK_REPLY_BODY`` comes from the leaf module
  ``autoplay_sdk.integrations._constants`` instead of ``proactive.triggers.defaults``: that import
  made the published package fail with a circular ``ImportError`` in a fresh interpreter.
* :func:`format_reactive_session_link_script` also guards the PostHog lookup with ``try``/``catch``
  so that the snippet never throws into the host page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Re-exported on purpose (``as`` form: explicit for type checkers): users import it from here.
from autoplay_sdk.integrations._constants import (
    DEFAULT_PROACTIVE_QUICK_REPLY_BODY as DEFAULT_PROACTIVE_QUICK_REPLY_BODY,
)

INTERCOM_WEBHOOK_TOPIC_USER_CREATED = "conversation.user.created"
INTERCOM_WEBHOOK_TOPIC_USER_REPLIED = "conversation.user.replied"
INTERCOM_WEBHOOK_TOPICS: tuple[str, ...] = (
    INTERCOM_WEBHOOK_TOPIC_USER_CREATED,
    INTERCOM_WEBHOOK_TOPIC_USER_REPLIED,
)
INTERCOM_REST_API_BASE = "https://api.intercom.io"
INTERCOM_PROACTIVE_PROMPTS_MAX = 3
INTERCOM_HTTP_HEADER_VERSION = "Intercom-Version"
INTERCOM_API_VERSION_QUICK_REPLY = "Unstable"
INTERCOM_API_VERSION_UNSTABLE = INTERCOM_API_VERSION_QUICK_REPLY
INTERCOM_API_VERSION_REST = "2.11"
INTERCOM_API_VERSION_DELETE_CONVERSATION = "2.15"
INTERCOM_PROACTIVE_QUICK_REPLY_DEFAULT_BODY = DEFAULT_PROACTIVE_QUICK_REPLY_BODY
INTERCOM_CREATE_CONVERSATION_DEFAULT_BODY = "Hi, I'd like some help based on my recent session."

_SESSIONS_LINK_PATH = "/sessions/link"

# ``str.format`` template; literal JavaScript braces are doubled.
REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE = """<script>
  window.Intercom("onConversationStarted", function (data) {{
    var sessionId = null;
    try {{
      if (typeof posthog !== "undefined") {{
        sessionId = posthog.get_session_id();
      }}
    }} catch (err) {{
      sessionId = null;
    }}
    if (!sessionId || !data || !data.conversation_id) {{
      return;
    }}
    fetch("https://{connector_hostname}" + "{fetch_path}", {{
      method: "POST",
      headers: {{ "Content-Type": "application/json" }},
      body: JSON.stringify({{
        product_id: "{product_id}",
        session_id: sessionId,
        conversation_id: data.conversation_id
      }})
    }}).catch(function (err) {{
      console.warn("[autoplay] could not link the session to the conversation:", err);
    }});
  }});
</script>"""

# The same script with the session id read by an integrator-supplied JavaScript expression
# (``{session_id_js}``); used when ``format_reactive_session_link_script`` gets ``session_id_js``.
REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE_CUSTOM_SESSION_JS = REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE.replace(
    """      if (typeof posthog !== "undefined") {{
        sessionId = posthog.get_session_id();
      }}
""",
    """      sessionId = {session_id_js};
""",
)

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_PRODUCT_ID_ERROR = "product_id must be non-empty and must not contain '/'"


# --------------------------------------------------------------------------- connector URLs


def _connector_base(connector_host: str) -> str:
    host = connector_host.strip().rstrip("/")
    if not host:
        raise ValueError("connector_host must be non-empty")
    if host.startswith(("http://", "https://")):
        return host
    return f"https://{host}"


def _connector_url(connector_host: str, product_id: str, path: str) -> str:
    base = _connector_base(connector_host)
    if not product_id or "/" in product_id:
        raise ValueError(_PRODUCT_ID_ERROR)
    return f"{base}/{path}/{product_id}"


def intercom_chatbot_webhook_url(connector_host: str, product_id: str) -> str:
    """The connector URL to register as the Intercom webhook: ``{base}/chatbot-webhook/{product_id}``.

    ``connector_host`` is stripped of whitespace and trailing ``/``; a value starting with
    ``http://`` or ``https://`` is kept as is (path included), anything else gets ``https://``.
    ``product_id`` is used verbatim (not stripped, not encoded).

    Raises ``ValueError("connector_host must be non-empty")`` for a blank host (checked first),
    then ``ValueError("product_id must be non-empty and must not contain '/'")``.
    """
    return _connector_url(connector_host, product_id, "chatbot-webhook")


def intercom_connector_llm_prompt_labels_url(connector_host: str, product_id: str) -> str:
    """The connector URL for LLM quick-reply labels: ``{base}/intercom/proactive/{product_id}``.

    Same host normalisation and ``ValueError``\\ s as :func:`intercom_chatbot_webhook_url`.  The
    caller POSTs :func:`build_connector_llm_prompt_labels_request_body` there with the
    connector's admin key.
    """
    return _connector_url(connector_host, product_id, "intercom/proactive")


def build_connector_llm_prompt_labels_request_body(
    *, session_id: str = "", conversation_id: str = "", action_count: int = 1
) -> dict[str, Any]:
    """Body for ``POST …/intercom/proactive/{product_id}``.

    Returns ``{"session_id": <stripped>, "conversation_id": <stripped>, "action_count":
    int(action_count)}``; ``int()`` raises ``ValueError``/``TypeError`` for a non-numeric count.
    """
    return {
        "session_id": session_id.strip(),
        "conversation_id": conversation_id.strip(),
        "action_count": int(action_count),
    }


# --------------------------------------------------------------------------- Intercom REST


def intercom_rest_json_headers(access_token: str, *, api_version: str = INTERCOM_API_VERSION_REST) -> dict[str, str]:
    """JSON headers for the Intercom REST API, in this key order.

    ``Authorization: Bearer <stripped token>``, ``Content-Type`` and ``Accept``
    ``application/json``, and ``Intercom-Version: <stripped api_version>`` (an empty version
    falls back to ``"2.11"``).
    """
    return {
        "Authorization": f"Bearer {access_token.strip()}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        INTERCOM_HTTP_HEADER_VERSION: (api_version or INTERCOM_API_VERSION_REST).strip(),
    }


def intercom_quick_reply_http_headers(access_token: str) -> dict[str, str]:
    """Headers for the quick-reply ``POST …/conversations/{id}/reply``.

    ``Authorization: Bearer <stripped token>``, ``Content-Type: application/json`` and
    ``Intercom-Version: Unstable`` — deliberately no ``Accept`` header.
    """
    return {
        "Authorization": f"Bearer {access_token.strip()}",
        "Content-Type": "application/json",
        INTERCOM_HTTP_HEADER_VERSION: INTERCOM_API_VERSION_QUICK_REPLY,
    }


def intercom_delete_conversation_url(conversation_id: str, *, retain_metrics: bool = True) -> str:
    """``https://api.intercom.io/conversations/{id}?retain_metrics=true|false``.

    The id is stripped (``None`` counts as ``""``) and not URL-encoded.
    """
    cid = (conversation_id or "").strip()
    flag = "true" if retain_metrics else "false"
    return f"{INTERCOM_REST_API_BASE}/conversations/{cid}?retain_metrics={flag}"


def intercom_delete_conversation_headers(access_token: str) -> dict[str, str]:
    """The REST JSON headers with ``Intercom-Version: 2.15`` (required by the delete endpoint)."""
    return intercom_rest_json_headers(access_token, api_version=INTERCOM_API_VERSION_DELETE_CONVERSATION)


def build_intercom_delete_conversation_request(
    access_token: str, conversation_id: str, *, retain_metrics: bool = True
) -> tuple[str, dict[str, str]]:
    """``(url, headers)`` for the caller's ``DELETE`` of a conversation.

    A 2xx or a 404 response both mean the conversation is gone.
    """
    return (
        intercom_delete_conversation_url(conversation_id, retain_metrics=retain_metrics),
        intercom_delete_conversation_headers(access_token),
    )


def _contacts_search_query(field: str, value: str) -> dict[str, Any]:
    return {"query": {"field": field, "operator": "=", "value": (value or "").strip()}}


def contacts_search_query_email(email: str) -> dict[str, Any]:
    """Body for ``POST …/contacts/search`` matching the stripped ``email`` exactly."""
    return _contacts_search_query("email", email)


def contacts_search_query_external_id(external_id: str) -> dict[str, Any]:
    """Body for ``POST …/contacts/search`` matching the stripped ``external_id`` exactly."""
    return _contacts_search_query("external_id", external_id)


def first_contact_id_from_search_response(body: Any) -> str | None:
    """The id of the first contact in a ``contacts/search`` response, or ``None``.

    Returns ``str(body["data"][0]["id"]).strip()``; ``None`` when any level is missing or of the
    wrong type, when the id is ``None``, or when it is blank.  Never raises.
    """
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    if not isinstance(data, list) or not data:
        return None
    first = data[0]
    if not isinstance(first, dict) or first.get("id") is None:
        return None
    return str(first["id"]).strip() or None


def build_create_user_conversation_payload(user_intercom_id: str, body: str | None = None) -> dict[str, Any]:
    """Body for ``POST …/conversations`` opening a thread on behalf of the user.

    ``{"from": {"type": "user", "id": <stripped id>}, "body": <stripped body>}``; a falsy ``body``
    uses :data:`INTERCOM_CREATE_CONVERSATION_DEFAULT_BODY` (a whitespace-only body yields ``""``).
    """
    return {
        "from": {"type": "user", "id": (user_intercom_id or "").strip()},
        "body": (body or INTERCOM_CREATE_CONVERSATION_DEFAULT_BODY).strip(),
    }


def conversation_id_from_create_conversation_response(data: Any) -> str | None:
    """The conversation id from a create-conversation response, or ``None``.

    Candidates, in order: ``data["conversation_id"]``, ``data["id"]``, then (when
    ``data["conversation"]`` is a dict) its ``"id"`` and its ``"conversation_id"``.  The first
    non-``None`` candidate whose ``str()`` is non-blank is returned stripped.  Never raises.
    """
    if not isinstance(data, dict):
        return None
    candidates = [data.get("conversation_id"), data.get("id")]
    nested = data.get("conversation")
    if isinstance(nested, dict):
        candidates += [nested.get("id"), nested.get("conversation_id")]
    for value in candidates:
        if value is not None and (text := str(value).strip()):
            return text
    return None


def normalize_intercom_quick_reply_labels(prompts: Sequence[str]) -> list[str]:
    """At most :data:`INTERCOM_PROACTIVE_PROMPTS_MAX` (3) non-blank labels, stripped, in order.

    Each item is converted with ``str()`` (so ``None`` becomes ``"None"``); iteration stops as
    soon as three labels are kept.
    """
    labels: list[str] = []
    for prompt in prompts:
        if len(labels) >= INTERCOM_PROACTIVE_PROMPTS_MAX:
            break
        label = str(prompt).strip()
        if label:
            labels.append(label)
    return labels


def _reply_option_uuid(label: str) -> str:
    return _NON_SLUG.sub("_", label.lower()).strip("_") or "option"


def build_intercom_quick_reply_reply_payload(
    *, admin_id: str, body: str, prompt_labels: Sequence[str]
) -> dict[str, Any]:
    """Body for ``POST …/conversations/{id}/reply`` posting quick-reply buttons as an admin.

    ``{"message_type": "quick_reply", "type": "admin", "admin_id": <stripped>, "body": body,
    "reply_options": [{"text": label, "uuid": slug}, …]}``.  ``body`` is sent as given.  Labels go
    through :func:`normalize_intercom_quick_reply_labels`; each slug is the lower-cased label with
    every run of characters outside ``[a-z0-9]`` replaced by ``_`` and the ends stripped of ``_``,
    or ``"option"`` when nothing remains.  Duplicate slugs are kept.  Send it with
    :func:`intercom_quick_reply_http_headers`.
    """
    return {
        "message_type": "quick_reply",
        "type": "admin",
        "admin_id": admin_id.strip(),
        "body": body,
        "reply_options": [
            {"text": label, "uuid": _reply_option_uuid(label)}
            for label in normalize_intercom_quick_reply_labels(prompt_labels)
        ],
    }


# --------------------------------------------------------------------------- trigger predicates


def _url_sequence(urls: Sequence[str | None]) -> list[str]:
    return [s for s in (str(u).strip() for u in urls if u is not None) if s]


def proactive_trigger_canonical_url_ping_pong(urls: Sequence[str | None], *, min_cycles: int = 1) -> bool:
    """True when the user bounced between pages A → B → A at least ``min_cycles`` times.

    ``None`` and blank entries are dropped and the rest stripped; with fewer than three left the
    result is ``False``.  Every index ``i`` with ``seq[i] == seq[i+2] != seq[i+1]`` counts one
    cycle (triples overlap).
    """
    return proactive_trigger_canonical_url_ping_pong_projects_either_leg(
        urls, projects_substring="", min_cycles=min_cycles
    )


def proactive_trigger_canonical_url_ping_pong_projects_either_leg(
    urls: Sequence[str | None], *, projects_substring: str = "projects", min_cycles: int = 1
) -> bool:
    """Like :func:`proactive_trigger_canonical_url_ping_pong`, restricted to matching pages.

    A triple A, B, A counts only when the stripped ``projects_substring`` occurs (case-sensitive)
    in A or in B; an empty substring counts every triple.
    """
    seq = _url_sequence(urls)
    if len(seq) < 3:
        return False
    sub = projects_substring.strip()
    cycles = 0
    for a, b, c in zip(seq, seq[1:], seq[2:], strict=False):
        if a == c and a != b and (not sub or sub in a or sub in b):
            cycles += 1
    return cycles >= min_cycles


@dataclass
class IntercomProactivePolicyConfig:
    """Proactive-message policy of an Intercom integration (values are stored unvalidated)."""

    enabled: bool = True
    min_actions: int = 1
    cooldown_seconds: float = 0.0

    def to_integration_config_fragment(self) -> dict[str, dict[str, Any]]:
        """``{"proactive": {"enabled": …, "min_actions": …, "cooldown_seconds": …}}``, as stored."""
        return {
            "proactive": {
                "enabled": self.enabled,
                "min_actions": self.min_actions,
                "cooldown_seconds": self.cooldown_seconds,
            }
        }


# --------------------------------------------------------------------------- browser snippet


def _connector_hostname(connector_host: str) -> str:
    host = connector_host.strip().rstrip("/")
    for scheme in ("https://", "http://"):
        if host.startswith(scheme):
            host = host[len(scheme) :]
            break
    return host.split("/", 1)[0]


def format_reactive_session_link_script(connector_host: str, product_id: str, session_id_js: str | None = None) -> str:
    """A ``<script>`` element linking the Intercom conversation to the PostHog session.

    When Intercom reports ``onConversationStarted``, the snippet reads
    ``posthog.get_session_id()`` (if PostHog is loaded) and POSTs
    ``{"product_id", "session_id", "conversation_id"}`` as JSON to
    ``https://<host>/sessions/link``.  It returns early without a session or conversation id and
    reports a failed request with ``console.warn("[autoplay] …")``; it never throws into the page.

    ``<host>`` is ``connector_host`` stripped of whitespace, trailing ``/``, a leading
    ``https://``/``http://`` and any path (a port is kept); the request always uses ``https``.
    Each ``"`` in ``product_id`` is escaped as ``\\"`` — pass a plain id, other characters are
    inserted as given.  No validation; the result has no trailing newline.

    ``session_id_js`` replaces the PostHog lookup with another JavaScript expression that gives
    the session id (e.g. ``AmplitudeProvider().get_session_id_js()``).  It is trusted code from
    the integrator, inserted verbatim (neither escaped nor checked); a throw is caught like
    PostHog's.
    """
    if session_id_js is not None:
        return REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE_CUSTOM_SESSION_JS.format(
            connector_hostname=_connector_hostname(connector_host),
            fetch_path=_SESSIONS_LINK_PATH,
            product_id=product_id.replace('"', '\\"'),
            session_id_js=session_id_js,
        )
    return REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE.format(
        connector_hostname=_connector_hostname(connector_host),
        fetch_path=_SESSIONS_LINK_PATH,
        product_id=product_id.replace('"', '\\"'),
    )
