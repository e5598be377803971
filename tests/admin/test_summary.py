"""The operator summary: the facts, in order, each secret once."""

from __future__ import annotations

import pytest

import autoplay_sdk.admin.onboard as onboard
from autoplay_sdk.admin import OnboardProductResult, print_onboarding_operator_summary
from autoplay_sdk.admin import product_onboarding as runner


def _result(**overrides: object) -> OnboardProductResult:
    values: dict[str, object] = {
        "product_id": "acme",
        "webhook_url": "https://c.example/webhook/acme",
        "stream_url": "https://c.example/stream/acme",
        "webhook_secret": "WSECRET",
        "integration_type": "event_stream",
        "render_sync_performed": True,
        "connector_response": {},
        "unkey_key": "UKEY",
        "unkey_key_id": "kid-9",
        **overrides,
    }
    return OnboardProductResult(**values)  # type: ignore[arg-type]


def _positions(text: str, *needles: str) -> list[int]:
    found = [text.find(n) for n in needles]
    assert -1 not in found, (needles, text)
    return found


@pytest.mark.parametrize(
    "module_summary", [print_onboarding_operator_summary, onboard.print_onboarding_operator_summary]
)
def test_facts_in_order_with_the_base_derived_from_the_webhook_url(
    capsys: pytest.CaptureFixture[str], module_summary: object
) -> None:
    module_summary(_result())  # type: ignore[operator]
    out = capsys.readouterr().out
    order = _positions(
        out,
        "acme",
        "https://c.example/webhook/acme",
        "X-PostHog-Secret",
        "WSECRET",
        "UKEY",
        "kid-9",
        "GET https://c.example/stream/acme",
        "Authorization: Bearer",
        "1. In PostHog",
        "2. Send the Unkey key",
    )
    assert order == sorted(order)
    assert out.count("WSECRET") == 1 and out.count("UKEY") == 1
    assert "=" * 60 in out and "shown once" in out


def test_explicit_connector_url_and_no_key(capsys: pytest.CaptureFixture[str]) -> None:
    print_onboarding_operator_summary(_result(unkey_key=""), connector_url=" http://other/ ")
    out = capsys.readouterr().out
    assert "http://other/webhook/acme" in out
    assert "Unkey key" not in out.split("Next steps")[0] and "2. " not in out and "Bearer" not in out


def test_run_level_summary_prints_none_key_id_and_skips_step_two_for_webhook_type(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = runner.OnboardingRunResult("p", "", "", "S", "webhook", False, {}, unkey_key="K", unkey_key_id=None)
    runner.print_onboarding_operator_summary(run, connector_url="http://c/")
    out = capsys.readouterr().out
    assert "http://c/webhook/p" in out and "None" in out and "2. " not in out
