"""This SDK against the published autoplay-sdk 0.7.5, row by row: ``uv run python benchmarks/vs075.py``.

Every row runs the same workload file (``_vs075_child.py``) in a fresh interpreter, once with this
project's package and once with the published 0.7.5, installed on first use into a throwaway
virtualenv (``--ref-venv``, default ``~/.cache/autoplay-sdk-bench/venv-0.7.5``) and timed as a
black box through the public API both share (with the same third-party packages as this
project's environment: the ``serve`` extra and redis-py).  Each row first runs once per side,
uncounted: a warm-up that also writes the bytecode caches both sides then load (pip compiled the
reference venv at install time; ``uv sync`` does not).  Repetitions are interleaved (ours, 0.7.5,
ours, …, the order alternating each round) so drift on the machine lands on both sides; the table shows
the median of each side, the spread ``(max - min) / median`` and the ratio ours / 0.7.5 of the
medians (for memory and import time, lower is better and the ratio is read the other way).
Single-threaded rows (``context``, ``webhook``, ``event_buffer``, ``import``) are timed on the
thread's CPU clock, which other load on the machine barely moves; the clients and the Redis
buffer, whose time is spent waiting on sockets and threads, on the wall clock.

Rows (``--rows`` picks some):

- ``sync_client`` / ``async_client``: N chunked SSE frames (one HTTP chunk per frame) from the
  loopback server of ``stream.py``, no-op callbacks; events/s on the wall clock, and events per
  CPU-second of the whole process (all threads) as a cross-check that a busy machine disturbs
  less.
- ``context``: 5,000 sessions x 10 payloads parsed from JSON and ``ContextStore.add``-ed
  (adds/s), then 20,000 ``enrich`` calls on random sessions (enrich/s), and the peak RSS of that
  child process.
- ``webhook``: ``WebhookReceiver.handle_sync`` on 20,000 signed bodies (verify, parse, callback).
- ``redis_buffer``: 5,000 ``RedisEventBuffer.add`` from 10 concurrent tasks (``max_concurrent``
  10, so none waits for a slot or is dropped) on a local ``redis-server`` started for the run
  (skipped when there is none); the child checks every add drains back.
- ``event_buffer``: ``EventBuffer.add`` into a full buffer, logging silenced in both.
- ``import``: ``import autoplay_sdk`` in a cold process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHILD = HERE / "_vs075_child.py"
DEFAULT_REF = Path.home() / ".cache" / "autoplay-sdk-bench" / "venv-0.7.5"

# (row, metric, higher_is_better, target ratio ours/0.7.5 (for lower-is-better: ours/0.7.5 <= target))
TARGETS: list[tuple[str, str, bool, float]] = [
    ("sync_client", "events_s", True, 1.7),
    ("sync_client", "events_per_cpu_s", True, 1.7),
    ("async_client", "events_s", True, 2.0),
    ("async_client", "events_per_cpu_s", True, 2.0),
    ("context", "enrich_ops_s", True, 2.5),
    ("context", "add_ops_s", True, 1.5),
    ("context", "peak_rss_kb", False, 0.6),
    ("webhook", "handle_ops_s", True, 1.5),
    ("redis_buffer", "add_ops_s", True, 1.2),
    ("event_buffer", "add_ops_s", True, 1.2),
    ("import", "import_s", False, 1.0),
]


def ensure_ref_venv(path: Path) -> Path:
    """The python of a venv holding the published autoplay-sdk 0.7.5 (created on first use)."""
    python = path / "bin" / "python"
    if python.exists():
        return python
    print(f"creating {path} with autoplay-sdk==0.7.5 (first run only)…", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    subprocess.run(
        # 0.7.5 declares no redis extra: redis-py is installed beside it, as its users do.
        [str(python), "-m", "pip", "install", "--quiet", "autoplay-sdk[serve]==0.7.5", "redis>=5"],
        check=True,
    )
    return python


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    exe = shutil.which("redis-server")
    if exe is None:
        yield None
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def run_child(python: str, row: str, opts: dict[str, Any]) -> dict[str, Any]:
    # Bytecode caching stays on, as for an installed package: pip compiled the reference venv at
    # install time, while ``uv sync`` does not, so with PYTHONDONTWRITEBYTECODE set this project's
    # side would compile every module it imports (httpcore, anyio, ...) inside the timed window.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    out = subprocess.run(
        [python, str(CHILD), row, json.dumps(opts)], capture_output=True, text=True, env=env, cwd=tempfile.gettempdir()
    )
    if out.returncode != 0:
        raise RuntimeError(f"{row} failed under {python}:\n{out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def row_options(args: argparse.Namespace, redis_url: str | None) -> dict[str, dict[str, Any]]:
    return {
        "sync_client": {"n": args.frames},
        "async_client": {"n": args.frames},
        "context": {"sessions": 5_000, "per_session": 10, "enrich": 20_000},
        "webhook": {"n": 20_000},
        "redis_buffer": {"n": 5_000, "redis_url": redis_url, "prefix": "bench", "max_concurrent": 10},
        "event_buffer": {"n": 100_000, "max_size": 1_000},
        "import": {},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="interleaved repetitions per side (default 5)")
    parser.add_argument("--rows", default=",".join(dict.fromkeys(r for r, *_ in TARGETS)))
    parser.add_argument("--frames", type=int, default=20_000, help="SSE frames per client run (default 20,000)")
    parser.add_argument("--ref-venv", type=Path, default=DEFAULT_REF)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    sides = {"ours": sys.executable, "0.7.5": str(ensure_ref_venv(args.ref_venv))}
    results: dict[str, dict[str, list[dict[str, Any]]]] = {r: {"ours": [], "0.7.5": []} for r in rows}

    with contextlib.ExitStack() as stack:
        redis_url = stack.enter_context(redis_server()) if "redis_buffer" in rows else None
        loop_url = None
        if {"sync_client", "async_client"} & set(rows):
            sys.path.insert(0, str(HERE))
            from stream import loopback_server

            server = stack.enter_context(loopback_server({args.frames}, 1))
            loop_url = server.url(args.frames)
        options = row_options(args, redis_url)
        for row in rows:
            if row == "redis_buffer" and redis_url is None:
                print("redis_buffer: skipped (no redis-server on PATH)", file=sys.stderr)
                continue
            opts = dict(options[row])
            if loop_url is not None and row.endswith("_client"):
                opts["url"] = loop_url
            for side in sides:  # warm-up, not counted: writes the bytecode both sides then load
                run_child(sides[side], row, opts)
            for i in range(args.repeat):
                order = ["ours", "0.7.5"] if i % 2 == 0 else ["0.7.5", "ours"]
                for side in order:
                    results[row][side].append(run_child(sides[side], row, opts))
            print(f"{row}: done", file=sys.stderr)

    load = os.getloadavg()
    print(f"\nmachine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"median of {args.repeat} interleaved runs per side; spread = (max - min) / median\n")
    print(
        f"| {'row':<13} | {'metric':<16} | {'ours':>12} | {'spread':>6} | {'0.7.5':>12} | {'spread':>6} | "
        f"{'ours/0.7.5':>10} | {'target':>8} | met |"
    )
    print("|" + "|".join("-" * w for w in (15, 18, 14, 8, 14, 8, 12, 10, 5)) + "|")
    missed = 0
    for row, metric, higher, target in TARGETS:
        if row not in results or not results[row]["ours"]:
            continue
        stats = {}
        for side in ("ours", "0.7.5"):
            values = [r[metric] for r in results[row][side]]
            med = statistics.median(values)
            stats[side] = (med, (max(values) - min(values)) / med if med else 0.0)
        ratio = stats["ours"][0] / stats["0.7.5"][0]
        met = ratio >= target if higher else ratio <= target
        missed += not met
        sign = ">=" if higher else "<="
        print(
            f"| {row:<13} | {metric:<16} | {stats['ours'][0]:>12,.3f} | {stats['ours'][1]:>6.0%} | "
            f"{stats['0.7.5'][0]:>12,.3f} | {stats['0.7.5'][1]:>6.0%} | {ratio:>10.2f} | {sign} {target:<5} | "
            f"{'yes' if met else 'NO':<3} |"
        )
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
