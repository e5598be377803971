#!/usr/bin/env python3
"""Register a customer's product on the Autoplay event connector (shell / CI front-end).

    python scripts/onboard_customer.py --product-id acme --contact-email ops@acme.io \\
        [--connector-url URL] [--force-reregister] [--webhook-secret SECRET]

Runs :func:`autoplay_sdk.admin.product_onboarding.run_product_onboarding` with explicit
``OnboardingRunParams``: progress lines, then the operator summary on stdout, which shows the
webhook secret and the stream key exactly once.  Nothing is logged; stderr gets at most one
line, and never a secret.  ``ONBOARD_FORCE_REREGISTER=1`` is read as ``--force-reregister``
(older CI flows use it).

Exit codes: 0 registered · 2 invalid input or usage · 3 already registered (use
--force-reregister) · 4 connector unreachable · 5 connector error · 6 no stream key returned.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from collections.abc import Sequence

from autoplay_sdk.admin import DEFAULT_CONNECTOR_URL
from autoplay_sdk.admin._operator import EXIT_OK, failure, in_command_terms, normalized_inputs
from autoplay_sdk.admin.product_onboarding import OnboardingRunParams, run_product_onboarding

_TRUE = frozenset({"1", "true", "yes", "on"})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onboard_customer.py",
        description="Register a product on the Autoplay event connector and print its credentials once.",
    )
    parser.add_argument("--product-id", required=True, help="the product id used in posthog.identify")
    parser.add_argument("--contact-email", required=True, help="contact email of the product")
    parser.add_argument(
        "--connector-url",
        default=DEFAULT_CONNECTOR_URL,
        help="event connector base URL (default: %(default)s)",
    )
    parser.add_argument(
        "--force-reregister",
        action="store_true",
        default=os.environ.get("ONBOARD_FORCE_REREGISTER", "").strip().lower() in _TRUE,
        help="replace an existing registration, rotating its secret and key (env: ONBOARD_FORCE_REREGISTER=1)",
    )
    parser.add_argument(
        "--webhook-secret",
        default=None,
        help="X-PostHog-Secret to propose (default: a fresh random one; the connector may replace it)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        product_id, email, base = normalized_inputs(
            args.product_id, args.contact_email, args.connector_url, DEFAULT_CONNECTOR_URL
        )
        secret = (args.webhook_secret or "").strip() or secrets.token_urlsafe(32)
        params = OnboardingRunParams(
            connector_url=base,
            admin_key="",
            product_id=product_id,
            contact_email=email,
            webhook_secret=secret,
            integration_type="event_stream",
            print_operator_summary=True,
            quiet=False,
            force_reregister=args.force_reregister,
        )
        asyncio.run(run_product_onboarding(params))
    except Exception as exc:
        outcome = failure(exc)
        if outcome is None:
            raise
        code, message = outcome
        message = in_command_terms(message, command="onboard_customer.py", product_id_arg="--product-id")
        sys.stdout.flush()
        print(f"onboard_customer: error: {message}", file=sys.stderr)
        return code
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
