"""``autoplay-sdk onboard``: register a product on a connector and show its credentials once.

A thin shell over :func:`autoplay_sdk.admin.onboard_product`: a spinner on stderr while the
request runs, then either a table of the credentials (each secret appears exactly once) or,
with ``--json``, one JSON object on stdout for scripts.  Failures are one ``error:`` line on
stderr, never with a secret, and a distinct exit code:

2 usage or invalid input · 3 already registered (use ``--force-reregister``) · 4 connector
unreachable · 5 connector error (any other status or a malformed answer) · 6 the connector
returned no stream key · 130 interrupted (Ctrl-C) while the request was in flight.

``--hosted posthog|amplitude`` registers on the hosted connector instead
(:func:`autoplay_sdk.admin.hosted.onboard_hosted_product`): PRODUCT_ID is then the provider's
project id, the connector issues the product id, and the credentials are the ingest URL and
secret, the MCP URL and key, and (first registration only) the owner token — pass it back with
``--owner-token`` to re-register.  The connector URL defaults to the hosted one; a local
connector (``autoplay-sdk connector``) answers both contracts.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

EXIT_INTERRUPTED = 130  # the shell convention for Ctrl-C

if TYPE_CHECKING:
    from autoplay_sdk._cli._common import Runtime
    from autoplay_sdk.admin import OnboardProductResult


def add_parser(commands: Any, *, parents: list[argparse.ArgumentParser]) -> None:
    """Register the ``onboard`` sub-command on ``commands`` (an argparse sub-parsers object); it runs
    :func:`cmd_onboard`."""
    from autoplay_sdk.admin import DEFAULT_CONNECTOR_URL

    parser = commands.add_parser(
        "onboard",
        parents=parents,
        help="register a product on a connector and show its credentials once",
        description="Register PRODUCT_ID on the event connector (POST /products) and print the PostHog webhook "
        "URL and secret, the stream URL and the stream key. Secrets are shown once; store them now.",
    )
    parser.add_argument("product_id", metavar="PRODUCT_ID", help="the product id used in posthog.identify")
    parser.add_argument("--contact-email", required=True, help="contact email of the product (required)")
    parser.add_argument(
        "--connector-url",
        default=DEFAULT_CONNECTOR_URL,
        help="connector base URL, e.g. http://127.0.0.1:8765 for `autoplay-sdk connector` (default: %(default)s)",
    )
    parser.add_argument(
        "--force-reregister",
        action="store_true",
        help="replace an existing registration (rotates the webhook secret and the stream key)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    parser.add_argument(
        "--hosted",
        metavar="PROVIDER",
        choices=("posthog", "amplitude"),
        help="register on the hosted connector for this provider (posthog or amplitude); PRODUCT_ID is then the "
        "provider's project id",
    )
    parser.add_argument("--owner-token", help="with --hosted: the owner token, to re-register a project")
    parser.add_argument("--name", help="with --hosted: a display name for the product")
    parser.set_defaults(run=cmd_onboard)


def _as_json(result: OnboardProductResult) -> str:
    return json.dumps(
        {
            "product_id": result.product_id,
            "webhook_url": result.webhook_url,
            "stream_url": result.stream_url,
            "webhook_secret": result.webhook_secret,
            "integration_type": result.integration_type,
            "render_sync_performed": result.render_sync_performed,
            "unkey_key": result.unkey_key,
            "unkey_key_id": result.unkey_key_id,
        }
    )


def _credentials_table(result: OnboardProductResult) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in (
        ("PostHog webhook URL", result.webhook_url),
        ("X-PostHog-Secret", result.webhook_secret),
        ("Stream URL", result.stream_url),
        ("Stream key", result.unkey_key),
        ("Key id", result.unkey_key_id),
    ):
        table.add_row(label, Text(value))
    return table


def cmd_onboard(args: argparse.Namespace, rt: Runtime) -> int:
    """Run ``autoplay-sdk onboard``; returns the exit code."""
    if getattr(args, "hosted", None):
        from autoplay_sdk._cli._onboard_hosted import cmd_onboard_hosted

        return cmd_onboard_hosted(args, rt)
    from autoplay_sdk.admin import onboard_product_sync
    from autoplay_sdk.admin._operator import EXIT_OK, failure, in_command_terms

    try:
        with rt.err_console.status(Text(f"Registering {args.product_id} on {args.connector_url}…")):
            result = onboard_product_sync(
                args.product_id,
                contact_email=args.contact_email,
                connector_url=args.connector_url,
                force_reregister=args.force_reregister,
                quiet=True,  # this command draws its own progress
            )
    except KeyboardInterrupt:
        rt.error(
            "interrupted: the product may or may not be registered; run again, with --force-reregister "
            "if it answers 'already registered'"
        )
        return EXIT_INTERRUPTED
    except Exception as exc:
        outcome = failure(exc)
        if outcome is None:
            raise
        code, message = outcome
        rt.error(in_command_terms(message, command="autoplay-sdk onboard", product_id_arg="PRODUCT_ID"))
        return code

    if args.json:
        rt.console.file.write(_as_json(result) + "\n")
        rt.console.file.flush()
        return EXIT_OK
    action = "Re-registered" if args.force_reregister else "Registered"
    rt.console.print(Text.assemble(("✓ ", "bold green"), f"{action} {result.product_id}"))
    rt.console.print(_credentials_table(result))
    rt.console.print(
        Text(
            "Shown once: store the webhook secret and the stream key now.\n"
            "Next: add the PostHog webhook destination with that URL and X-PostHog-Secret header, hand the "
            "stream key to the customer, and watch the stream with:\n"
            f"  autoplay-sdk tail {result.stream_url} --token <stream key>",
            style="dim",
        )
    )
    return EXIT_OK
