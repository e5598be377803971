"""Throughput and peak memory of the two SSE clients against the practical limit.

What is measured
----------------
A loopback server (``benchmarks/_loopback.py``) runs in a *separate process*, so it never
competes with the client for the GIL.  For every connection it writes one pre-rendered
HTTP/1.1 response: ``content-type: text/event-stream``, ``transfer-encoding: chunked`` with one
chunk per SSE frame (what uvicorn does for a streaming response), ``N`` payload frames
(~92 % ``actions`` with 2-4 actions each, ~8 % ``summary``, across 50 sessions, each with an
``id:`` line, ~1.4 KiB of JSON per frame) plus one heartbeat per 500 frames, then the
terminating ``0\\r\\n\\r\\n`` and a close.

Four variants read that same stream from 127.0.0.1:

* ``sync bare``   — ``httpx.Client`` + ``httpx_sse.connect_sse`` + ``iter_sse`` + ``json.loads``
  on every non-heartbeat frame: the practical limit for a synchronous reader.
* ``sync client`` — ``autoplay_sdk.ConnectorClient`` with no-op ``on_actions``/``on_summary``
  callbacks (the reader thread parses, a worker thread builds the payloads and calls back).
* ``async bare``  — ``httpx.AsyncClient`` + ``aconnect_sse`` + ``aiter_sse`` + ``json.loads``.
* ``async client`` — ``autoplay_sdk.AsyncConnectorClient`` with no-op callbacks.

A run's time goes from starting the reader (the bare loop creating its ``httpx`` client, or
``run_in_background()``) until the ``N``-th payload reached the callback (bare: the ``N``-th
``json.loads``).  Connection set-up, including the ``httpx`` client and its SSL context, is
inside the window for all four variants alike.  The clients are configured so the end of the
stream does not matter: ``initial_backoff_s`` is 60 s (no reconnect during a run), the sync
queue holds ``N`` (nothing can be dropped) and ``max_pending`` is ``N``; each run asserts the
callback count is exactly ``N`` and ``dropped_count`` is 0, then calls ``stop()``.

Every variant is warmed up once, then measured ``--repeat`` times with the order rotated each
round to spread drift; the table shows the median and best events/s and the ratio of each client
to its matching bare baseline (judged on the medians).  Targets: sync >= 0.95x, async >= 0.90x.

Peak memory is a separate pass under ``tracemalloc`` (which slows Python code several-fold):
each client runs ``--memory-repeat`` times at ``N/4`` and at ``N`` (each bare loop once).  The client rows also
report the deepest backlog a callback saw (sync: ``queue_size``; async: ``pending_count``).
That backlog, and with it the peak, varies from run to run with GIL/OS scheduling, while
anything retained per event would show in every run; so "flat" is judged on the lowest peak
of each size: lowest peak at ``N`` <= 1.2 x lowest peak at ``N/4`` + 64 KiB.  The highest peaks
are printed too.

``--profile`` runs each variant once more under ``cProfile`` and prints the top functions by
own time.  On Python < 3.12 a profiler only sees its own thread, so the sync client gets two
tables: its reader thread and its worker thread (the worker's profiler is switched on by the
first callback).

Run: ``uv run python benchmarks/stream.py [--n N] [--repeat R] [--profile] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import httpx_sse

from autoplay_sdk import AsyncConnectorClient, ConnectorClient

TOKEN = "bench-token"
IDLE_BACKOFF_S = 60.0  # no reconnect happens inside a measurement
RUN_TIMEOUT_S = 120.0
SYNC_TARGET = 0.95
ASYNC_TARGET = 0.90
FLAT_RATIO = 1.20
FLAT_SLACK_KIB = 64.0
PROFILE_TOP = 12
HEARTBEAT = "heartbeat"
LOOPBACK = Path(__file__).with_name("_loopback.py")


# --------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class Loopback:
    port: int
    sizes: dict[int, dict[str, int]]

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/stream/prod_7f3c2a9e?n={n}"


@contextlib.contextmanager
def loopback_server(sizes: set[int], frames_per_chunk: int) -> Iterator[Loopback]:
    """Start ``_loopback.py`` in a child process; it exits when we close its stdin."""
    cmd = [sys.executable, str(LOOPBACK), "--sizes", ",".join(map(str, sorted(sizes)))]
    cmd += ["--frames-per-chunk", str(frames_per_chunk)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"loopback server failed to start (exit code {proc.wait()})")
        info = json.loads(line)
        yield Loopback(info["port"], {int(k): v for k, v in info["sizes"].items()})
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- the variants


@dataclass
class Options:
    """Extras for the memory and profile passes (the timing pass uses none of them)."""

    track_depth: bool = False
    profile: bool = False


class _Clock:
    """Wall-clock and whole-process CPU time (all threads) since construction."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


@dataclass
class Result:
    elapsed: float
    cpu: float
    max_depth: int = 0
    profiles: list[tuple[str, cProfile.Profile]] = field(default_factory=list)


class _Counter:
    """Counts payloads and fires ``done`` at ``n``; optionally samples the client's backlog."""

    def __init__(self, n: int, done: Callable[[], object], depth: Callable[[], int] | None = None) -> None:
        self.n = n
        self.count = 0
        self.max_depth = 0
        self._done = done
        self._depth = depth
        self.first: Callable[[], object] | None = None
        self.last: Callable[[], object] | None = None

    def __call__(self, _payload: object) -> None:
        self.count += 1
        if self._depth is not None:
            self.max_depth = max(self.max_depth, self._depth())
        if self.count == 1 and self.first is not None:
            self.first()
        if self.count == self.n:
            if self.last is not None:
                self.last()
            self._done()


def _check(name: str, count: int, n: int, dropped: int = 0) -> None:
    if count != n or dropped:
        raise AssertionError(f"{name}: got {count} payloads (expected {n}), dropped {dropped}")


def sync_bare(url: str, n: int, opts: Options) -> Result:
    prof = cProfile.Profile() if opts.profile else None
    if prof is not None:
        prof.enable()
    loads = json.loads
    count = 0
    elapsed = cpu = 0.0
    clock = _Clock()
    with httpx.Client() as client, httpx_sse.connect_sse(client, "GET", url) as source:
        for sse in source.iter_sse():
            if sse.event == HEARTBEAT:
                continue
            loads(sse.data)
            count += 1
            if count == n:
                elapsed, cpu = clock.read()
    if prof is not None:
        prof.disable()
    _check("sync bare", count, n)
    return Result(elapsed, cpu, profiles=[("sync bare", prof)] if prof else [])


def sync_client(url: str, n: int, opts: Options) -> Result:
    done = threading.Event()
    client = ConnectorClient(
        url, token=TOKEN, max_queue_size=n, initial_backoff_s=IDLE_BACKOFF_S, max_backoff_s=IDLE_BACKOFF_S
    )
    counter = _Counter(n, done.set, (lambda: client.queue_size) if opts.track_depth else None)
    client.on_actions(counter).on_summary(counter)
    profiles: list[tuple[str, cProfile.Profile]] = []
    clock = _Clock()
    if opts.profile and sys.version_info >= (3, 12):
        # cProfile sits on sys.monitoring from 3.12 on and then sees every thread.
        whole = cProfile.Profile()
        profiles.append(("sync client (all threads)", whole))
        whole.enable()
        thread = client.run_in_background()
    elif opts.profile:
        reader, worker = cProfile.Profile(), cProfile.Profile()
        profiles += [("sync client: reader thread", reader), ("sync client: worker thread", worker)]
        counter.first, counter.last = worker.enable, worker.disable
        thread = threading.Thread(target=reader.runcall, args=(client.run,), daemon=True)
        thread.start()
    else:
        thread = client.run_in_background()
    finished = done.wait(RUN_TIMEOUT_S)
    elapsed, cpu = clock.read()
    client.stop()
    thread.join(RUN_TIMEOUT_S)
    if opts.profile and sys.version_info >= (3, 12):
        profiles[0][1].disable()
    if not finished or thread.is_alive():
        raise RuntimeError(f"sync client: timed out with {counter.count}/{n} payloads")
    _check("sync client", counter.count, n, client.dropped_count)
    return Result(elapsed, cpu, counter.max_depth, profiles)


async def _async_bare(url: str, n: int) -> Result:
    loads = json.loads
    count = 0
    elapsed = cpu = 0.0
    clock = _Clock()
    async with httpx.AsyncClient() as client, httpx_sse.aconnect_sse(client, "GET", url) as source:
        async for sse in source.aiter_sse():
            if sse.event == HEARTBEAT:
                continue
            loads(sse.data)
            count += 1
            if count == n:
                elapsed, cpu = clock.read()
    _check("async bare", count, n)
    return Result(elapsed, cpu)


def async_bare(url: str, n: int, opts: Options) -> Result:
    if not opts.profile:
        return asyncio.run(_async_bare(url, n))
    prof = cProfile.Profile()
    result: Result = prof.runcall(asyncio.run, _async_bare(url, n))
    result.profiles.append(("async bare", prof))
    return result


async def _async_client(url: str, n: int, opts: Options) -> Result:
    done = asyncio.Event()
    client = AsyncConnectorClient(
        url, token=TOKEN, max_pending=n, initial_backoff_s=IDLE_BACKOFF_S, max_backoff_s=IDLE_BACKOFF_S
    )
    counter = _Counter(n, done.set, (lambda: client.pending_count) if opts.track_depth else None)
    client.on_actions(counter).on_summary(counter)
    clock = _Clock()
    task = client.run_in_background()
    try:
        await asyncio.wait_for(done.wait(), RUN_TIMEOUT_S)
    except asyncio.TimeoutError:
        raise RuntimeError(f"async client: timed out with {counter.count}/{n} payloads") from None
    elapsed, cpu = clock.read()
    client.stop()
    await task
    _check("async client", counter.count, n, client.dropped_count)
    return Result(elapsed, cpu, counter.max_depth)


def async_client(url: str, n: int, opts: Options) -> Result:
    if not opts.profile:
        return asyncio.run(_async_client(url, n, opts))
    prof = cProfile.Profile()
    result: Result = prof.runcall(asyncio.run, _async_client(url, n, opts))
    result.profiles.append(("async client", prof))
    return result


Variant = Callable[[str, int, Options], Result]

VARIANTS: dict[str, Variant] = {
    "sync bare (httpx-sse)": sync_bare,
    "sync ConnectorClient": sync_client,
    "async bare (httpx-sse)": async_bare,
    "async AsyncConnectorClient": async_client,
}
BASELINE = {"sync ConnectorClient": "sync bare (httpx-sse)", "async AsyncConnectorClient": "async bare (httpx-sse)"}
TARGET = {"sync ConnectorClient": SYNC_TARGET, "async AsyncConnectorClient": ASYNC_TARGET}


def run_once(variant: Variant, url: str, n: int, opts: Options | None = None) -> Result:
    gc.collect()
    return variant(url, n, opts or Options())


# --------------------------------------------------------------------------- the passes


def throughput_pass(server: Loopback, n: int, repeat: int) -> dict[str, list[Result]]:
    """Every measured run, per variant (after one warm-up run each)."""
    names = list(VARIANTS)
    url = server.url(n)
    for name in names:
        run_once(VARIANTS[name], url, n)
    runs: dict[str, list[Result]] = {name: [] for name in names}
    for r in range(repeat):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            runs[name].append(run_once(VARIANTS[name], url, n))
    return runs


def print_throughput(runs: dict[str, list[Result]], n: int) -> bool:
    """The table; returns whether every client met its target on the medians."""
    median = {name: statistics.median(n / r.elapsed for r in rs) for name, rs in runs.items()}
    best = {name: max(n / r.elapsed for r in rs) for name, rs in runs.items()}
    cpu = {name: statistics.median(r.cpu / n * 1e6 for r in rs) for name, rs in runs.items()}
    print(
        f"{'variant':<27} {'median ev/s':>11} {'best ev/s':>10} {'spread':>6} {'CPU us/ev':>9} "
        f"{'ratio':>6} {'best/best':>9} {'CPU ratio':>9}  target (on median ratio)"
    )
    ok = True
    for name, rs in runs.items():
        rates = [n / r.elapsed for r in rs]
        spread = (max(rates) - min(rates)) / median[name] * 100
        line = f"{name:<27} {median[name]:>11,.0f} {best[name]:>10,.0f} {spread:>5.0f}% {cpu[name]:>9.1f}"
        base = BASELINE.get(name)
        if base is None:
            print(f"{line} {'1':>6} {'1':>9} {'1':>9}  (baseline)")
            continue
        ratio, best_ratio, target = median[name] / median[base], best[name] / best[base], TARGET[name]
        ok &= ratio >= target
        verdict = "PASS" if ratio >= target else "FAIL"
        aside = (
            ""
            if (best_ratio >= target) == (ratio >= target)
            else f" (best/best {'passes' if best_ratio >= target else 'fails'})"
        )
        print(
            f"{line} {ratio:>6.3f} {best_ratio:>9.3f} {cpu[base] / cpu[name]:>9.3f}  >= {target:.2f} {verdict}{aside}"
        )
    print(
        "ratio = client median / bare median events/s; CPU = whole-process CPU time (all threads) per event; "
        "CPU ratio = bare CPU / client CPU."
    )
    return ok


Peaks = dict[str, dict[int, list[tuple[float, int]]]]


def memory_pass(server: Loopback, sizes: list[int], repeat: int) -> Peaks:
    """Peak traced KiB and deepest backlog of ``repeat`` runs per client and size.

    The bare loops keep nothing between frames, and their peak does not vary: one run each.
    """
    out: Peaks = {name: {n: [] for n in sizes} for name in VARIANTS}
    for r in range(repeat):
        for n in sizes:
            for name, variant in VARIANTS.items():
                if r and name not in BASELINE:
                    continue
                gc.collect()
                tracemalloc.start()
                try:
                    result = variant(server.url(n), n, Options(track_depth=True))
                    peak = tracemalloc.get_traced_memory()[1] / 1024
                finally:
                    tracemalloc.stop()
                out[name][n].append((peak, result.max_depth))
    return out


def print_memory(mem: Peaks, sizes: list[int]) -> bool:
    """The memory table; flatness is judged on the lowest peak of each N (see the README)."""
    small, large = sizes[0], sizes[-1]
    head = "".join(f"{f'N={n:,} KiB min-max':>22}" for n in sizes)
    print(f"{'variant':<27}{head} {'large/small':>11} {'max backlog':>12}  flat?")
    ok = True
    for name, by_n in mem.items():
        low = {n: min(peak for peak, _ in runs) for n, runs in by_n.items()}
        high = {n: max(peak for peak, _ in runs) for n, runs in by_n.items()}
        cells = "".join(f"{f'{low[n]:,.0f} - {high[n]:,.0f}':>22}" for n in sizes)
        flat = low[large] <= low[small] * FLAT_RATIO + FLAT_SLACK_KIB
        ok &= flat
        depth = " / ".join(str(max(d for _, d in by_n[n])) for n in sizes) if name in BASELINE else "-"
        print(f"{name:<27}{cells} {low[large] / low[small]:>11.2f} {depth:>12}  {'yes' if flat else 'NO'}")
    print(
        "flat = lowest peak at the large N <= 1.2 x lowest peak at the small N + 64 KiB; the spread between "
        "runs is the backlog,\nwhich GIL/OS scheduling sets (not N)."
    )
    return ok


def print_profile(title: str, prof: cProfile.Profile, n: int) -> None:
    stats = pstats.Stats(prof)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    rows = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:PROFILE_TOP]
    print(f"\n--- {title}: top {PROFILE_TOP} by own time (profiled total {total:.3f} s, N={n:,})")
    print(f"{'ncalls':>9} {'tottime':>8} {'cumtime':>8} {'us/event':>9}  function")
    for (path, line, func), (_cc, ncalls, tottime, cumtime, _callers) in rows:
        where = f"{_short(path)}:{line}({func})" if line else func
        print(f"{ncalls:>9} {tottime:>8.3f} {cumtime:>8.3f} {tottime / n * 1e6:>9.2f}  {where}")


def _short(path: str) -> str:
    parts = Path(path).parts
    for anchor in ("site-packages", "autoplay_sdk", "lib"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[i + (anchor != "autoplay_sdk") :])
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Throughput and memory of the SSE clients vs bare httpx-sse.")
    parser.add_argument("--n", type=int, default=20_000, help="payload frames per run (default 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per variant (default 5)")
    parser.add_argument("--profile", action="store_true", help="also print cProfile top functions per variant")
    parser.add_argument("--quick", action="store_true", help="smoke run: N=2000, 2 repeats")
    parser.add_argument("--frames-per-chunk", type=int, default=1, help="SSE frames per HTTP chunk (default 1)")
    parser.add_argument("--memory-repeat", type=int, default=3, help="tracemalloc runs per client and N (default 3)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed or memory grows")
    args = parser.parse_args(argv)
    n, repeat = (2_000, 2) if args.quick else (args.n, args.repeat)
    if n < 4 or min(repeat, args.memory_repeat, args.frames_per_chunk) < 1:
        parser.error("--n must be >= 4; --repeat, --memory-repeat and --frames-per-chunk >= 1")
    mem_sizes = [n // 4, n]

    print(
        f"python {platform.python_version()} ({platform.machine()}, {os.cpu_count()} CPUs), "
        f"httpx {httpx.__version__}, httpx-sse {httpx_sse.__version__}"
    )
    with loopback_server({n, *mem_sizes}, args.frames_per_chunk) as server:
        info = server.sizes[n]
        print(
            f"N={n:,} payload frames ({info['actions']:,} actions, {info['summary']:,} summary) "
            f"+ {info['heartbeat']} heartbeats; {info['body_bytes'] / n:,.0f} B/frame, "
            f"{info['response_bytes'] / 2**20:.1f} MiB per run; {info['chunks']:,} HTTP chunks "
            f"({args.frames_per_chunk} frame(s) each); repeat={repeat}\n"
        )
        ok = print_throughput(throughput_pass(server, n, repeat), n)
        if not args.no_memory:
            mem_repeat = 1 if args.quick else args.memory_repeat
            print(
                f"\nPeak traced memory (tracemalloc, {mem_repeat} run(s) per client and N, 1 per bare loop; "
                f"max backlog = deepest queue/pending a callback saw):"
            )
            ok &= print_memory(memory_pass(server, mem_sizes, mem_repeat), mem_sizes)
        if args.profile:
            for variant in VARIANTS.values():
                for title, prof in run_once(variant, server.url(n), n, Options(profile=True)).profiles:
                    print_profile(title, prof, n)
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
