"""docs/onboarding.md, "The whole journey, offline": connector, onboard, tail, as real processes.

The local connector runs in the background, a product is onboarded on it with the CLI, and
``tail`` streams that product with the key the onboarding printed: it must show the product's
sample traffic (a freshly onboarded product gets its own sample), not wait for events forever.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator

import pytest

from autoplay_sdk.testing import sample_events
from tests.docs import _cli

TIMEOUT_S = 60


@pytest.fixture
def connector_url() -> Iterator[str]:
    """``autoplay-sdk connector --port 0`` in the background; yields its base URL."""
    proc = subprocess.Popen(
        [*_cli.command(), "connector", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_cli.environment(120),
    )
    try:
        assert proc.stdout is not None
        found = None
        for line in proc.stdout:  # the banner is flushed once the server accepts requests
            found = found or re.search(r"(http://127\.0\.0\.1:\d+)/stream/demo-product", line)
            if "Press Ctrl-C to stop." in line:
                break
        assert found, "the connector printed no stream URL"
        yield found.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_cli.command(), *args], capture_output=True, text=True, env=_cli.environment(120), timeout=TIMEOUT_S
    )


def test_connector_onboard_tail_ends_on_the_new_products_sample_traffic(connector_url: str) -> None:
    onboard = run("onboard", "acme", "--contact-email", "ops@acme.io", "--connector-url", connector_url, "--json")
    assert onboard.returncode == 0, onboard.stderr
    key = json.loads(onboard.stdout)["unkey_key"]
    sample = sample_events(product_id="acme")
    tail = run("tail", f"{connector_url}/stream/acme", "--token", key, "--max-events", str(len(sample)), "--for", "30")
    assert tail.returncode == 0, tail.stderr
    assert f"{len(sample)} events" in tail.stdout, tail.stdout  # all of them, before --for ran out
    for session in {e["session_id"] for e in sample}:
        assert session in tail.stdout
    assert key not in tail.stdout + tail.stderr
