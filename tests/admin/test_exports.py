"""The admin surfaces: exact ``__all__``s, identities, the independent ``admin.onboard`` copy, the alias."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys

import pytest

import autoplay_sdk.admin as admin
import autoplay_sdk.admin.admin as admin_admin
import autoplay_sdk.admin.onboard as onboard
import autoplay_sdk.admin.onboarding as onboarding
from autoplay_sdk.admin import connector_registration_http as http_mod
from autoplay_sdk.admin import product_onboarding as runner

PACKAGE_ALL = [
    "DEFAULT_CONNECTOR_URL",
    "ConnectorRegistrationHttpError",
    "MergedPostRegistrationHttpError",
    "OnboardProductResult",
    "ProductAlreadyRegisteredError",
    "UnkeyOnboardingError",
    "onboard_product",
    "onboard_product_sync",
    "print_onboarding_operator_summary",
]
MODULE_ALL = [
    "DEFAULT_CONNECTOR_URL",
    "ConnectorRegistrationHttpError",
    "MergedPostRegistrationHttpError",
    "ProductAlreadyRegisteredError",
    "OnboardProductResult",
    "UnkeyOnboardingError",
    "onboard_product",
    "onboard_product_sync",
    "print_onboarding_operator_summary",
]


def test_exact_all_lists() -> None:
    assert admin.__all__ == PACKAGE_ALL
    assert admin_admin.__all__ == MODULE_ALL
    assert onboarding.__all__ == MODULE_ALL
    assert onboard.__all__ == MODULE_ALL
    for module in (runner, http_mod, importlib.import_module("autoplay_sdk.admin.onboarding_constants")):
        assert not hasattr(module, "__all__")


def test_package_and_admin_admin_re_export_the_onboarding_objects() -> None:
    for name in MODULE_ALL:
        assert getattr(admin, name) is getattr(onboarding, name)
        assert getattr(admin_admin, name) is getattr(onboarding, name)
    assert onboarding.run_product_onboarding is runner.run_product_onboarding
    assert onboarding.OnboardingRunParams is runner.OnboardingRunParams
    assert onboarding.OnboardingRunResult is runner.OnboardingRunResult


def test_onboard_is_an_independent_copy_sharing_exceptions_and_runner() -> None:
    for name in (
        "OnboardProductResult",
        "onboard_product",
        "onboard_product_sync",
        "print_onboarding_operator_summary",
    ):
        assert getattr(onboard, name) is not getattr(onboarding, name)
    assert (
        onboard.DEFAULT_CONNECTOR_URL == onboarding.DEFAULT_CONNECTOR_URL == "https://event-connector-luda.onrender.com"
    )
    for name in (
        "ConnectorRegistrationHttpError",
        "ProductAlreadyRegisteredError",
        "MergedPostRegistrationHttpError",
        "UnkeyOnboardingError",
        "OnboardingRunParams",
        "OnboardingRunResult",
        "run_product_onboarding",
    ):
        assert getattr(onboard, name) is getattr(onboarding, name)
    assert onboard.onboard_product.__globals__ is vars(onboard)
    assert onboard.OnboardProductResult.__module__ == "autoplay_sdk.admin.onboard"
    assert "0.7.3" in (onboard.__doc__ or "")


def test_exception_tree_and_constructor() -> None:
    err = admin.ProductAlreadyRegisteredError("boom", status_code=409, response_text="{}")
    assert isinstance(err, admin.ConnectorRegistrationHttpError)
    assert issubclass(admin.MergedPostRegistrationHttpError, admin.ConnectorRegistrationHttpError)
    assert issubclass(admin.UnkeyOnboardingError, Exception)
    assert not issubclass(admin.UnkeyOnboardingError, admin.ConnectorRegistrationHttpError)
    assert (str(err), err.args, err.status_code, err.response_text) == ("boom", ("boom",), 409, "{}")
    plain = admin.ConnectorRegistrationHttpError("x")
    assert (plain.status_code, plain.response_text) == (None, "")


def test_dataclass_fields_in_order() -> None:
    params = [(f.name, f.type) for f in dataclasses.fields(runner.OnboardingRunParams)]
    assert params == [
        ("connector_url", "str"),
        ("admin_key", "str"),
        ("product_id", "str"),
        ("contact_email", "str"),
        ("webhook_secret", "str"),
        ("integration_type", "str"),
        ("forward_url", "str"),
        ("forward_secret", "str"),
        ("render_api_key", "str | None"),
        ("render_service_id", "str | None"),
        ("merge_local_path", "Path | None"),
        ("no_unkey", "bool"),
        ("key_name", "str | None"),
        ("print_operator_summary", "bool"),
        ("quiet", "bool"),
        ("connector_http_timeout_seconds", "float | None"),
        ("force_reregister", "bool"),
        ("user_activity_provider", "ActivityProvider | None"),  # additive, last: the provider of the summary
    ]
    p = runner.OnboardingRunParams("u", "", "p", "e", "s")
    assert (p.integration_type, p.print_operator_summary, p.quiet, p.force_reregister) == (
        "event_stream",
        True,
        False,
        False,
    )
    result_fields = [
        "product_id",
        "webhook_url",
        "stream_url",
        "webhook_secret",
        "integration_type",
        "render_sync_performed",
        "connector_response",
        "unkey_key",
        "unkey_key_id",
    ]
    assert [f.name for f in dataclasses.fields(runner.OnboardingRunResult)] == [*result_fields, "amplitude_ingest_url"]
    assert [f.name for f in dataclasses.fields(admin.OnboardProductResult)] == result_fields


def test_repr_never_shows_secrets() -> None:
    result = admin.OnboardProductResult("p", "w", "s", "WSECRET", "event_stream", False, {"k": "RAW"}, "UKEY", "kid")
    run = runner.OnboardingRunResult("p", "w", "s", "WSECRET", "event_stream", False, {"k": "RAW"}, "UKEY", "kid")
    params = runner.OnboardingRunParams("u", "ADMIN", "p", "e", "WSECRET", forward_secret="FWD", render_api_key="RK")
    for text in (repr(result), repr(run), repr(params)):
        for secret in ("WSECRET", "UKEY", "RAW", "ADMIN", "FWD", "RK"):
            assert secret not in text
    assert result == admin.OnboardProductResult(
        "p", "w", "s", "WSECRET", "event_stream", False, {"k": "RAW"}, "UKEY", "kid"
    )


def test_deprecated_onboarding_alias_warns_and_is_the_canonical_module() -> None:
    sys.modules.pop("autoplay_sdk.onboarding", None)
    with pytest.warns(
        DeprecationWarning, match="`autoplay_sdk.onboarding` has moved to `autoplay_sdk.admin.onboarding`"
    ):
        old = importlib.import_module("autoplay_sdk.onboarding")
    assert old is onboarding
    assert old.onboard_product is admin.onboard_product


def test_canonical_admin_paths_never_warn() -> None:
    code = (
        "import warnings; warnings.simplefilter('error')\n"
        "import autoplay_sdk.admin, autoplay_sdk.admin.onboard, autoplay_sdk.admin.admin\n"
        "import autoplay_sdk.admin.render_products_config, autoplay_sdk.install_skills\n"
        "import sys; assert 'fastapi' not in sys.modules and 'uvicorn' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


async def test_each_copy_resolves_its_own_runner_and_default_url(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []

    def fake_runner(tag: str) -> object:
        async def run(params: runner.OnboardingRunParams, *, client: object = None) -> runner.OnboardingRunResult:
            calls.append((tag, params.connector_url))
            return runner.OnboardingRunResult(
                params.product_id, "w", "s", params.webhook_secret, "event_stream", False, {}, "k", "i"
            )

        return run

    monkeypatch.setattr(onboard, "run_product_onboarding", fake_runner("copy"))
    monkeypatch.setattr(onboard, "DEFAULT_CONNECTOR_URL", "http://copy.test/")
    monkeypatch.setattr(onboarding, "run_product_onboarding", fake_runner("canonical"))
    monkeypatch.setattr("secrets.token_urlsafe", lambda n: f"fixed-{n}")

    result = await onboard.onboard_product("p", contact_email="e@x")
    assert isinstance(result, onboard.OnboardProductResult) and not isinstance(result, onboarding.OnboardProductResult)
    assert result.webhook_secret == "fixed-32"
    await onboarding.onboard_product("p", contact_email="e@x")
    assert calls == [("copy", "http://copy.test"), ("canonical", "https://event-connector-luda.onrender.com")]
