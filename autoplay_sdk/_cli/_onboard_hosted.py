"""``autoplay-sdk onboard --hosted PROVIDER``: register a PostHog/Amplitude project on the hosted connector.

Same shape as ``onboard``: a spinner while the request runs, then a table showing each secret
once (or one JSON object with ``--json``), and one ``error:`` line with no secret on failure.
Exit codes: 2 invalid input (``--force-reregister`` does not apply: pass ``--owner-token``) ·
3 already registered (409) · 4 connector unreachable · 5 connector error (notably 403: the
project is registered and the owner token is missing or wrong) · 6 the answer lacks a
credential · 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from autoplay_sdk._cli._common import Runtime
    from autoplay_sdk.admin.hosted import HostedOnboardProductResult

_MISSING_FIELDS = "Product registration did not return all required fields"


def _table(result: HostedOnboardProductResult) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    rows = [
        ("Product id", result.product_id),
        ("Ingest URL", result.ingest_url),
        ("Ingest secret", result.ingest_secret),
        ("MCP URL", result.mcp_url),
        ("MCP key", result.mcp_key),
    ]
    if result.owner_token:
        rows.append(("Owner token", result.owner_token))
    for label, value in rows:
        table.add_row(label, Text(value))
    return table


def _hosted_as_json(result: HostedOnboardProductResult) -> str:
    return json.dumps(
        {
            "product_id": result.product_id,
            "provider": result.provider,
            "provider_project_id": result.provider_project_id,
            "ingest_url": result.ingest_url,
            "ingest_secret": result.ingest_secret,
            "mcp_url": result.mcp_url,
            "mcp_key": result.mcp_key,
            "owner_token": result.owner_token,
        }
    )


def cmd_onboard_hosted(args: argparse.Namespace, rt: Runtime) -> int:
    """Run ``autoplay-sdk onboard --hosted``; returns the exit code."""
    from autoplay_sdk.admin import DEFAULT_CONNECTOR_URL
    from autoplay_sdk.admin._operator import EXIT_MISSING_CREDENTIALS, EXIT_OK, EXIT_VALIDATION, failure
    from autoplay_sdk.admin.hosted import HOSTED_CONNECTOR_URL, onboard_hosted_product_sync

    if args.force_reregister:
        rt.error("--force-reregister does not apply with --hosted: pass the project's --owner-token to re-register")
        return EXIT_VALIDATION
    connector_url = HOSTED_CONNECTOR_URL if args.connector_url == DEFAULT_CONNECTOR_URL else args.connector_url
    try:
        with rt.err_console.status(Text(f"Registering {args.hosted} project {args.product_id} on {connector_url}…")):
            result = onboard_hosted_product_sync(
                args.product_id,
                contact_email=args.contact_email,
                user_activity_provider=args.hosted,
                owner_token=args.owner_token,
                name=args.name,
                connector_url=connector_url,
                quiet=True,  # the CLI draws its own progress
            )
    except KeyboardInterrupt:
        rt.error("interrupted: the project may or may not be registered; run again with its --owner-token")
        return 130
    except RuntimeError as exc:
        if not str(exc).startswith(_MISSING_FIELDS):
            raise
        rt.error(str(exc))
        return EXIT_MISSING_CREDENTIALS
    except Exception as exc:
        outcome = failure(exc)
        if outcome is None:
            raise
        code, message = outcome
        rt.error(message.replace("--force-reregister", "--owner-token"))
        return code

    if args.json:
        rt.console.file.write(_hosted_as_json(result) + "\n")
        rt.console.file.flush()
        return EXIT_OK
    rt.console.print(Text.assemble(("✓ ", "bold green"), f"Registered {result.product_id} ({result.provider})"))
    rt.console.print(_table(result))
    hint = "Save the owner token: re-registering this project needs it.\n" if result.owner_token else ""
    rt.console.print(
        Text(
            f"Shown once: store these secrets now.\n{hint}"
            f"Next: point {result.provider} at the ingest URL with Authorization: Bearer <ingest secret>, and give "
            "your agent the MCP URL and key.",
            style="dim",
        )
    )
    return EXIT_OK
