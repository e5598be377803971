"""docs/proactive.md and examples/proactive_copilot.py: the example runs as documented."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from autoplay_sdk.testing import LocalConnector, sample_events

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "proactive.md"
EXAMPLE = ROOT / "examples" / "proactive_copilot.py"


def blocks(lang: str) -> list[str]:
    """Fenced blocks of ``lang``; the whole-file block uses four backticks (the file contains three)."""
    text = DOC.read_text(encoding="utf-8")
    four = re.findall(rf"^````{lang}\n(.*?)^````$", text, re.DOTALL | re.MULTILINE)
    three = re.findall(
        rf"^```{lang}\n(.*?)^```$",
        re.sub(r"^````.*?^````$", "", text, flags=re.DOTALL | re.MULTILINE),
        re.DOTALL | re.MULTILINE,
    )
    return four + three


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", *args], capture_output=True, text=True, encoding="utf-8", timeout=90, cwd=ROOT
    )


def test_the_example_prints_the_documented_offers_and_ends_by_itself() -> None:
    result = run(str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    documented = next(b for b in blocks("text") if "offers; outcomes" in b).splitlines()
    got = result.stdout.splitlines()
    assert sorted(got[:-1]) == sorted(documented[:-1])  # offers print as sessions finish hesitating
    assert got[-1] == documented[-1]
    assert len(got) == 4


def test_the_doc_shows_the_whole_example_file() -> None:
    (complete,) = [b for b in blocks("python") if b.startswith("# examples/proactive_copilot.py")]
    assert complete.split("\n", 1)[1] == EXAMPLE.read_text(encoding="utf-8")


def test_the_registry_snippet_runs_and_prints_what_it_says(tmp_path: Path) -> None:
    (snippet,) = [b for b in blocks("python") if "registry_from_builtin_specs(" in b and "examples/" not in b]
    script = tmp_path / "snippet.py"
    script.write_text(snippet, encoding="utf-8")
    result = run(str(script))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['canonical_url_ping_pong']"


def test_the_gate_snippet_prints_what_it_says(tmp_path: Path) -> None:
    (snippet,) = [b for b in blocks("python") if "ProactiveDeliveryGate(" in b and "examples/" not in b]
    script = tmp_path / "gate.py"
    script.write_text(snippet, encoding="utf-8")
    result = run(str(script))
    assert result.returncode == 0, result.stderr
    documented = next(b for b in blocks("text") if "circuit_open" in b)
    assert result.stdout == documented
    assert "the chat surface is down" not in result.stderr  # the exception text is never logged


def test_ctrl_c_on_a_live_stream_stops_cleanly_with_the_counts_and_no_traceback() -> None:
    with LocalConnector(sample_events(sessions=1)) as connector:
        proc = subprocess.Popen(
            [sys.executable, "-W", "error", str(EXAMPLE), connector.stream_url, connector.token],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
        )
        try:
            assert connector.wait_for_connections(1, timeout=60)  # it is reading the stream
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert re.fullmatch(r"0 offers; outcomes: \{('no_trigger': \d+)?\}\n", out), out  # the report, once
