"""Adoption state across replicas: two real processes on one redis-server, checked against the in-memory adapter."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from unittest import mock

import redis.asyncio as aioredis

from autoplay_sdk.storage import InMemoryStorageAdapter, session_key
from tests.storage._ops import apply_op

_ROOT = Path(__file__).resolve().parents[2]
_USERS = [f"user{i}" for i in range(12)]


def _spawn(redis_url: str, product: str, ops: list[list[Any]], tmp_path: Path, name: str) -> subprocess.Popen[str]:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(ops), encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.storage._replica", redis_url, product, str(path)],
        cwd=_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc: subprocess.Popen[str]) -> list[Any]:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return list(json.loads(out))


def test_sessions_handed_between_replicas_match_in_memory(redis_url: str, tmp_path: Path) -> None:
    """Replica A starts sessions, replica B ends them, A starts the next: Redis ends where memory ends."""
    product = f"rep{uuid.uuid4().hex[:8]}"
    phases = [
        [["start", u, "s1"] for u in _USERS],
        [["end", u, "s1", ["a"] if i % 2 else ["a", "b"]] for i, u in enumerate(_USERS)],
        [["start", u, "s2"] for u in _USERS] + [["get_snap", u, "s1"] for u in _USERS],
    ]
    results = []
    for index, ops in enumerate(phases):  # A, B, A: each phase is a fresh process
        results.append(_result(_spawn(redis_url, product, ops, tmp_path, f"phase{index}")))

    async def expected() -> list[list[Any]]:
        memory = InMemoryStorageAdapter()
        out: list[list[Any]] = []
        with mock.patch("time.time", return_value=1000.0):
            for ops in phases:  # plain loops: an await inside nested comprehensions needs Python 3.11
                out.append([await apply_op(memory, product, op) for op in ops])
        return out

    assert results == asyncio.run(expected())
    returning = results[2][0]
    assert returning[0]["sessions"]["count"] == 1 and returning[1]["session_id"] == "s1"


def test_concurrent_session_ends_record_one_snapshot(redis_url: str, tmp_path: Path) -> None:
    """Two replicas end the same sessions at once: each session keeps exactly one of the two snapshots."""
    product = f"race{uuid.uuid4().hex[:8]}"
    first = _spawn(redis_url, product, [["end", u, "s1", ["a"]] for u in _USERS], tmp_path, "a")
    second = _spawn(redis_url, product, [["end", u, "s1", ["a", "b"]] for u in _USERS], tmp_path, "b")
    _result(first)
    _result(second)

    async def stored() -> list[dict[str, Any]]:
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        try:
            return [json.loads(await client.get(session_key(product, u, "s1"))) for u in _USERS]
        finally:
            await client.aclose()

    for snapshot in asyncio.run(stored()):
        assert snapshot["completed_workflow_ids"] in (["a"], ["a", "b"])
        assert snapshot["session_number"] == 1


def test_adoption_tracked_by_two_replicas_matches_one_process(redis_url: str, tmp_path: Path) -> None:
    """Two processes track disjoint sample sessions into one Redis at once; the states equal one in-memory run."""
    from autoplay_sdk.testing import sample_events

    product = f"adopt{uuid.uuid4().hex[:8]}"
    batches = [
        e for e in sample_events(product_id=product, sessions=6, seed=11, start=1000.0) if e["type"] == "actions"
    ]
    sessions = sorted({b["session_id"] for b in batches})
    users = sorted({b["user_id"] for b in batches})
    halves = [[["adopt", b] for b in batches if sessions.index(b["session_id"]) % 2 == side] for side in (0, 1)]
    procs = [_spawn(redis_url, product, ops, tmp_path, f"adopt{side}") for side, ops in enumerate(halves)]
    for proc in procs:
        _result(proc)
    reader = _result(_spawn(redis_url, product, [["adoption_state", u] for u in users], tmp_path, "read"))

    async def expected() -> list[Any]:
        memory = InMemoryStorageAdapter()
        with mock.patch("time.time", return_value=1000.0):
            for batch in batches:
                await apply_op(memory, product, ["adopt", batch])
            return [await apply_op(memory, product, ["adoption_state", u]) for u in users]

    want = asyncio.run(expected())
    assert reader == want
    assert any(state["onboarding"]["workflow_progress"] for state in want)  # the run did complete workflows
