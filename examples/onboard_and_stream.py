"""Onboard a product, hand its stream key over, and stream with it — the whole operator journey.

    python examples/onboard_and_stream.py                       # offline: starts a local connector
    python examples/onboard_and_stream.py --connector-url URL   # against a real connector

Offline, the example starts :class:`autoplay_sdk.testing.LocalConnector` (needs the ``serve``
extra), registers ``example-product`` on it, publishes sample events for that product and
streams them back with the freshly minted key.  Against a real connector it registers the
product (``--force-reregister`` rotates an existing one) and streams for ``--seconds``.
It ends by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import threading

from autoplay_sdk import ConnectorClient
from autoplay_sdk.admin import ProductAlreadyRegisteredError, onboard_product_sync


def stream(url: str, key: str, *, expected: int | None, seconds: float) -> int:
    """Stream ``url`` with ``key`` until ``expected`` payloads arrived or ``seconds`` passed; returns the count."""
    received: list[str] = []
    enough = threading.Event()

    def on_payload(payload: object) -> None:
        received.append(type(payload).__name__)
        if expected is not None and len(received) >= expected:
            enough.set()

    client = ConnectorClient(url, token=key).on_actions(on_payload).on_summary(on_payload)
    client.run_in_background()
    enough.wait(seconds)
    client.stop()
    return len(received)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connector-url", help="a running connector (default: start a local one)")
    parser.add_argument("--product-id", default="example-product")
    parser.add_argument("--contact-email", default="ops@example.com")
    parser.add_argument("--force-reregister", action="store_true")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to stream at most")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        local = None
        if args.connector_url is None:
            from autoplay_sdk.testing import LocalConnector

            local = stack.enter_context(LocalConnector())
        base_url = args.connector_url or local.base_url  # type: ignore[union-attr]

        # 1. The operator registers the product; every credential comes back once.
        try:
            result = onboard_product_sync(
                args.product_id,
                contact_email=args.contact_email,
                connector_url=base_url,
                force_reregister=args.force_reregister,
                print_operator_summary=True,
            )
        except ProductAlreadyRegisteredError:
            print(f"{args.product_id} is already registered: rerun with --force-reregister to rotate its key.")
            return 3

        # 2. The customer streams with the key they were handed.
        expected = None
        if local is not None:
            from autoplay_sdk.testing import sample_events

            events = sample_events(product_id=result.product_id, sessions=2)
            local.publish_many(events, product_id=result.product_id)
            expected = len(events)
        count = stream(result.stream_url, result.unkey_key, expected=expected, seconds=args.seconds)
        print(f"Streamed {count} payloads from {result.stream_url} with the new key.")
        return 0 if expected is None or count == expected else 1


if __name__ == "__main__":
    raise SystemExit(main())
