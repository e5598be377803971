"""The newer contracts are opt-in: root names served lazily and silently, and the Render onboarding unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from typing import Any

import pytest

import autoplay_sdk
from autoplay_sdk.admin import onboard_product
from autoplay_sdk.admin import product_onboarding as runner
from tests.providers._http import Request, serve

_NEW_ROOT_NAMES = {
    "ActivityProvider": "autoplay_sdk.providers",
    "AmplitudeProvider": "autoplay_sdk.providers",
    "PostHogProvider": "autoplay_sdk.providers",
    "ProviderRegistrationBody": "autoplay_sdk.providers",
    "AutoplayStorageAdapter": "autoplay_sdk.storage",
    "StorageManager": "autoplay_sdk.storage",
    "RedisStorageAdapter": "autoplay_sdk.storage",
    "InMemoryStorageAdapter": "autoplay_sdk.storage",
    "user_state_key": "autoplay_sdk.storage",
    "session_key": "autoplay_sdk.storage",
    "init_user_state": "autoplay_sdk.storage",
    "on_session_start": "autoplay_sdk.storage",
    "on_session_end": "autoplay_sdk.storage",
    "build_agent_context": "autoplay_sdk.storage",
    "UserAdoptionState": "autoplay_sdk.user_adoption_state",
    "JourneyState": "autoplay_sdk.user_adoption_state",
    "MasteryLevel": "autoplay_sdk.user_adoption_state",
    "WorkflowStatus": "autoplay_sdk.user_adoption_state",
}

_PROBE = """
import json, sys, warnings
warnings.simplefilter("error")
import autoplay_sdk
new = ("redis", "autoplay_sdk.storage", "autoplay_sdk.providers", "autoplay_sdk.user_adoption_state",
       "autoplay_sdk.admin", "autoplay_sdk.prompts.user_adoption")
loaded = sorted(m for m in new if m in sys.modules)
ns = {}
exec("from autoplay_sdk import *", ns)
from autoplay_sdk import StorageManager, user_adoption_state, PostHogProvider
print(json.dumps({"loaded": loaded, "star": sorted(k for k in ns if not k.startswith("__") or k == "__version__"),
                  "redis_after": "redis" in sys.modules}))
"""


def test_import_loads_none_of_the_new_packages_and_star_is_unchanged() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    assert report["loaded"] == []
    assert report["star"] == sorted(autoplay_sdk.__all__)
    assert report["redis_after"] is False  # the storage package does not import redis either


def test_new_root_names_are_the_canonical_objects_without_warnings() -> None:
    import importlib

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, module in _NEW_ROOT_NAMES.items():
            assert getattr(autoplay_sdk, name) is getattr(importlib.import_module(module), name)
        assert autoplay_sdk.user_adoption_state is importlib.import_module("autoplay_sdk.user_adoption_state")
    assert not set(_NEW_ROOT_NAMES) & set(autoplay_sdk.__all__) and len(autoplay_sdk.__all__) == 50
    with pytest.raises(AttributeError):
        autoplay_sdk.NoSuchName  # noqa: B018


async def test_render_onboarding_keeps_the_075_request_and_result() -> None:
    """Without a provider, onboard_product sends the Render body and returns the 0.7.5 result."""

    def answer(req: Request) -> tuple[int, Any]:
        return 201, {"unkey_key": "UK", "unkey_key_id": "kid", "webhook_secret": "WS", "dual_write": False,
                     "amplitude_ingest_url": "https://elsewhere/x"}  # fmt: skip

    with serve(answer) as (base, seen):
        result = await onboard_product("acme", contact_email="ops@acme.io", connector_url=base, webhook_secret="WS")
        run = await runner.run_product_onboarding(
            runner.OnboardingRunParams(base, "", "acme", "ops@acme.io", "WS", print_operator_summary=False)
        )
        with_provider = await runner.run_product_onboarding(
            runner.OnboardingRunParams(
                base,
                "",
                "acme",
                "e@x.y",
                "WS",
                print_operator_summary=False,
                user_activity_provider=autoplay_sdk.AmplitudeProvider(),
            )
        )
    assert list(seen[0].body) == [
        "product_id", "contact_email", "webhook_secret", "integration_type", "integration_config",
        "forward_url", "forward_secret", "force_reregister",
    ]  # fmt: skip
    assert "provider" not in seen[0].body
    assert result.stream_url == f"{base}/stream/acme" and not hasattr(result, "amplitude_ingest_url")
    assert run.amplitude_ingest_url == ""  # the 0.7.5 result, field for field
    assert with_provider.amplitude_ingest_url == "https://elsewhere/x"


def test_patched_summary_printer_sees_the_075_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 0.7.5 test that patches the summary printer with the old signature keeps working."""
    calls: list[tuple[Any, str]] = []

    def old_style(result: Any, *, connector_url: str) -> None:
        calls.append((result.product_id, connector_url))

    monkeypatch.setattr(runner, "print_onboarding_operator_summary", old_style)
    with serve(lambda req: (201, {"unkey_key": "UK", "unkey_key_id": "kid"})) as (base, _):
        onboard_product_sync = __import__("autoplay_sdk.admin", fromlist=["x"]).onboard_product_sync
        onboard_product_sync("acme", contact_email="a@b.c", connector_url=base, print_operator_summary=True)
    assert calls == [("acme", base)]
