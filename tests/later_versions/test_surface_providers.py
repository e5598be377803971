"""Activity providers and both onboarding contracts, checked as tables: import paths, ``__all__``,
signatures, fields, constants and exact messages.  The Render onboarding keeps its 0.7.5
signature plus one optional keyword; the hosted connector is its own entry point."""

from __future__ import annotations

import dataclasses
import json
import string
from typing import Any

import httpx
import pytest

from tests.later_versions._surface import field_layout, is_frozen, resolve, signature

_P = "autoplay_sdk.providers"
_DEST = "autoplay_sdk.providers.posthog.destination"
_HTTP = "autoplay_sdk.admin.connector_registration_http"
_HOSTED = "autoplay_sdk.admin.hosted"

MODULE_ALL = [
    (_P, ["ActivityProvider", "AmplitudeProvider", "PostHogProvider", "ProviderRegistrationBody"]),
    (f"{_P}.base", ["ActivityProvider", "ProviderRegistrationBody"]),
    (f"{_P}.posthog", ["PostHogProvider"]),
    (f"{_P}.posthog.provider", ["PostHogProvider"]),
    (
        _DEST,
        [
            "DestinationResult",
            "DestinationStatus",
            "PostHogDestinationError",
            "build_destination_body",
            "check_destination_status",
            "create_or_update_destination",
        ],
    ),
    (f"{_P}.amplitude", ["AmplitudeProvider"]),
    (f"{_P}.amplitude.provider", ["AmplitudeProvider"]),
    (
        _HOSTED,
        [
            "HOSTED_CONNECTOR_URL",
            "HostedOnboardProductResult",
            "onboard_hosted_product",
            "onboard_hosted_product_sync",
            "print_hosted_onboarding_summary",
        ],
    ),
]


@pytest.mark.parametrize(("module", "expected"), MODULE_ALL, ids=[m for m, _ in MODULE_ALL])
def test_module_all(module: str, expected: list[str]) -> None:
    mod = resolve(module)
    assert list(mod.__all__) == expected
    for name in expected:
        assert getattr(mod, name) is not None


def test_subpackages_serve_the_same_objects() -> None:
    assert resolve(f"{_P}:PostHogProvider") is resolve(f"{_P}.posthog.provider:PostHogProvider")
    assert resolve(f"{_P}.posthog:PostHogProvider") is resolve(f"{_P}.posthog.provider:PostHogProvider")
    assert resolve(f"{_P}:AmplitudeProvider") is resolve(f"{_P}.amplitude.provider:AmplitudeProvider")
    assert resolve(f"{_P}:ActivityProvider") is resolve(f"{_P}.base:ActivityProvider")
    assert resolve(f"{_P}:ProviderRegistrationBody") is resolve(f"{_P}.base:ProviderRegistrationBody")
    assert resolve(f"{_HTTP}:build_aws_register_payload") and resolve(f"{_HTTP}:post_aws_register_product")


_075_ONBOARD = (
    "product_id, *, contact_email, connector_url=None, webhook_secret=None, force_reregister=False, "
    "print_operator_summary=False, key_name=None, connector_http_timeout_seconds=None, client=None"
)
_HOSTED_SIG = (
    "(provider_project_id, *, contact_email, user_activity_provider, owner_token=None, name=None, "
    "connector_url=None, ingest_secret=None, print_operator_summary=False, connector_http_timeout_seconds=None, "
    "client=None, quiet=False)"  # quiet: this SDK's keyword-only addition
)
SIGNATURES: list[tuple[str, str]] = [
    (
        f"{_P}:ProviderRegistrationBody",
        "(provider_name, webhook_url, webhook_secret, auth_header_name, sensitive_config_keys=<factory>)",
    ),
    (f"{_P}:ActivityProvider.build_registration_body", "(self, webhook_url, webhook_secret)"),
    (f"{_P}:ActivityProvider.get_session_id_js", "(self)"),
    (
        f"{_P}:ActivityProvider.format_operator_summary",
        "(self, *, connector_url, product_id, webhook_secret, integration_type, unkey_key, key_id)",
    ),
    (
        f"{_P}:PostHogProvider.create_destination",
        "(self, *, host, project_id, personal_api_key, webhook_url, webhook_secret, client=None)",
    ),
    (f"{_P}:PostHogProvider.verify", "(self, *, host, project_id, personal_api_key, destination_id, client=None)"),
    (f"{_DEST}:build_destination_body", "(*, webhook_url, webhook_secret, name='Autoplay Event Stream')"),
    (
        f"{_DEST}:create_or_update_destination",
        "(*, host, project_id, personal_api_key, webhook_url, webhook_secret, name='Autoplay Event Stream', "
        "client=None)",
    ),
    (f"{_DEST}:check_destination_status", "(*, host, project_id, personal_api_key, destination_id, client=None)"),
    (f"{_DEST}:DestinationResult", "(id, created)"),
    (f"{_DEST}:DestinationStatus", "(id, exists, enabled)"),
    (
        "autoplay_sdk.integrations.intercom:format_reactive_session_link_script",
        "(connector_host, product_id, session_id_js=None)",
    ),
    (f"{_HTTP}:redact_connector_error_response_text", "(text, extra_sensitive_keys=frozenset())"),
    (
        "autoplay_sdk.admin.product_onboarding:print_onboarding_operator_summary",
        "(result, *, connector_url, user_activity_provider=None)",
    ),
    (
        "autoplay_sdk.admin:print_onboarding_operator_summary",
        "(result, *, connector_url=None, user_activity_provider=None)",
    ),
    (
        f"{_HTTP}:build_aws_register_payload",
        "(*, provider, provider_project_id, contact_email, ingest_secret='', owner_token='', name='')",
    ),
    (f"{_HOSTED}:onboard_hosted_product", _HOSTED_SIG),
    (f"{_HOSTED}:onboard_hosted_product_sync", _HOSTED_SIG),
    (f"{_HOSTED}:print_hosted_onboarding_summary", "(result)"),
    ("autoplay_sdk.chat.chatbot:RedisConversationLinkStore", "(redis, *, key_prefix='autoplay:', ttl_s=86400.0)"),
]


@pytest.mark.parametrize(("path", "expected"), SIGNATURES, ids=[p for p, _ in SIGNATURES])
def test_signature(path: str, expected: str) -> None:
    assert signature(resolve(path)) == expected


@pytest.mark.parametrize(
    "path",
    [
        "autoplay_sdk.admin.onboarding:onboard_product",
        "autoplay_sdk.admin.onboarding:onboard_product_sync",
        "autoplay_sdk.admin.onboard:onboard_product",
        "autoplay_sdk.admin.onboard:onboard_product_sync",
    ],
)
def test_render_onboarding_keeps_the_075_signature_plus_an_optional_provider(path: str) -> None:
    import inspect

    params = inspect.signature(resolve(path)).parameters
    provider = params["user_activity_provider"]
    assert provider.kind is inspect.Parameter.KEYWORD_ONLY and provider.default is None
    rendered = signature(resolve(path))
    assert rendered.startswith(f"({_075_ONBOARD}")
    assert all(
        p.default is not inspect.Parameter.empty for n, p in params.items() if n not in ("product_id", "contact_email")
    )


def test_render_dataclasses_gain_only_last_optional_fields() -> None:
    params = field_layout(resolve("autoplay_sdk.admin.product_onboarding:OnboardingRunParams"))
    assert params[-1] == ("user_activity_provider", "None", False)
    assert [n for n, _, _ in params][:-1][-1] == "force_reregister"
    result = field_layout(resolve("autoplay_sdk.admin.product_onboarding:OnboardingRunResult"))
    assert [n for n, _, _ in result] == [
        "product_id",
        "webhook_url",
        "stream_url",
        "webhook_secret",
        "integration_type",
        "render_sync_performed",
        "connector_response",
        "unkey_key",
        "unkey_key_id",
        "amplitude_ingest_url",
    ]
    assert result[-1] == ("amplitude_ingest_url", "''", False)
    for module in ("autoplay_sdk.admin.onboarding", "autoplay_sdk.admin.onboard"):
        names = [f.name for f in dataclasses.fields(resolve(f"{module}:OnboardProductResult"))]
        assert "amplitude_ingest_url" not in names and len(names) == 9


def test_registration_body_is_a_mutable_dataclass() -> None:
    body_cls = resolve(f"{_P}:ProviderRegistrationBody")
    assert not is_frozen(body_cls)
    body = body_cls("x", "u", "s", "h")
    assert body.sensitive_config_keys == frozenset()
    body.webhook_url = "changed"


def test_activity_provider_is_abstract_in_every_member() -> None:
    import inspect

    base = resolve(f"{_P}:ActivityProvider")
    assert set(base.__abstractmethods__) == {
        "name",
        "build_registration_body",
        "get_session_id_js",
        "format_operator_summary",
    }
    assert isinstance(inspect.getattr_static(base, "name"), property)
    with pytest.raises(TypeError):
        base()


PROVIDERS = [
    (
        "PostHogProvider",
        "posthog",
        "X-PostHog-Secret",
        "x_posthog_secret",
        "typeof posthog !== 'undefined' ? posthog.get_session_id() : null",
    ),
    (
        "AmplitudeProvider",
        "amplitude",
        "Authorization",
        "amplitude_bearer_token",
        "typeof amplitude !== 'undefined' && amplitude.getSessionId() != null"
        " ? String(amplitude.getSessionId()) : null",
    ),
]


@pytest.mark.parametrize(("cls_name", "slug", "header", "key", "js"), PROVIDERS)
def test_provider_constants(cls_name: str, slug: str, header: str, key: str, js: str) -> None:
    cls = resolve(f"{_P}:{cls_name}")
    provider = cls()
    assert (cls.AUTH_HEADER_NAME, cls.SENSITIVE_CONFIG_KEY, provider.name) == (header, key, slug)
    assert provider.get_session_id_js() == js
    body = provider.build_registration_body("https://w", "sec")
    assert body == resolve(f"{_P}:ProviderRegistrationBody")(slug, "https://w", "sec", header, frozenset({key}))


def test_slugs_resolve_to_shared_instances_and_the_unknown_message_is_exact() -> None:
    resolve_provider = resolve("autoplay_sdk.providers._resolve:resolve_provider")
    amp = resolve_provider(" Amplitude ")
    assert amp is resolve_provider("amplitude") and amp.name == "amplitude"
    assert resolve_provider("POSTHOG").name == "posthog" and resolve_provider(None) is None
    own = resolve(f"{_P}:PostHogProvider")()
    assert resolve_provider(own) is own
    with pytest.raises(ValueError) as info:
        resolve_provider("Segment")
    assert str(info.value) == (
        'Invalid provider \'Segment\'. Expected one of: "amplitude", "posthog". Check for typos — provider names '
        "are case-sensitive and lowercase. Alternatively, pass a provider instance directly: "
        "user_activity_provider=AmplitudeProvider()."
    )


def test_destination_constants_types_and_body() -> None:
    dest = resolve(_DEST)
    assert dest.DESTINATION_NAME == "Autoplay Event Stream"
    assert is_frozen(dest.DestinationResult) and is_frozen(dest.DestinationStatus)
    assert dest.DestinationStatus("i", True, True).ok and not dest.DestinationStatus("i", True, False).ok
    assert not dest.DestinationStatus("i", False, True).ok
    assert issubclass(dest.PostHogDestinationError, Exception)
    body = dest.build_destination_body(webhook_url="https://w/h", webhook_secret="s3cr3t")
    assert list(body) == ["type", "name", "hog", "inputs", "inputs_schema", "enabled", "filters"]
    assert body["type"] == "destination" and body["name"] == "Autoplay Event Stream"
    assert body["inputs"] == {
        "url": {"value": "https://w/h"},
        "headers": {"value": {"x-posthog-secret": "s3cr3t"}},
        "debug": {"value": False},
    }
    assert body["inputs_schema"] == [
        {"key": "url", "type": "string", "label": "Webhook URL", "required": True},
        {"key": "headers", "type": "dictionary", "label": "Headers", "required": False},
        {"key": "debug", "type": "boolean", "label": "Debug", "required": False, "default": False},
    ]
    assert body["enabled"] is True and body["filters"] == {}
    from importlib import resources

    hog = resources.files("autoplay_sdk.providers.posthog").joinpath("autoplay_destination.hog").read_text("utf-8")
    assert body["hog"] == hog
    for marker in ('attr__id="', 'attr__name="', 'attr__href="', 'text="', "x-posthog-secret"):
        assert marker in hog
    for key in (
        "referrer",
        "email",
        "timestamp",
        "element_id",
        "event_type",
        "session_id",
        "current_url",
        "distinct_id",
        "elements_chain",
        "input_field_name",
        "link_destination",
        "button_or_link_text",
    ):
        assert key in hog, key


async def test_destination_requests_and_own_error_texts() -> None:
    dest = resolve(_DEST)
    seen: list[tuple[str, str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url), request.headers.get("authorization")))
        if request.method == "GET":
            return httpx.Response(200, json={"results": "not a list"})
        return httpx.Response(201, json={"no": "id"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(dest.PostHogDestinationError) as info:
            await dest.create_or_update_destination(
                host="https://ph.example/",
                project_id="42",
                personal_api_key="phx_key",
                webhook_url="https://w",
                webhook_secret="sec",
                client=client,
            )
        assert not client.is_closed
    assert str(info.value) == "PostHog API 201: response has no id"
    base = "https://ph.example/api/environments/42/hog_functions"
    assert seen == [("GET", base, "Bearer phx_key"), ("POST", base, "Bearer phx_key")]


def test_session_link_template_keeps_its_075_fields() -> None:
    intercom = resolve("autoplay_sdk.integrations.intercom")
    fields = {f for _, f, _, _ in string.Formatter().parse(intercom.REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE) if f}
    assert fields == {"connector_hostname", "fetch_path", "product_id"}
    assert intercom.format_reactive_session_link_script("h", "p") == intercom.format_reactive_session_link_script(
        "h", "p", session_id_js=None
    )
    assert 'typeof posthog !== "undefined"' in intercom.format_reactive_session_link_script("h", "p")


def test_redaction_extras_are_lowercased_and_positional() -> None:
    redact = resolve(f"{_HTTP}:redact_connector_error_response_text")
    body = json.dumps({"amplitude_bearer_token": "t", "webhook_secret": "w"})
    assert redact(body) == '{"amplitude_bearer_token":"t","webhook_secret":"[REDACTED]"}'
    assert redact(body, frozenset({"Amplitude_Bearer_Token"})) == (
        '{"amplitude_bearer_token":"[REDACTED]","webhook_secret":"[REDACTED]"}'
    )


def test_hosted_constants_and_admin_untouched() -> None:
    hosted = resolve(_HOSTED)
    admin = resolve("autoplay_sdk.admin")
    assert hosted.HOSTED_CONNECTOR_URL == "https://connector.autoplay.ai"
    assert admin.DEFAULT_CONNECTOR_URL == "https://event-connector-luda.onrender.com"
    assert resolve("autoplay_sdk.admin.onboard:DEFAULT_CONNECTOR_URL") == admin.DEFAULT_CONNECTOR_URL
    for name in hosted.__all__:
        assert name not in admin.__all__


def test_aws_payload_key_order_and_stripping() -> None:
    build = resolve(f"{_HTTP}:build_aws_register_payload")
    assert build(provider="amplitude", provider_project_id="1", contact_email=" a@b ") == {
        "provider": "amplitude",
        "provider_project_id": "1",
        "contact_email": " a@b ",
    }
    full = build(
        provider="posthog",
        provider_project_id="1",
        contact_email="a@b",
        ingest_secret=" s ",
        owner_token=" o ",
        name=" n ",
    )
    assert list(full.items())[3:] == [("ingest_secret", "s"), ("owner_token", "o"), ("name", "n")]
    assert "name" not in build(provider="p", provider_project_id="1", contact_email="a", name="   ")


def test_hosted_result_fields_and_repr_hide_secrets() -> None:
    cls = resolve(f"{_HOSTED}:HostedOnboardProductResult")
    assert not is_frozen(cls)
    assert [n for n, d, _ in field_layout(cls) if d == "<required>"] == [
        "product_id",
        "provider",
        "provider_project_id",
        "ingest_url",
        "ingest_secret",
        "ingest_auth",
        "mcp_url",
        "mcp_key",
        "mcp_auth",
        "owner_token",
        "connector_response",
    ]
    result = cls(
        "pid", "amplitude", "1", "https://i", "ING-SECRET", "", "https://m", "MCP-KEY", "", "OWNER-TOK", {"x": "RAW"}
    )
    text = repr(result)
    assert "pid" in text and "https://i" in text
    for secret in ("ING-SECRET", "MCP-KEY", "OWNER-TOK", "RAW"):
        assert secret not in text


HOSTED_VALIDATION = [
    (
        {"user_activity_provider": None},
        "user_activity_provider is required — pass a provider instance (e.g. AmplitudeProvider()) or a slug "
        '(e.g. "amplitude").',
    ),
    (
        {"provider_project_id": "  "},
        "Please provide a non-empty provider_project_id to onboard_hosted_product — your PostHog/Amplitude project "
        "id. The connector issues an opaque product_id for you; you no longer choose it.",
    ),
    (
        {"contact_email": " "},
        "Please provide a non-empty contact_email to onboard_hosted_product (valid email required by POST /products).",
    ),
]


@pytest.mark.parametrize(("change", "message"), HOSTED_VALIDATION)
async def test_hosted_validation_messages_before_any_io(change: dict[str, Any], message: str) -> None:
    onboard = resolve(f"{_HOSTED}:onboard_hosted_product")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    args: dict[str, Any] = {
        "provider_project_id": "123",
        "contact_email": "a@b",
        "user_activity_provider": "amplitude",
    } | change
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        with pytest.raises(ValueError) as info:
            await onboard(args.pop("provider_project_id"), client=client, **args)
    assert str(info.value) == message


async def test_hosted_missing_fields_message_and_success_is_201_only() -> None:
    onboard = resolve(f"{_HOSTED}:onboard_hosted_product")
    responses = [
        httpx.Response(201, json={"setup": [], "credentials": {"mcp_key": "k"}}),
        httpx.Response(200, json={"product_id": "p"}),
    ]
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(
            {"url": str(request.url), "admin": request.headers.get("x-admin-key"), **json.loads(request.content)}
        )
        return responses.pop(0)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(RuntimeError) as info:
            await onboard(" 9 ", contact_email=" a@b ", user_activity_provider="posthog", client=client, quiet=True)
        assert str(info.value) == (
            "Product registration did not return all required fields: product_id; setup.ingest_url; "
            "credentials.ingest_secret. Check the connector version and configuration."
        )
        with pytest.raises(resolve("autoplay_sdk.admin:ConnectorRegistrationHttpError")) as status:
            await onboard("9", contact_email="a@b", user_activity_provider="posthog", client=client, quiet=True)
        assert str(status.value).startswith("connector returned HTTP 200: ")
    assert sent[0] == {
        "url": "https://connector.autoplay.ai/products",
        "admin": None,
        "provider": "posthog",
        "provider_project_id": "9",
        "contact_email": "a@b",
    }


def test_hosted_summary_shows_sections_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    cls = resolve(f"{_HOSTED}:HostedOnboardProductResult")
    result = cls("pid", "amplitude", "1", "https://i", "ING", "", "https://m", "MCPK", "", "OWN", {})
    resolve(f"{_HOSTED}:print_hosted_onboarding_summary")(result)
    out = capsys.readouterr().out
    assert "=" * 60 in out
    positions = [
        out.index(s)
        for s in (
            "pid",
            "https://i",
            "Authorization: Bearer <ingest_secret>",
            "ING",
            "https://m",
            "Authorization: Bearer <mcp_key>",
            "MCPK",
            "OWN",
        )
    ]
    assert positions == sorted(positions)
    result.owner_token = None
    resolve(f"{_HOSTED}:print_hosted_onboarding_summary")(result)
    assert "OWN" not in capsys.readouterr().out
