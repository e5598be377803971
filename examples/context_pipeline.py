"""Session context end to end: stream → store, summarizer and user index → an enriched question.

    python examples/context_pipeline.py                      # against a local connector it starts
    python examples/context_pipeline.py URL --token TOKEN    # against a real connector stream

With no URL it starts a local connector with sample sessions, waits until every event has
arrived, prints what a chatbot would be given, and ends; with a URL it runs until Ctrl-C and
prints the same for the most recent user on the way out.  The LLM is the SDK's offline stand-in,
so nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import threading

from autoplay_sdk import (
    ActionsPayload,
    ConnectorClient,
    ContextStore,
    SessionSummarizer,
    SummaryPayload,
    UserSessionIndex,
)
from autoplay_sdk.testing import local_summarizer_llm_sync, stream_source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", help="connector stream URL (default: start a local connector)")
    parser.add_argument("--token", default="", help="bearer token (default: $AUTOPLAY_APP_UNKEY_TOKEN)")
    args = parser.parse_args()

    # Every component is bounded by default; these options only tighten the windows.
    summarizer = SessionSummarizer(llm=local_summarizer_llm_sync, threshold=8, llm_timeout_s=30)
    store = ContextStore(summarizer=summarizer, lookback_seconds=3600, max_actions=12, session_ttl_s=1800)
    index = UserSessionIndex(store, lookback_seconds=3600)

    received = 0
    last_user: list[str] = []
    all_in = threading.Event()

    # Your stream, or else a local connector with 4 sample sessions (expected: how many it serves).
    with stream_source(args.url, args.token, sessions=4) as source:
        url, token, expected = source.url, source.token, source.expected

        def counted() -> None:
            nonlocal received
            received += 1
            if expected is not None and received >= expected:
                all_in.set()

        def on_actions(payload: ActionsPayload) -> None:
            store.add(payload)  # recent actions, per (product, session)
            index.add(payload)  # user -> recent sessions
            summarizer.add(payload)  # every 8 actions: a summary, stored by the store
            if payload.user_id:
                last_user[:] = [payload.user_id]
            counted()

        def on_summary(payload: SummaryPayload) -> None:
            counted()  # the connector's own summaries; this example keeps its own

        client = ConnectorClient(url, token=token).on_actions(on_actions).on_summary(on_summary)
        client.run_in_background()
        try:
            all_in.wait(timeout=None if expected is None else 60)
        except KeyboardInterrupt:
            pass
        finally:
            client.stop()

    if not last_user:
        print("no user activity received")
        return
    user = last_user[0]
    latest = index.get_recent_sessions(user)[0]
    question = "How do I invite a teammate to my project?"
    print(store.enrich(latest.session_id, question, product_id=latest.product_id))
    print()
    print(f"--- everything user {user} did recently ---")
    print(index.get_user_activity(user))


if __name__ == "__main__":
    main()
