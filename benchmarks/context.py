"""Memory and speed of ``ContextStore``: ``uv run python benchmarks/context.py``.

The context-store workload, in three phases, each store in a fresh child interpreter:

1. **parse**: 50,000 wire payload dicts (1-5 actions each, 3 on average, spread over 5,000
   sessions of one product, about 30 actions per session) go through ``ActionsPayload.from_dict``;
2. **add**: each payload goes to ``ContextStore().add``;
3. **enrich**: 20,000 ``enrich()`` calls on random sessions.

For every phase the child reports the peak resident set size (``VmHWM``, reset once the input
is built) above the RSS it had then, and the ``tracemalloc`` peak is measured in a separate child
(tracing slows Python down several times, so it never shares a run with the timings).
``--wire json`` parses JSON bytes instead (``json.loads`` then ``from_dict``: every frame brings
fresh copies of its strings, a heavier and more stream-like load).

**The 0.7.5 comparison.**  ``benchmarks/vs075.py`` times the published 0.7.5 itself, installed in
a throwaway venv, on a similar workload: use it for the ratios.  This script keeps its own,
in-process view: the peak RSS quoted from an earlier side-by-side measurement
(``PEAK_0_7_5_MB``: 42 MB, against 74 MB for this project back then) and a stand-in for 0.7.5: its
documented models (plain dataclasses that take wire values as they come) and its documented
``get()`` algorithm (lists of payloads; filter, cap and format on every read), transcribed
plainly as ``_ActionsPayload075`` and ``SpecModelStore``.  Its peak cross-checks the quoted
figure (about 40 MB here) and its enrich rate stands in for 0.7.5's.

Targets (``--check`` exits 1 when one is missed): peak RSS <= 1.0 x ``PEAK_0_7_5_MB`` (aim
0.6 x) and enrich >= 2 x the stand-in's rate.  The speed ratio is taken on CPU time of the
benchmark thread (best of ``--repeat`` runs), which a busy machine disturbs far less than the
wall clock; wall-clock rates are printed beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import random
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import OrderedDict
from typing import Any

from autoplay_sdk.core.models import ActionsPayload, SlimAction

N_PAYLOADS = 50_000
N_SESSIONS = 5_000
N_ENRICH = 20_000
PRODUCT = "prod-bench"
QUESTION = "How do I export my report?"

# Peak RSS delta of published 0.7.5 on this workload, measured side by side with this project
# (74 MB before the change); benchmarks/vs075.py now measures 0.7.5 itself.
PEAK_0_7_5_MB = 42.0
REQUIRED_RATIO = 1.0
AIM_RATIO = 0.6
ENRICH_SPEEDUP_TARGET = 2.0

_PAGES = ["/dashboard", "/settings/billing", "/reports/export", "/projects/42", "/team/invite"]
_VERBS = [("click", "Clicked"), ("pageview", "Viewed"), ("submit", "Submitted"), ("input", "Typed in")]
_TARGETS = ["Export button", "Upgrade plan", "Invite form", "Search box", "Filters panel"]


def build_wire(seed: int = 7) -> tuple[list[dict[str, Any]], list[str]]:
    """The wire payload dicts (arrival order) a stream decoder hands to ``from_dict``, and the session ids."""
    rng = random.Random(seed)
    sessions = [f"sess-{i:05d}" for i in range(N_SESSIONS)]
    now = time.time()
    next_index = dict.fromkeys(sessions, 0)
    wire = []
    for i in range(N_PAYLOADS):
        sid = sessions[rng.randrange(N_SESSIONS)]
        actions = []
        for _ in range(rng.randint(1, 5)):
            kind, verb = rng.choice(_VERBS)
            actions.append(
                {
                    "title": verb,
                    "description": f"{verb} {rng.choice(_TARGETS)}",
                    "canonical_url": rng.choice(_PAGES),
                    "index": next_index[sid],
                    "type": kind,
                    "timestamp_start": now,
                }
            )
            next_index[sid] += 1
        # Spread over the last ~50 s, in arrival order, so a 300 s lookback keeps everything.
        wire.append(
            {
                "type": "actions",
                "product_id": PRODUCT,
                "session_id": sid,
                "actions": actions,
                "count": len(actions),
                "forwarded_at": now - 50.0 + i * (50.0 / N_PAYLOADS),
            }
        )
    return wire, sessions


_RAW_IDS = ("session_id", "user_id", "email", "conversation_id")


def _model_075(cls: type[Any], name: str, **namespace: Any) -> Any:
    """The 0.7.5 shape of ``cls``: the same fields in a plain ``__dict__`` dataclass (no slots)."""
    fields = [
        (f.name, f.type) if f.default is dataclasses.MISSING else (f.name, f.type, dataclasses.field(default=f.default))
        for f in dataclasses.fields(cls)
    ]
    return dataclasses.make_dataclass(name, fields, namespace=namespace)


def _slim_075_from_dict(d: dict[str, Any]) -> Any:
    # As documented for 0.7.5: ids are taken raw; other falsy values become the field default
    # ("" for the required text fields) and truthy values are kept as they come.
    values: dict[str, Any] = {}
    for f in dataclasses.fields(_SlimAction075):
        value = d.get(f.name)
        if f.name not in _RAW_IDS:
            value = value or ("" if f.default is dataclasses.MISSING else f.default)
        values[f.name] = value
    return _SlimAction075(**values)


_SlimAction075 = _model_075(
    SlimAction,
    "_SlimAction075",
    to_text=lambda self: f"[{self.index}] {self.type}: {self.description} \u2014 {self.canonical_url}",
)


def _payload_075_from_dict(d: dict[str, Any]) -> Any:
    return _ActionsPayload075(
        d.get("product_id") or "",
        d.get("session_id") or None,
        d.get("user_id") or None,
        d.get("email") or None,
        [_slim_075_from_dict(a) for a in (d.get("actions") or [])],
        d.get("count") or 0,
        d.get("forwarded_at") or 0.0,
        d.get("conversation_id"),
    )


_ActionsPayload075 = _model_075(ActionsPayload, "_ActionsPayload075", from_dict=staticmethod(_payload_075_from_dict))


class SpecModelStore:
    """The documented 0.7.5 algorithm, transcribed plainly: the speed stand-in for 0.7.5."""

    def __init__(self, lookback_seconds: float | None = None, max_actions: int | None = None) -> None:
        self.lookback, self.cap = lookback_seconds, max_actions
        self.summaries: dict[str, str] = {}
        self.actions: OrderedDict[str, list[Any]] = OrderedDict()
        self.lock = threading.Lock()

    def add(self, payload: Any) -> None:
        sid = (payload.session_id or "unknown").strip()
        pid = (payload.product_id or "").strip()
        key = f"{pid}\x1f{sid}" if pid else sid
        with self.lock:
            if key in self.actions:
                self.actions.move_to_end(key)
            else:
                self.actions[key] = []
            self.actions[key].append(payload)
            if self.lookback is not None:
                cutoff = time.time() - self.lookback
                self.actions[key] = [p for p in self.actions[key] if p.forwarded_at >= cutoff]

    def get(self, session_id: str, *, product_id: str | None = None) -> str:
        pid = (product_id or "").strip()
        sid = (session_id or "unknown").strip()
        key = f"{pid}\x1f{sid}" if pid else sid
        with self.lock:
            summary = self.summaries.get(session_id, "")
            payloads = list(self.actions.get(key, []))
        if self.lookback is not None:
            cutoff = time.time() - self.lookback
            payloads = [p for p in payloads if p.forwarded_at >= cutoff]
        if self.cap is not None:
            kept: list[Any] = []
            remaining = self.cap
            for p in reversed(payloads):
                if remaining <= 0:
                    break
                if len(p.actions) <= remaining:
                    kept.append(p)
                    remaining -= len(p.actions)
                else:
                    tail = p.actions[-remaining:]
                    kept.append(dataclasses.replace(p, actions=tail, count=remaining))
                    remaining = 0
            payloads = kept[::-1]
        lines = []
        n = 0
        for p in payloads:
            for a in p.actions:
                n += 1
                lines.append(f"{n}. {a.to_text()}")
        parts = []
        if summary:
            parts.append(f"Summary: {summary}")
        if lines:
            parts.append("Recent activity:\n" + "\n".join(lines))
        return "\n\n".join(parts)

    def enrich(self, session_id: str, query: str, *, product_id: str | None = None) -> str:
        context = self.get(session_id, product_id=product_id)
        return f"[Session context]\n{context}\n\n[Query]\n{query}" if context else query


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1e3  # kB
    raise RuntimeError(f"{field} missing from /proc/self/status")


def _reset_peak() -> None:
    """Restart the peak-RSS watermark (Linux: writing 5 to clear_refs resets VmHWM)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def _make_store(kind: str, options: dict[str, Any]) -> Any:
    if kind == "spec-model":
        options = {k: v for k, v in options.items() if k in ("lookback_seconds", "max_actions")}
        return SpecModelStore(**options)
    from autoplay_sdk.context.context_store import ContextStore

    return ContextStore(**options)


def child(kind: str, options: dict[str, Any], mode: str, repeat: int, wire_format: str) -> dict[str, float]:
    """One measurement in this (fresh) interpreter; see the module docstring."""
    wire, sessions = build_wire()
    rng = random.Random(11)
    picks = [sessions[rng.randrange(N_SESSIONS)] for _ in range(N_ENRICH)]
    parse: Any = _ActionsPayload075.from_dict if kind == "spec-model" else ActionsPayload.from_dict
    if wire_format == "json":
        frames: list[Any] = [json.dumps(w).encode() for w in wire]
        del wire
        from_dict, loads = parse, json.loads

        def parse(frame: bytes) -> Any:
            return from_dict(loads(frame))

    else:
        frames = wire
    gc.collect()
    out: dict[str, float] = {}
    if mode == "tracemalloc":
        tracemalloc.start()
    _reset_peak()  # building the input must not count as the workload's peak
    base = _rss_mb()
    started = time.perf_counter()
    payloads = [parse(f) for f in frames]
    out["parse_s"] = time.perf_counter() - started
    out["rss_parse_mb"] = _peak_rss_mb() - base
    store = _make_store(kind, options)
    add = store.add
    started = time.perf_counter()
    for p in payloads:
        add(p)
    out["add_s"] = time.perf_counter() - started
    out["rss_add_mb"] = _peak_rss_mb() - base
    enrich = store.enrich
    best = best_cpu = float("inf")
    for _ in range(repeat if mode == "rss" else 1):
        started, cpu = time.perf_counter(), time.thread_time()
        for sid in picks:
            enrich(sid, QUESTION, product_id=PRODUCT)
        best_cpu = min(best_cpu, time.thread_time() - cpu)
        best = min(best, time.perf_counter() - started)
    out["enrich_s"] = best
    out["enrich_cpu_s"] = best_cpu
    out["rss_enrich_mb"] = _peak_rss_mb() - base
    if mode == "tracemalloc":
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    sample = store.enrich(picks[0], QUESTION, product_id=PRODUCT)
    out["lines"] = sample.count("\n")
    return out


def _run_child(kind: str, options: dict[str, Any], mode: str, repeat: int, wire_format: str) -> dict[str, float]:
    spec = json.dumps({"kind": kind, "options": options, "mode": mode, "repeat": repeat, "wire": wire_format})
    proc = subprocess.run(
        [sys.executable, __file__, "--child", spec], capture_output=True, text=True, check=True, timeout=600
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="enrich timing runs per child (best is reported)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--wire",
        choices=("dicts", "json"),
        default="dicts",
        help="parse wire dicts (the issue's workload, default) or JSON bytes (fresh strings per frame)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(child(spec["kind"], spec["options"], spec["mode"], spec["repeat"], spec["wire"])))
        return 0

    started = time.perf_counter()
    print(
        f"{N_PAYLOADS:,} payloads ({args.wire}) over {N_SESSIONS:,} sessions; {N_ENRICH:,} enrich calls; "
        f"best of {args.repeat} enrich runs (python {sys.version.split()[0]}); "
        f"0.7.5 peak RSS quoted from an earlier side-by-side run: {PEAK_0_7_5_MB:.0f} MB"
    )
    ok = True
    for label, options in (
        ("defaults", {}),
        ("lookback_seconds=300, max_actions=20 [informational]", {"lookback_seconds": 300.0, "max_actions": 20}),
        ("max_actions=5, newest five actions [informational]", {"max_actions": 5}),
    ):
        ours = _run_child("ContextStore", options, "rss", args.repeat, args.wire)
        model = _run_child("spec-model", options, "rss", args.repeat, args.wire)
        traced = _run_child("ContextStore", options, "tracemalloc", 1, args.wire)
        speedup = model["enrich_cpu_s"] / ours["enrich_cpu_s"]
        ratio = ours["rss_enrich_mb"] / PEAK_0_7_5_MB
        print(f"\n{label}  (~{ours['lines']:.0f} lines per enriched query)")
        rows: list[tuple[str, float, float | None, str]] = [
            ("peak RSS MB, parse", ours["rss_parse_mb"], model["rss_parse_mb"], ".1f"),
            ("peak RSS MB, +add", ours["rss_add_mb"], model["rss_add_mb"], ".1f"),
            ("peak RSS MB, +enrich", ours["rss_enrich_mb"], model["rss_enrich_mb"], ".1f"),
            ("tracemalloc peak MB", traced["tracemalloc_peak_mb"], None, ".1f"),
            ("adds/s", N_PAYLOADS / ours["add_s"], N_PAYLOADS / model["add_s"], ",.0f"),
            ("enrich/s (wall clock)", N_ENRICH / ours["enrich_s"], N_ENRICH / model["enrich_s"], ",.0f"),
            ("enrich per CPU-second", N_ENRICH / ours["enrich_cpu_s"], N_ENRICH / model["enrich_cpu_s"], ",.0f"),
        ]
        print(f"  {'':24}{'ContextStore':>14}{'0.7.5 stand-in':>16}")
        for name, mine, theirs, fmt in rows:
            print(f"  {name:24}{mine:>14{fmt}}" + ("" if theirs is None else f"{theirs:>16{fmt}}"))
        print(
            f"  peak vs the quoted 0.7.5 figure: {ratio:.2f}x (required <= {REQUIRED_RATIO}x, aim <= {AIM_RATIO}x); "
            f"vs the stand-in's peak: {ours['rss_enrich_mb'] / model['rss_enrich_mb']:.2f}x\n"
            f"  enrich vs the stand-in: {speedup:.2f}x (target >= {ENRICH_SPEEDUP_TARGET}x)"
        )
        if not options:
            ok = ratio <= REQUIRED_RATIO and speedup >= ENRICH_SPEEDUP_TARGET
    print(f"\ntargets {'met' if ok else 'MISSED'}; total {time.perf_counter() - started:.1f} s")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
