"""Push mode end to end: a FastAPI receiving endpoint fed by the local connector, offline.

    python examples/push_receiver.py                         # demo: receiver + local connector pushing
    python examples/push_receiver.py --serve --secret S      # only the receiver, until Ctrl-C

Needs the extra: pip install 'autoplay-sdk[serve]' (this SDK, installed as in its README: PyPI's
autoplay-sdk is a different package).  The demo starts the endpoint on a free
port, starts a local connector that POSTs its sample sessions there (signed, retried on 5xx),
prints what arrives and ends once everything is in.  With --serve, point a connector at
http://<host>:<port>/webhook (e.g. `autoplay-sdk connector --push-url ... --push-secret S`).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
import threading

import uvicorn

from autoplay_sdk import ActionsPayload, SummaryPayload, WebhookReceiver
from autoplay_sdk.api.webhook import build_webhook_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true", help="run only the receiver, until Ctrl-C")
    parser.add_argument("--secret", default="", help="shared signing secret (default: a random one)")
    parser.add_argument("--port", type=int, default=0, help="port for --serve (default: a free one)")
    args = parser.parse_args()
    secret = args.secret or secrets.token_hex(16)

    received: list[object] = []
    expected: int | None = None
    all_in = threading.Event()

    def on_actions(payload: ActionsPayload) -> None:
        received.append(payload)
        print(f"actions  session={payload.session_id} count={payload.count}")
        if expected is not None and len(received) >= expected:
            all_in.set()

    async def on_summary(payload: SummaryPayload) -> None:  # async callbacks are awaited
        received.append(payload)
        print(f"summary  session={payload.session_id} {payload.summary[:60]!r}")
        if expected is not None and len(received) >= expected:
            all_in.set()

    # dedupe_window drops a delivery the connector retried after a timeout
    receiver = WebhookReceiver(secret, on_actions=on_actions, on_summary=on_summary, dedupe_window=1024)
    app = build_webhook_app(receiver, path="/webhook")

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/webhook"
    try:
        if args.serve:
            print(f"receiving on {url}; Ctrl-C to stop")
            threading.Event().wait()
        from autoplay_sdk.testing import LocalConnector, sample_events

        events = sample_events()
        expected = len(events)
        with LocalConnector(events, push_url=url, push_secret=secret) as connector:
            if not all_in.wait(30):
                raise SystemExit(f"only {len(received)} of {expected} events arrived")
            assert connector.pusher is not None
            connector.pusher.flush(10)
            print(f"received {len(received)} payloads; sender: {connector.pusher.stats}")
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


if __name__ == "__main__":
    main()
