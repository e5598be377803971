"""Readers under load while one writer stores 10,000 payloads: no torn windows, no exceptions."""

from __future__ import annotations

import random
import re
import threading
import time

import pytest

from autoplay_sdk.context.redis_store import RedisContextStore
from autoplay_sdk.core.models import ActionsPayload, SlimAction

pytestmark = pytest.mark.slow

_LINE = re.compile(r"^\d+\. \[(\d+)\] click: p(\d+) a(\d+) of (\d+) — /x$")


def test_readers_never_see_half_a_payload(redis_url: str, prefix: str) -> None:
    writer = RedisContextStore(redis_url, key_prefix=prefix, lookback_seconds=600.0)
    sessions = [f"s{i}" for i in range(100)]
    total = 10_000
    payloads = []
    rng = random.Random(5)
    now = time.time()
    for k in range(total):
        n = rng.randint(1, 5)
        actions = [SlimAction(f"a{j}", f"p{k} a{j} of {n}", "/x", index=j, type="click") for j in range(n)]
        payloads.append(ActionsPayload("p", sessions[k % 100], None, None, actions, n, now))
    done = threading.Event()
    errors: list[BaseException] = []
    reads = [0, 0]

    def read(slot: int) -> None:
        reader = RedisContextStore(redis_url, key_prefix=prefix, lookback_seconds=600.0)
        local = random.Random(slot)
        try:
            while not done.is_set():
                text = reader.get(local.choice(sessions), product_id="p")
                seen: dict[str, set[int]] = {}
                sizes: dict[str, int] = {}
                for line in text.splitlines()[1:]:
                    m = _LINE.match(line)
                    assert m, line
                    seen.setdefault(m[2], set()).add(int(m[3]))
                    sizes[m[2]] = int(m[4])
                for pid, parts in seen.items():
                    assert parts == set(range(sizes[pid])), f"payload {pid} torn: {sorted(parts)}"
                reads[slot] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()

    def write(part: int) -> None:
        # Four writers, each owning a quarter of the sessions: per-session order is kept.
        try:
            for payload in payloads[part::4]:  # k % 4 == part, and sessions are k % 100
                assert writer.add(payload)
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    try:
        for t in writers:
            t.start()
        for t in writers:
            t.join(120)
    finally:
        done.set()
        for t in threads:
            t.join(60)
    assert not errors, errors[0]
    assert min(reads) > 0
    assert writer.dropped_count == 0
    last = writer.get("s99", product_id="p")
    assert f"p{total - 1} a0" in last and last.count("\n") == sum(len(p.actions) for p in payloads[99::100])
