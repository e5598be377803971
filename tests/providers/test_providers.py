"""Provider classes, slugs, summaries; the session-link script and redaction keywords; the Render path's provider."""

from __future__ import annotations

import dataclasses
import json

import pytest

import autoplay_sdk.providers as providers
from autoplay_sdk.admin import connector_registration_http as http
from autoplay_sdk.admin import onboard_product, print_onboarding_operator_summary
from autoplay_sdk.admin import product_onboarding as runner
from autoplay_sdk.admin.onboarding import OnboardProductResult
from autoplay_sdk.integrations import intercom
from autoplay_sdk.providers import ActivityProvider, AmplitudeProvider, PostHogProvider, ProviderRegistrationBody
from autoplay_sdk.providers._resolve import resolve_provider


def test_exports() -> None:
    assert providers.__all__ == ["ActivityProvider", "AmplitudeProvider", "PostHogProvider", "ProviderRegistrationBody"]
    from autoplay_sdk.providers import amplitude, base, posthog
    from autoplay_sdk.providers.posthog import destination

    assert base.__all__ == ["ActivityProvider", "ProviderRegistrationBody"]
    assert posthog.__all__ == ["PostHogProvider"] and amplitude.__all__ == ["AmplitudeProvider"]
    assert sorted(destination.__all__) == destination.__all__ and len(destination.__all__) == 6


def test_provider_contracts() -> None:
    ph, amp = PostHogProvider(), AmplitudeProvider()
    assert (ph.name, amp.name) == ("posthog", "amplitude")
    assert ph.build_registration_body("u", "s") == ProviderRegistrationBody(
        "posthog", "u", "s", "X-PostHog-Secret", frozenset({"x_posthog_secret"})
    )
    assert amp.build_registration_body("u", "s").sensitive_config_keys == frozenset({"amplitude_bearer_token"})
    assert "SECRET-1" not in repr(amp.build_registration_body("u", "SECRET-1"))
    assert ph.get_session_id_js() == "typeof posthog !== 'undefined' ? posthog.get_session_id() : null"
    assert amp.get_session_id_js() == (
        "typeof amplitude !== 'undefined' && amplitude.getSessionId() != null ? String(amplitude.getSessionId()) : null"
    )
    assert [f.name for f in dataclasses.fields(ProviderRegistrationBody)][-1] == "sensitive_config_keys"

    class Half(ActivityProvider):
        @property
        def name(self) -> str:
            return "half"

    with pytest.raises(TypeError):
        Half()  # type: ignore[abstract]


def test_slugs() -> None:
    assert resolve_provider(" PostHog ") is resolve_provider("posthog")
    assert isinstance(resolve_provider("amplitude"), AmplitudeProvider) and resolve_provider(None) is None
    mine = AmplitudeProvider()
    assert resolve_provider(mine) is mine
    with pytest.raises(ValueError, match=r"^Invalid provider 'mixpanel'\. Expected one of: \"amplitude\", \"posthog\""):
        resolve_provider("mixpanel")


def _run_result(**kw: object) -> runner.OnboardingRunResult:
    return runner.OnboardingRunResult("p1", "w", "s", "WS", "event_stream", False, {}, "UKEY", "kid", **kw)  # type: ignore[arg-type]


def test_posthog_summary_is_the_render_summary(capsys: pytest.CaptureFixture[str]) -> None:
    runner.print_onboarding_operator_summary(_run_result(), connector_url="https://c.example/")
    default = capsys.readouterr().out
    PostHogProvider().format_operator_summary(
        connector_url="https://c.example/", product_id="p1", webhook_secret="WS", integration_type="event_stream",
        unkey_key="UKEY", key_id="kid",
    )  # fmt: skip
    assert capsys.readouterr().out == default
    assert "https://c.example/webhook/p1" in default and "X-PostHog-Secret" in default


def test_amplitude_summary(capsys: pytest.CaptureFixture[str]) -> None:
    AmplitudeProvider().format_operator_summary(
        connector_url="https://c.example/", product_id="p1", webhook_secret="WS", integration_type="event_stream",
        unkey_key="UKEY", key_id="kid",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "=" * 60 in out and "p1" in out and "https://c.example/ingest/amplitude/p1" in out
    assert "Bearer token             : UKEY" in out and "GET https://c.example/stream/p1" in out
    assert "Event Streaming" in out and "  2. " in out
    AmplitudeProvider().format_operator_summary(
        connector_url="https://c.example", product_id="p1", webhook_secret="WS", integration_type="webhook",
        unkey_key=None, key_id=None,
    )  # fmt: skip
    bare = capsys.readouterr().out
    assert "UKEY" not in bare and "Bearer token" not in bare and "  2. " not in bare


# ---- coexistence: the 0.7.5 defaults do not change -------------------------------------------

_V075_TEMPLATE_FIELDS = {"connector_hostname", "fetch_path", "product_id"}


def test_session_link_script_default_is_the_075_output() -> None:
    """Formatting the 0.7.5 template by hand still works and equals the default output byte for byte."""
    import string

    fields = {f for _, f, _, _ in string.Formatter().parse(intercom.REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE) if f}
    assert fields == _V075_TEMPLATE_FIELDS
    by_hand = intercom.REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE.format(
        connector_hostname="c.example", fetch_path="/sessions/link", product_id="p1"
    )
    assert intercom.format_reactive_session_link_script("https://c.example/", "p1") == by_hand
    assert intercom.format_reactive_session_link_script("c.example", "p1", session_id_js=None) == by_hand
    assert 'typeof posthog !== "undefined"' in by_hand  # the double-quoted guard, not the provider's expression
    import autoplay_sdk.integrations as package

    assert "REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE_CUSTOM_SESSION_JS" not in package.__all__


def test_session_link_script_with_a_provider_expression() -> None:
    expr = AmplitudeProvider().get_session_id_js()
    script = intercom.format_reactive_session_link_script("c.example", "p1", session_id_js=expr)
    assert f"sessionId = {expr};" in script and "posthog" not in script
    assert script.replace(f"      sessionId = {expr};\n", "") == intercom.format_reactive_session_link_script(
        "c.example", "p1", session_id_js=""
    ).replace("      sessionId = ;\n", "")


def test_redaction_extra_keys_are_additive() -> None:
    body = json.dumps({"Webhook_Secret": "a", "amplitude_bearer_token": "b", "nested": [{"X": "c"}]})
    default = http.redact_connector_error_response_text(body)
    assert default == '{"Webhook_Secret":"[REDACTED]","amplitude_bearer_token":"b","nested":[{"X":"c"}]}'
    assert http.redact_connector_error_response_text(body, frozenset()) == default
    extra = http.redact_connector_error_response_text(body, frozenset({"AMPLITUDE_BEARER_TOKEN", "x"}))
    assert (
        extra == '{"Webhook_Secret":"[REDACTED]","amplitude_bearer_token":"[REDACTED]","nested":[{"X":"[REDACTED]"}]}'
    )


async def test_render_onboarding_provider_is_optional_and_checked_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ValueError, match="Invalid provider 'nope'"):  # before the blank product id is looked at
        await onboard_product("", contact_email="", user_activity_provider="nope")
    with pytest.raises(ValueError, match="non-empty product_id"):
        await onboard_product("", contact_email="a@b.c")  # no provider: the 0.7.5 error, unchanged
    assert runner.OnboardingRunParams("u", "", "p", "e", "s").user_activity_provider is None
    result = OnboardProductResult("p1", "https://c.example/webhook/p1", "s", "WS", "event_stream", False, {}, "UK", "k")
    print_onboarding_operator_summary(result)
    default = capsys.readouterr().out
    print_onboarding_operator_summary(result, user_activity_provider="posthog")
    assert capsys.readouterr().out == default
    print_onboarding_operator_summary(result, user_activity_provider=AmplitudeProvider())
    assert "https://c.example/ingest/amplitude/p1" in capsys.readouterr().out
