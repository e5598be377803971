"""RedisIngester in-process: resume with Last-Event-ID without duplicates, the lease, summaries once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

from autoplay_sdk.context.redis_ingest import RedisIngester
from autoplay_sdk.context.redis_store import RedisContextStore, RedisUserSessionIndex
from autoplay_sdk.testing import LocalConnector, sample_events

ROOT = Path(__file__).resolve().parents[2]


def _actions(seed: int) -> list[dict[str, Any]]:
    return [e for e in sample_events(sessions=2, seed=seed) if e["type"] == "actions"]


def _quick_lease(connector: LocalConnector, redis_url: str, prefix: str, llm: Any = None) -> RedisIngester:
    """An ingester with a short lease (0.6 s, renewed every 0.2 s), so lease tests finish quickly."""
    return RedisIngester(
        stream_url=connector.stream_url,
        token=connector.token,
        redis=redis_url,
        key_prefix=prefix,
        llm=llm,
        summary_threshold=3,
        lookback_seconds=3600.0,
        lease_s=0.6,
    )


class _CountingLlm:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, prompt: str) -> str:
        self.calls += 1
        return "summary"


async def _until(predicate: Any, timeout: float = 20.0) -> None:
    async def wait() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


async def test_a_restarted_ingester_resumes_without_loss_or_duplicates(redis_url: str, prefix: str) -> None:
    llm = _CountingLlm()
    first, second = _actions(11), _actions(12)
    with LocalConnector(first) as connector:

        def ingester() -> RedisIngester:
            return _quick_lease(connector, redis_url, prefix, llm)

        one = ingester()
        task = asyncio.create_task(one.run())
        await _until(lambda: one.last_event_id == str(len(first)))
        one.stop()
        await task
        await one.aclose()
        assert llm.calls > 0

        connector.publish_many(second)
        two = ingester()
        task = asyncio.create_task(two.run())
        await _until(lambda: two.last_event_id == str(len(first) + len(second)))
        two.stop()
        await task
        await two.aclose()
        resumed = [c for c in connector.connections if c.status == 200][-1]
        assert resumed.last_event_id == str(len(first))

    import redis

    client = redis.Redis.from_url(redis_url)
    names = list(client.scan_iter(match=prefix + "*"))
    assert any(b"ingest:last_event_id:" in n for n in names)
    assert all(client.pttl(n) > 0 for n in names)  # every key the ingester wrote expires

    store = RedisContextStore(redis_url, key_prefix=prefix, lookback_seconds=3600.0)
    index = RedisUserSessionIndex(store, redis_url, key_prefix=prefix, lookback_seconds=3600.0)
    for event in first + second:
        text = store.get(event["session_id"], product_id=event["product_id"], max_actions=None)
        for action in event["actions"]:
            assert text.count(f"{action['description']} — ") >= 1
    total_lines = sum(
        store.get(sid, product_id="demo-product", max_actions=None, include_summary=False).count("\n")
        for sid in {e["session_id"] for e in first + second}
    )
    assert total_lines == sum(len(e["actions"]) for e in first + second)  # nothing twice
    user = first[0]["user_id"]
    assert "Summary: summary" in index.get_user_activity(user)


async def test_a_second_ingester_waits_for_the_lease_and_takes_over(redis_url: str, prefix: str) -> None:
    events = _actions(13)
    with LocalConnector(events) as connector:
        llms = [_CountingLlm(), _CountingLlm()]
        made = [_quick_lease(connector, redis_url, prefix, llm) for llm in llms]
        active = asyncio.create_task(made[0].run())
        await _until(lambda: made[0].last_event_id == str(len(events)))
        standby = asyncio.create_task(made[1].run())
        await asyncio.sleep(0.5)  # a standby polls the lease: give it a few polls
        assert not [c for c in connector.connections if c.status == 200][1:]  # it did not connect
        assert llms[0].calls > 0 and llms[1].calls == 0  # summaries come from the lease holder only
        made[0].stop()
        await active
        more = _actions(14)
        connector.publish_many(more)
        await _until(lambda: made[1].last_event_id == str(len(events) + len(more)))
        made[1].stop()
        await standby
        assert made[1].skipped_replays == 0
        for m in made:
            await m.aclose()


def test_the_example_runs_and_replicas_agree(redis_server: str) -> None:
    """The example starts its own ``redis-server`` (found on PATH, as the fixture found it)."""
    result = subprocess.run(
        [sys.executable, "-W", "error", str(ROOT / "examples" / "redis_replicas.py")],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("replica A and replica B agree: True\nSession ")
    assert "[Session context]\n" in result.stdout and result.stdout.rstrip().endswith("How do I export?")


async def test_an_ingester_that_loses_its_lease_stops_reading(redis_url: str, prefix: str) -> None:
    import redis

    with LocalConnector(_actions(15)) as connector:
        ingester = _quick_lease(connector, redis_url, prefix)
        task = asyncio.create_task(ingester.run())
        await _until(lambda: ingester.last_event_id != "")
        redis.Redis.from_url(redis_url).set(prefix + "ingest:lease", "someone-else")
        await asyncio.wait_for(task, 10)  # returns on its own: another ingester owns the stream now
        assert redis.Redis.from_url(redis_url).get(prefix + "ingest:lease") == b"someone-else"
        await ingester.aclose()


async def test_stop_is_safe_from_another_thread_and_before_run(redis_url: str, prefix: str) -> None:
    import threading

    with LocalConnector(_actions(16)) as connector:
        early = _quick_lease(connector, redis_url, prefix)
        early.stop()
        await asyncio.wait_for(early.run(), 5)  # returns at once, connects nothing
        assert connector.connections == []
        await early.aclose()

        ingester = _quick_lease(connector, redis_url, prefix)
        task = asyncio.create_task(ingester.run())
        await _until(lambda: ingester.last_event_id != "")
        threading.Thread(target=ingester.stop).start()
        await asyncio.wait_for(task, 10)
        await ingester.aclose()


async def test_an_asyncio_client_can_be_passed_instead_of_a_url(redis_url: str, prefix: str) -> None:
    import redis.asyncio

    from autoplay_sdk.context.redis_store import AsyncRedisContextStore

    client = redis.asyncio.Redis.from_url(redis_url)
    store = AsyncRedisContextStore(client, key_prefix=prefix)
    event = _actions(17)[0]
    from autoplay_sdk.core.models import ActionsPayload

    assert await store.add(ActionsPayload.from_dict(event))
    assert event["actions"][0]["description"] in store.get(event["session_id"], product_id=event["product_id"])
    await store.aclose()


async def test_push_mode_writes_what_the_webhook_receiver_accepts(redis_url: str, prefix: str) -> None:
    import hashlib
    import hmac
    import json

    from autoplay_sdk.webhook_receiver import WebhookReceiver

    llm = _CountingLlm()
    ingester = RedisIngester(
        stream_url="", redis=redis_url, key_prefix=prefix, llm=llm, summary_threshold=2, lookback_seconds=3600.0
    )
    receiver = WebhookReceiver(secret="s3cret").on_actions(ingester.ingest)
    events = _actions(18)
    for event in events:
        body = json.dumps(event).encode()
        signature = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        await receiver.handle(body, signature)
    assert ingester.summarizer is not None
    await ingester.summarizer.flush()
    reader = RedisUserSessionIndex(
        RedisContextStore(redis_url, key_prefix=prefix, lookback_seconds=3600.0, max_actions=20),
        redis_url,
        key_prefix=prefix,
        lookback_seconds=3600.0,
    )
    activity = reader.get_user_activity(events[-1]["user_id"])
    assert events[-1]["actions"][-1]["description"] in activity and "Summary: summary" in activity
    assert llm.calls > 0
    await ingester.aclose()


async def test_run_without_a_stream_url_is_a_config_error(redis_url: str, prefix: str) -> None:
    import pytest

    from autoplay_sdk.core.exceptions import SdkConfigError

    ingester = RedisIngester(stream_url="", redis=redis_url, key_prefix=prefix)
    with pytest.raises(SdkConfigError, match="stream_url is empty"):
        await ingester.run()
    await ingester.aclose()


def test_the_fleet_uses_other_objects_through_their_public_api_only() -> None:
    """No ``other._private`` in the fleet package: the ingester and the roles use the stream
    client and the stores as any host could (``self._x`` is the object's own business)."""
    import ast

    reaches = []
    for path in sorted((ROOT / "autoplay_sdk" / "_fleet").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = node.value
                if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                    reaches.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert reaches == []


async def test_the_ingester_leaves_its_client_unpatched(redis_url: str, prefix: str) -> None:
    with LocalConnector(_actions(19)) as connector:
        ingester = _quick_lease(connector, redis_url, prefix)
        client = ingester.client
        task = asyncio.create_task(ingester.run())
        await _until(lambda: ingester.last_event_id != "")
        # Every method the client and its core run is their class's own: nothing was replaced
        # on an instance (the core is read here only to prove nobody patched it).
        for obj in (client, client._core):
            assert not {name for name in vars(obj) if callable(getattr(type(obj), name, None))}
        ingester.stop()
        await task
        await ingester.aclose()
