"""Where a later SDK version changed a 0.7.5 default, the 0.7.5 default stays: the guards that the
feature directories' own tests do not already hold.

Each test fails if the newer behaviour leaked into the default path.
"""

from __future__ import annotations

import json
import sys

import pytest

from tests.later_versions._surface import fresh


def test_the_webhook_event_is_the_075_dataclass_through_the_deprecated_flat_path_too() -> None:
    """The old module path still gives the dataclass (never the enum), after its one warning."""
    code = """
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import autoplay_sdk.chatbot as old
import autoplay_sdk.chat.chatbot as new
event = old.ConversationEvent("c1")
print(json.dumps({
    "warned": [str(w.category.__name__) for w in caught],
    "same": old.ConversationEvent is new.ConversationEvent is new.ConversationWebhookEvent,
    "fields": [event.conversation_id, event.external_id, event.email],
    "enum": hasattr(old.ConversationEvent, "NEW"),
}))
"""
    report = json.loads(fresh(code))
    assert report["warned"] == ["DeprecationWarning"]
    assert report["same"] is True and report["fields"] == ["c1", "", ""] and report["enum"] is False


def test_installer_help_lists_only_the_075_names(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from autoplay_sdk import install_skills

    monkeypatch.setattr(sys, "argv", ["autoplay-install-skills", "--help"])
    with pytest.raises(SystemExit):
        install_skills.main()
    text = " ".join(capsys.readouterr().out.split())
    assert "Choices: ada, intercom, botpress, dify, crisp, landbot, tidio" in text
    assert "Choices: fullstory, posthog" in text
    for newer in ("zendesk", "maven", "rasa", "inkeep", "plain", "amplitude", "TEMPLATE", "template"):
        assert newer not in text


def test_trigger_json_has_no_hesitation_knob() -> None:
    """A built-in spec row that asks for broadening still builds the strict trigger."""
    from autoplay_sdk.proactive.triggers import (
        TRIGGER_ID_CANONICAL_URL_PING_PONG,
        ProactiveTriggerContext,
        registry_from_builtin_specs,
    )

    row = {
        "id": TRIGGER_ID_CANONICAL_URL_PING_PONG,
        "name": "n",
        "description": "d",
        "broaden_with_hesitation": True,
        "hesitation_min_distinct": 2,
    }
    registry = registry_from_builtin_specs([row])

    def ctx(urls: list[str]) -> ProactiveTriggerContext:
        return ProactiveTriggerContext(session_id="s", product_id="p", canonical_urls=urls)

    assert registry.evaluate_first(ctx(["/a", "/b", "/c", "/a"])) is None
    fired = registry.evaluate_first(ctx(["/a", "/b", "/a"]))
    assert fired is not None and "matched" not in fired.metadata


def test_render_onboarding_without_a_provider_needs_no_provider_anywhere() -> None:
    """Every Render-path entry point runs without the keyword (the later versions raise ``TypeError``)."""
    import dataclasses
    import inspect

    from autoplay_sdk.admin import onboard, onboarding, product_onboarding

    for fn in (
        onboarding.onboard_product,
        onboarding.onboard_product_sync,
        onboard.onboard_product,
        onboard.onboard_product_sync,
        onboarding.print_onboarding_operator_summary,
        onboard.print_onboarding_operator_summary,
        product_onboarding.print_onboarding_operator_summary,
    ):
        assert inspect.signature(fn).parameters["user_activity_provider"].default is None, fn
    params = product_onboarding.OnboardingRunParams("https://c", "", "p", "e@x", "s")
    assert params.user_activity_provider is None
    provider_field = dataclasses.fields(product_onboarding.OnboardingRunParams)[-1]
    assert provider_field.name == "user_activity_provider"


def test_session_state_stores_keep_their_075_main_semantics_at_the_sync_path() -> None:
    """The sync stores keep copy semantics and the mapping API; the upstream names elsewhere are async."""
    from autoplay_sdk.agent_state.v2 import SessionState
    from autoplay_sdk.agent_state.v2.state_store import InMemorySessionStateStore

    store = InMemorySessionStateStore()
    original = SessionState()
    store["k"] = original
    copy = store["k"]
    copy.record_any_interaction()
    assert copy is not original and store.get("k") is not copy
    assert not hasattr(store, "get_or_create")
