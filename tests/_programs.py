"""Run example programs and docs blocks as ``__main__``, in one helper interpreter (see ``_program_runner``)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Result:
    rc: int
    out: str
    err: str


@dataclass
class Runner:
    proc: subprocess.Popen[str]
    request: str


def start(programs: dict[str, Path]) -> Runner:
    """Start the runner on ``{id: path}``; :func:`results` feeds it and collects the outcome."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests._program_runner"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Runner(proc, json.dumps([{"id": key, "path": str(path)} for key, path in programs.items()]))


def results(runner: Runner, timeout: float) -> dict[str, Result]:
    """Run the programs (killing the runner after ``timeout`` seconds) and parse its report."""
    try:
        out, err = runner.proc.communicate(runner.request, timeout=timeout)
    except subprocess.TimeoutExpired:
        runner.proc.kill()
        out, err = runner.proc.communicate()
    if runner.proc.returncode != 0 or not out:
        raise AssertionError(f"the program runner failed (exit {runner.proc.returncode}):\n{err[-3000:]}")
    return {key: Result(**value) for key, value in json.loads(out).items()}
