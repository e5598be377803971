"""Reading a product's Intercom proactive configuration: quick-reply rows, tour offers, trigger configs.

``integration_config["proactive_intercom"]`` is either a list of trigger configs (each with its
``messages``) or, in the legacy shape, one dict with ``messages``.  Parsing is forgiving: a
malformed row is skipped; a malformed trigger config or tour registry is skipped and logged at
WARNING with an ``event_type`` extra; every function returns ``None``/``[]`` instead of raising
on a malformed document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.proactive.triggers.quick_reply_match import match_quick_reply_label
from autoplay_sdk.proactive.triggers.tour_registry import TourRegistry
from autoplay_sdk.proactive.triggers.trigger_config import ProactiveTriggerConfig

__all__ = [
    "TOUR_OFFER_QUICK_REPLY_BODY",
    "ProactiveIntercomMessageRow",
    "effective_tour_flow_id_for_row",
    "find_trigger_config_by_criteria",
    "match_message_row_by_inbound_text",
    "parse_proactive_intercom_messages",
    "parse_proactive_trigger_configs",
    "parse_tour_registry",
    "quick_reply_labels_from_messages_config",
    "resolve_tour_offer_for_inbound",
    "tour_offer_quick_reply_body",
]

logger = get_logger(__name__)

TOUR_OFFER_QUICK_REPLY_BODY = "Would you like me to show you?"


@dataclass(frozen=True)
class ProactiveIntercomMessageRow:
    """One quick-reply option; ``user_tour_exists`` rows offer the tour ``user_tour_id``."""

    id: str
    label: str
    user_tour_exists: bool
    user_tour_id: str | None

    @property
    def offers_tour(self) -> bool:
        return self.user_tour_exists

    @property
    def flow_id(self) -> str | None:
        return self.user_tour_id


def _row(i: int, r: Any) -> ProactiveIntercomMessageRow | None:
    if not isinstance(r, dict):
        return None
    row_id = str(r.get("id") or f"msg_{i}").strip() or f"msg_{i}"
    label = str(r.get("label") or "").strip()
    if not label:
        return None
    offers = bool(r["user_tour_exists"]) if "user_tour_exists" in r else bool(r.get("offers_tour"))
    raw_flow = r["user_tour_id"] if "user_tour_id" in r else r.get("flow_id")
    flow = str(raw_flow).strip() if raw_flow is not None else ""
    return ProactiveIntercomMessageRow(row_id, label, offers, flow or None)


def _rows(messages: Any) -> list[ProactiveIntercomMessageRow]:
    if not isinstance(messages, list):
        return []
    return [row for row in (_row(i, r) for i, r in enumerate(messages)) if row is not None]


def _config(integration_config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return integration_config if isinstance(integration_config, Mapping) else {}


def parse_proactive_intercom_messages(
    integration_config: Mapping[str, Any] | None,
) -> tuple[ProactiveIntercomMessageRow, ...] | None:
    """Every valid quick-reply row, in order, or ``None`` when there is none."""
    inter = _config(integration_config).get("proactive_intercom")
    rows: list[ProactiveIntercomMessageRow] = []
    if isinstance(inter, list):
        for entry in inter:
            if isinstance(entry, dict):
                rows.extend(_rows(entry.get("messages") or []))
    elif isinstance(inter, dict):
        messages = inter.get("messages")
        if not isinstance(messages, list) or not messages:
            return None
        rows = _rows(messages)
    else:
        return None
    return tuple(rows) or None


def quick_reply_labels_from_messages_config(integration_config: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """The labels of :func:`parse_proactive_intercom_messages`, or ``None``."""
    rows = parse_proactive_intercom_messages(integration_config)
    return tuple(r.label for r in rows) if rows else None


def match_message_row_by_inbound_text(
    rows: Sequence[ProactiveIntercomMessageRow] | None, user_message: str
) -> tuple[int | None, ProactiveIntercomMessageRow | None]:
    """``(index, row)`` of the row whose label the user typed or clicked, else ``(None, None)``."""
    rows = rows or ()
    idx = match_quick_reply_label(user_message, [r.label for r in rows])
    return (None, None) if idx is None else (idx, rows[idx])


def effective_tour_flow_id_for_row(row: ProactiveIntercomMessageRow, *, default_flow_id: str) -> str | None:
    """The flow id a row's tour offer starts: its own, else ``default_flow_id`` (may be ``""``).

    ``None`` when the row offers no tour.
    """
    if not row.user_tour_exists:
        return None
    own = (row.user_tour_id or "").strip()
    return own or (default_flow_id or "").strip()


def resolve_tour_offer_for_inbound(
    integration_config: Mapping[str, Any] | None, user_message: str, *, default_flow_id: str = ""
) -> str | None:
    """The flow id to start when ``user_message`` picks a tour-offering row, else ``None``."""
    rows = parse_proactive_intercom_messages(integration_config)
    if not rows:
        return None
    _, row = match_message_row_by_inbound_text(rows, user_message)
    return None if row is None else effective_tour_flow_id_for_row(row, default_flow_id=default_flow_id)


def tour_offer_quick_reply_body(integration_config: Mapping[str, Any] | None = None) -> str:
    """The configured ``tour_offer_body`` (stripped), else :data:`TOUR_OFFER_QUICK_REPLY_BODY`."""
    body = str(_config(integration_config).get("tour_offer_body") or "").strip()
    return body or TOUR_OFFER_QUICK_REPLY_BODY


def parse_proactive_trigger_configs(integration_config: Mapping[str, Any] | None) -> list[ProactiveTriggerConfig]:
    """The valid trigger configs of a list-shaped ``proactive_intercom``; bad entries are skipped."""
    inter = _config(integration_config).get("proactive_intercom")
    if not isinstance(inter, list):
        return []
    configs: list[ProactiveTriggerConfig] = []
    for index, entry in enumerate(inter):
        if not isinstance(entry, dict):
            got = type(entry).__name__
            logger.warning(
                "proactive trigger config %d is not a dict (%s) — skipped",
                index,
                got,
                extra={"event_type": "proactive_trigger_config_invalid_type", "index": index, "got_type": got},
            )
            continue
        try:
            configs.append(ProactiveTriggerConfig.from_dict(entry))
        except Exception:
            logger.warning(
                "proactive trigger config %d could not be parsed — skipped",
                index,
                exc_info=True,
                extra={"event_type": "proactive_trigger_config_parse_error", "index": index},
            )
    return configs


def find_trigger_config_by_criteria(
    configs: Sequence[ProactiveTriggerConfig], criteria_id: str
) -> ProactiveTriggerConfig | None:
    """The first config whose top-level criteria id is ``criteria_id``, else ``None``."""
    return next((c for c in configs if c.proactive_criteria.id == criteria_id), None)


def parse_tour_registry(integration_config: Mapping[str, Any] | None, product_id: str = "") -> TourRegistry | None:
    """The ``tour_registry`` list as a :class:`TourRegistry`; ``None`` when absent or unparsable."""
    raw = _config(integration_config).get("tour_registry")
    if not isinstance(raw, list):
        return None
    try:
        return TourRegistry.from_dict({"product_id": product_id, "tours": raw})
    except Exception:
        logger.warning(
            "tour registry could not be parsed — ignored",
            exc_info=True,
            extra={"event_type": "tour_registry_parse_error", "product_id": product_id},
        )
        return None
