"""``autoplay-sdk onboard --hosted``: a PostHog/Amplitude project onboarded on the local connector, then streamed."""

from __future__ import annotations

import json

import httpx

from autoplay_sdk.testing import LocalConnector
from tests.cli._run import Run


def _status(url: str, key: str) -> int:
    with httpx.stream("GET", url, headers={"Authorization": f"Bearer {key}"}, timeout=5) as response:
        return response.status_code


def test_hosted_onboarding_end_to_end_on_a_laptop() -> None:
    with LocalConnector() as connector:
        base = ["onboard", "ph-42", "--contact-email", "ops@acme.io", "--connector-url", connector.base_url]
        first = Run([*base, "--hosted", "posthog", "--json"])
        assert first() == 0, first.stderr
        answer = json.loads(first.stdout)
        assert answer["product_id"].startswith("prod_") and answer["provider"] == "posthog" and answer["owner_token"]

        refused = Run([*base, "--hosted", "posthog"])
        assert refused() == 5 and "HTTP 403" in refused.stderr and answer["owner_token"] not in refused.stderr

        again = Run([*base, "--hosted", "posthog", "--owner-token", answer["owner_token"]])
        assert again() == 0, again.stderr
        assert answer["product_id"] in again.stdout and "MCP key" in again.stdout and "Owner token" not in again.stdout
        key = again.banner_value("MCP key")
        stream = f"{connector.base_url}/stream/{answer['product_id']}"
        assert _status(stream, key) == 200 and _status(stream, answer["mcp_key"]) == 403

        misuse = Run([*base, "--hosted", "amplitude", "--force-reregister"])
        assert misuse() == 2 and "--owner-token" in misuse.stderr

        render = Run(["onboard", "acme", "--contact-email", "ops@acme.io", "--connector-url", connector.base_url])
        assert render() == 0 and "Stream key" in render.stdout  # the 0.7.5 contract, same command, same connector
