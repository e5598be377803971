"""Adoption state on the live stream: which onboarding step each user is on, from real events.

    python examples/user_adoption.py                    # offline: a local connector, state in memory
    python examples/user_adoption.py --redis-url URL    # state in Redis, shared by every replica

The product ("Tasklane", the local connector's sample app) declares its onboarding plan: three
workflows, each completed by an activity signal — an action the user performs.  The wiring is
three lines: a storage, a tracker over the plan, and the tracker as the stream's actions
callback.  Every batch updates the user's adoption state (workflow progress, discovered pages,
journey) through the storage; the example then prints where each user stands.
Needs the ``serve`` extra (for the local connector); ``--redis-url`` needs ``redis``.
"""

from __future__ import annotations

import argparse
import asyncio

from autoplay_sdk import ActionsPayload, AsyncConnectorClient
from autoplay_sdk.storage import InMemoryStorageAdapter, RedisStorageAdapter, StorageManager
from autoplay_sdk.storage.live import AdoptionTracker
from autoplay_sdk.testing import LocalConnector, sample_events
from autoplay_sdk.user_adoption_state import OnboardingPlan

ORIGIN = "https://app.tasklane.example"
PLAN = OnboardingPlan.from_config(
    [
        {
            "workflow_id": "create-task",
            "name": "Create a task",
            "why": "tasks are where work happens",
            "activity_signals": {"any_of": [{"event_type": "submit", "title_contains": "create task"}]},
        },
        {
            "workflow_id": "invite-teammate",
            "name": "Invite a teammate",
            "why": "projects move faster together",
            "prerequisite_workflow_ids": ["create-task"],
            "activity_signals": {"any_of": [{"event_type": "submit", "canonical_url_glob": "*/settings/team"}]},
        },
        {
            "workflow_id": "discuss-task",
            "name": "Discuss a task",
            "why": "decisions stay next to the work",
            "activity_signals": {"any_of": [{"event_type": "submit", "title_contains": "comment", "min_count": 2}]},
        },
    ]
)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", help="keep the adoption state in Redis (default: in memory)")
    args = parser.parse_args()

    with LocalConnector() as connector:
        events = sample_events(product_id=connector.product_id, sessions=4)
        connector.publish_many(events)
        batches = sum(1 for e in events if e["type"] == "actions")

        # The wiring: a storage, a tracker over the plan, the tracker as the actions callback.
        primary = RedisStorageAdapter(args.redis_url) if args.redis_url else InMemoryStorageAdapter()
        tracker = AdoptionTracker(StorageManager([primary]), plan=PLAN)
        seen: dict[str, str] = {}  # user id -> email, for the report below
        handled = 0
        done = asyncio.Event()

        async def on_actions(payload: ActionsPayload) -> None:
            nonlocal handled
            completed = await tracker.on_actions(payload)
            user = payload.user_id or ""
            seen[user] = payload.email or user
            for workflow_id in completed:
                print(f"{seen[user]} completed {workflow_id}")
            handled += 1
            if handled == batches:
                done.set()

        client = AsyncConnectorClient(connector.stream_url, token=connector.token).on_actions(on_actions)
        task = client.run_in_background()
        await asyncio.wait_for(done.wait(), 30)
        client.stop()
        await task

        print("\nWhere each user stands:")
        for user, email in sorted(seen.items(), key=lambda item: item[1]):
            state = await tracker.get_state(connector.product_id, user)
            assert state is not None
            done_ids = state.onboarding.completed_workflow_ids
            next_ids = [wf.workflow_id for wf in PLAN.next_eligible_workflows(done_ids)]
            print(
                f"  {email}: journey={state.journey_state.value} completed={done_ids} next={next_ids} "
                f"pages={len(state.discovered_features)}"
            )
        if args.redis_url:
            await primary.aclose()  # type: ignore[union-attr]


if __name__ == "__main__":
    asyncio.run(main())
