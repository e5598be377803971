"""The operator summary blocks printed after a Render-connector registration, one per provider.

Plain text for a person (stdout, not parsed); the PostHog block is the one ``onboard_product``
has always printed.
"""

from __future__ import annotations

_RULE = "=" * 60


def _stream_key_lines(unkey_key: str | None, key_id: str | None, stream_url: str) -> list[str]:
    if not unkey_key:
        return []
    return [
        "Stream key — shown once; share it with the customer, then forget it",
        f"  Unkey key                : {unkey_key}",
        f"  key_id                   : {key_id}",
        "  The customer opens the stream with:",
        f"    GET {stream_url}",
        "    Authorization: Bearer <the Unkey key above>",
        "",
    ]


def posthog_summary_lines(
    *,
    connector_url: str,
    product_id: str,
    webhook_secret: str,
    integration_type: str,
    unkey_key: str | None,
    key_id: str | None,
) -> list[str]:
    """The PostHog webhook destination, the stream key (when minted) and the next steps."""
    base = connector_url.rstrip("/")
    webhook_url, stream_url = f"{base}/webhook/{product_id}", f"{base}/stream/{product_id}"
    lines = ["", _RULE, f"  Product registered — {product_id}", _RULE, ""]
    lines += [
        "PostHog webhook destination",
        f"  URL                      : {webhook_url}",
        f"  X-PostHog-Secret header  : {webhook_secret}",
        "",
    ]
    lines += _stream_key_lines(unkey_key, key_id, stream_url)
    lines += [
        "Next steps",
        f"  1. In PostHog, add a webhook destination → {webhook_url}",
        "     with the X-PostHog-Secret header set to the value above.",
    ]
    if integration_type == "event_stream" and unkey_key:
        lines.append("  2. Send the Unkey key to the customer over a private channel; it is not shown again.")
    lines.append("")
    return lines


def amplitude_summary_lines(
    *,
    connector_url: str,
    product_id: str,
    integration_type: str,
    unkey_key: str | None,
    key_id: str | None,
) -> list[str]:
    """The Amplitude HTTP destination (ingest URL and bearer token), the stream key and the next steps."""
    base = connector_url.rstrip("/")
    ingest_url, stream_url = f"{base}/ingest/amplitude/{product_id}", f"{base}/stream/{product_id}"
    lines = ["", _RULE, f"  Product registered — {product_id}", _RULE, ""]
    lines += ["Amplitude HTTP destination", f"  Endpoint                 : {ingest_url}"]
    if unkey_key:
        lines.append(f"  Bearer token             : {unkey_key}")
    lines.append("")
    lines += _stream_key_lines(unkey_key, key_id, stream_url)
    token = "the bearer token above" if unkey_key else "the bearer token you were given"
    lines += [
        "Next steps",
        "  1. In Amplitude (Data → Connections → Event Streaming), create an HTTP destination:",
        f"     endpoint {ingest_url}, Bearer authentication with {token}, all events.",
    ]
    if integration_type == "event_stream" and unkey_key:
        lines.append("  2. Send the Unkey key to the customer over a private channel; it is not shown again.")
    lines.append("")
    return lines


def print_lines(lines: list[str]) -> None:
    for line in lines:
        print(line)
