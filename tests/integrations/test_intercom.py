"""Intercom helpers: exact constants, URLs, headers and bodies (spec 02 §8, 01 §10.3)."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import string
import subprocess
import textwrap
from typing import Any

import pytest

from autoplay_sdk.integrations import intercom
from autoplay_sdk.integrations.intercom import (
    DEFAULT_PROACTIVE_QUICK_REPLY_BODY,
    INTERCOM_API_VERSION_DELETE_CONVERSATION,
    INTERCOM_API_VERSION_QUICK_REPLY,
    INTERCOM_API_VERSION_REST,
    INTERCOM_API_VERSION_UNSTABLE,
    INTERCOM_CREATE_CONVERSATION_DEFAULT_BODY,
    INTERCOM_HTTP_HEADER_VERSION,
    INTERCOM_PROACTIVE_PROMPTS_MAX,
    INTERCOM_PROACTIVE_QUICK_REPLY_DEFAULT_BODY,
    INTERCOM_REST_API_BASE,
    INTERCOM_WEBHOOK_TOPIC_USER_CREATED,
    INTERCOM_WEBHOOK_TOPIC_USER_REPLIED,
    INTERCOM_WEBHOOK_TOPICS,
    REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE,
    IntercomProactivePolicyConfig,
    build_connector_llm_prompt_labels_request_body,
    build_create_user_conversation_payload,
    build_intercom_delete_conversation_request,
    build_intercom_quick_reply_reply_payload,
    contacts_search_query_email,
    contacts_search_query_external_id,
    conversation_id_from_create_conversation_response,
    first_contact_id_from_search_response,
    format_reactive_session_link_script,
    intercom_chatbot_webhook_url,
    intercom_connector_llm_prompt_labels_url,
    intercom_delete_conversation_headers,
    intercom_delete_conversation_url,
    intercom_quick_reply_http_headers,
    intercom_rest_json_headers,
    normalize_intercom_quick_reply_labels,
    proactive_trigger_canonical_url_ping_pong,
    proactive_trigger_canonical_url_ping_pong_projects_either_leg,
)

# --------------------------------------------------------------------------- constants


def test_constants_have_the_published_values() -> None:
    assert INTERCOM_WEBHOOK_TOPIC_USER_CREATED == "conversation.user.created"
    assert INTERCOM_WEBHOOK_TOPIC_USER_REPLIED == "conversation.user.replied"
    assert INTERCOM_WEBHOOK_TOPICS == ("conversation.user.created", "conversation.user.replied")
    assert isinstance(INTERCOM_WEBHOOK_TOPICS, tuple)
    assert INTERCOM_REST_API_BASE == "https://api.intercom.io"
    assert INTERCOM_PROACTIVE_PROMPTS_MAX == 3
    assert INTERCOM_HTTP_HEADER_VERSION == "Intercom-Version"
    assert INTERCOM_API_VERSION_QUICK_REPLY == "Unstable"
    assert INTERCOM_API_VERSION_UNSTABLE == "Unstable"
    assert INTERCOM_API_VERSION_REST == "2.11"
    assert INTERCOM_API_VERSION_DELETE_CONVERSATION == "2.15"
    assert INTERCOM_PROACTIVE_QUICK_REPLY_DEFAULT_BODY == "Need my expert help?"
    assert DEFAULT_PROACTIVE_QUICK_REPLY_BODY == "Need my expert help?"
    assert INTERCOM_CREATE_CONVERSATION_DEFAULT_BODY == "Hi, I'd like some help based on my recent session."


def test_module_defines_no_all_like_the_published_module() -> None:
    assert not hasattr(intercom, "__all__")


# --------------------------------------------------------------------------- connector URLs


@pytest.mark.parametrize(
    ("host", "expected_base"),
    [
        (" https://host.x/ ", "https://host.x"),
        ("http://h:8080", "http://h:8080"),
        ("conn.example.com", "https://conn.example.com"),
        ("conn.example.com///", "https://conn.example.com"),
        ("https://h.example/base/", "https://h.example/base"),
    ],
)
def test_connector_urls_normalise_the_host(host: str, expected_base: str) -> None:
    assert intercom_chatbot_webhook_url(host, "p1") == f"{expected_base}/chatbot-webhook/p1"
    assert intercom_connector_llm_prompt_labels_url(host, "p1") == f"{expected_base}/intercom/proactive/p1"


@pytest.mark.parametrize("func", [intercom_chatbot_webhook_url, intercom_connector_llm_prompt_labels_url])
@pytest.mark.parametrize("host", ["", "   ", " / "])
def test_connector_urls_reject_a_blank_host_first(func: Any, host: str) -> None:
    # The host is validated before product_id, so a bad product id does not change the message.
    with pytest.raises(ValueError, match=r"^connector_host must be non-empty$"):
        func(host, "")


@pytest.mark.parametrize("func", [intercom_chatbot_webhook_url, intercom_connector_llm_prompt_labels_url])
@pytest.mark.parametrize("product_id", ["", "a/b", "/"])
def test_connector_urls_reject_bad_product_ids(func: Any, product_id: str) -> None:
    with pytest.raises(ValueError) as info:
        func("host", product_id)
    assert str(info.value) == "product_id must be non-empty and must not contain '/'"


def test_connector_urls_use_the_product_id_verbatim() -> None:
    assert intercom_chatbot_webhook_url("h", " p 1 ") == "https://h/chatbot-webhook/ p 1 "


def test_llm_prompt_labels_request_body() -> None:
    assert build_connector_llm_prompt_labels_request_body() == {
        "session_id": "",
        "conversation_id": "",
        "action_count": 1,
    }
    body = build_connector_llm_prompt_labels_request_body(
        session_id=" s1 ",
        conversation_id="\tc1\n",
        action_count="4",  # type: ignore[arg-type]
    )
    assert body == {"session_id": "s1", "conversation_id": "c1", "action_count": 4}
    assert list(body) == ["session_id", "conversation_id", "action_count"]


# --------------------------------------------------------------------------- REST headers and URLs


def test_rest_json_headers_exact_keys_values_and_order() -> None:
    headers = intercom_rest_json_headers("  tok  ")
    assert list(headers.items()) == [
        ("Authorization", "Bearer tok"),
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("Intercom-Version", "2.11"),
    ]
    assert intercom_rest_json_headers("t", api_version=" 2.14 ")["Intercom-Version"] == "2.14"
    assert intercom_rest_json_headers("t", api_version="")["Intercom-Version"] == "2.11"


def test_quick_reply_headers_have_no_accept_and_unstable_version() -> None:
    assert list(intercom_quick_reply_http_headers(" tok\n").items()) == [
        ("Authorization", "Bearer tok"),
        ("Content-Type", "application/json"),
        ("Intercom-Version", "Unstable"),
    ]


def test_delete_conversation_url() -> None:
    assert intercom_delete_conversation_url(" 123 ") == "https://api.intercom.io/conversations/123?retain_metrics=true"
    assert (
        intercom_delete_conversation_url("123", retain_metrics=False)
        == "https://api.intercom.io/conversations/123?retain_metrics=false"
    )
    assert (
        intercom_delete_conversation_url(None)  # type: ignore[arg-type]
        == "https://api.intercom.io/conversations/?retain_metrics=true"
    )
    # Not URL-encoded.
    assert intercom_delete_conversation_url("a b") == "https://api.intercom.io/conversations/a b?retain_metrics=true"


def test_delete_conversation_headers_use_version_2_15() -> None:
    assert intercom_delete_conversation_headers("tok") == {
        "Authorization": "Bearer tok",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Intercom-Version": "2.15",
    }


def test_build_delete_conversation_request() -> None:
    url, headers = build_intercom_delete_conversation_request(" tok ", " c9 ", retain_metrics=False)
    assert url == "https://api.intercom.io/conversations/c9?retain_metrics=false"
    assert headers == intercom_delete_conversation_headers("tok")
    assert build_intercom_delete_conversation_request("t", "c")[0].endswith("?retain_metrics=true")


# --------------------------------------------------------------------------- contacts


def test_contacts_search_queries() -> None:
    assert contacts_search_query_email(" a@b.co ") == {"query": {"field": "email", "operator": "=", "value": "a@b.co"}}
    assert contacts_search_query_external_id("\tu-1 ") == {
        "query": {"field": "external_id", "operator": "=", "value": "u-1"}
    }
    assert contacts_search_query_email(None)["query"]["value"] == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"data": [{"id": " c1 "}, {"id": "c2"}]}, "c1"),
        ({"data": [{"id": 42}]}, "42"),
        ({"data": [{"id": "  "}]}, None),
        ({"data": [{"id": None}, {"id": "c2"}]}, None),  # only the first element counts
        ({"data": [{"name": "x"}]}, None),
        ({"data": ["c1"]}, None),
        ({"data": []}, None),
        ({"data": {"id": "c1"}}, None),
        ({}, None),
        ([{"id": "c1"}], None),
        (None, None),
        ("data", None),
    ],
)
def test_first_contact_id_from_search_response(body: Any, expected: str | None) -> None:
    assert first_contact_id_from_search_response(body) == expected


# --------------------------------------------------------------------------- conversations


def test_build_create_user_conversation_payload() -> None:
    assert build_create_user_conversation_payload(" u1 ", " Hello ") == {
        "from": {"type": "user", "id": "u1"},
        "body": "Hello",
    }
    assert build_create_user_conversation_payload("u1")["body"] == INTERCOM_CREATE_CONVERSATION_DEFAULT_BODY
    assert build_create_user_conversation_payload("u1", "")["body"] == INTERCOM_CREATE_CONVERSATION_DEFAULT_BODY
    # A whitespace-only body is truthy, so it is used (and stripped to "").
    assert build_create_user_conversation_payload("u1", "   ")["body"] == ""
    assert build_create_user_conversation_payload(None)["from"]["id"] == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"conversation_id": " c1 ", "id": "c2"}, "c1"),
        ({"conversation_id": "  ", "id": "c2"}, "c2"),
        ({"conversation_id": None, "id": 7}, "7"),
        ({"id": "", "conversation": {"id": " n1 ", "conversation_id": "n2"}}, "n1"),
        ({"conversation": {"id": None, "conversation_id": "n2"}}, "n2"),
        ({"conversation": "c1"}, None),
        ({"conversation": {"id": " "}}, None),
        ({}, None),
        (["c1"], None),
        (None, None),
    ],
)
def test_conversation_id_from_create_conversation_response(data: Any, expected: str | None) -> None:
    assert conversation_id_from_create_conversation_response(data) == expected


# --------------------------------------------------------------------------- quick replies


def test_normalize_quick_reply_labels() -> None:
    assert normalize_intercom_quick_reply_labels([" a ", "", "  ", "b", "c", "d"]) == ["a", "b", "c"]
    assert normalize_intercom_quick_reply_labels([None, "x"]) == ["None", "x"]  # type: ignore[list-item]
    assert normalize_intercom_quick_reply_labels([]) == []


def test_normalize_stops_consuming_after_three_labels() -> None:
    consumed: list[str] = []

    def labels() -> Any:
        for label in ["a", "b", "c", "d", "e"]:
            consumed.append(label)
            yield label

    assert normalize_intercom_quick_reply_labels(labels()) == ["a", "b", "c"]
    assert "e" not in consumed


def test_quick_reply_payload_exact_shape() -> None:
    payload = build_intercom_quick_reply_reply_payload(
        admin_id=" 99 ",
        body=" Need my expert help? ",
        prompt_labels=["Show me how!", "!!!", "Café déjà vu", "fourth"],
    )
    assert payload == {
        "message_type": "quick_reply",
        "type": "admin",
        "admin_id": "99",
        "body": " Need my expert help? ",
        "reply_options": [
            {"text": "Show me how!", "uuid": "show_me_how"},
            {"text": "!!!", "uuid": "option"},
            {"text": "Café déjà vu", "uuid": "caf_d_j_vu"},
        ],
    }
    assert list(payload) == ["message_type", "type", "admin_id", "body", "reply_options"]


def test_quick_reply_payload_keeps_duplicate_slugs_and_handles_no_labels() -> None:
    payload = build_intercom_quick_reply_reply_payload(admin_id="1", body="b", prompt_labels=["Yes", "yes!", " "])
    assert payload["reply_options"] == [{"text": "Yes", "uuid": "yes"}, {"text": "yes!", "uuid": "yes"}]
    assert build_intercom_quick_reply_reply_payload(admin_id="1", body="b", prompt_labels=[])["reply_options"] == []


# --------------------------------------------------------------------------- trigger predicates


@pytest.mark.parametrize(
    ("urls", "min_cycles", "expected"),
    [
        (["/a", None, "", "/b", "/a"], 1, True),
        (["/a", "/a", "/a"], 1, False),
        (["/a", "/b"], 1, False),
        (["/a", None, "/b", "  "], 1, False),
        ([" /a ", "/b", "/a"], 1, True),
        (["/a", "/b", "/a", "/b"], 2, True),  # overlapping triples: a-b-a and b-a-b
        (["/a", "/b", "/a", "/c"], 2, False),
        (["/a", "/b", "/c"], 1, False),
        (["/a", "/b", "/a"], 0, True),
        (["/a"], 0, False),  # fewer than three pages is always False
    ],
)
def test_ping_pong(urls: list[str | None], min_cycles: int, expected: bool) -> None:
    assert proactive_trigger_canonical_url_ping_pong(urls, min_cycles=min_cycles) is expected


def test_ping_pong_projects_either_leg() -> None:
    either = proactive_trigger_canonical_url_ping_pong_projects_either_leg
    assert either(["/projects/1", "/home", "/projects/1"]) is True  # A matches
    assert either(["/home", "/projects/1", "/home"]) is True  # B matches
    assert either(["/home", "/settings", "/home"]) is False
    assert either(["/home", "/Projects", "/home"]) is False  # case-sensitive
    assert either(["/home", "/settings", "/home"], projects_substring="  ") is True  # empty counts all
    assert either(["/home", "/settings", "/home"], projects_substring=" billing ") is False
    assert either(["/home", "/settings", "/home"], projects_substring=" sett ") is True  # stripped
    assert either(["/p/x", "/q", "/p/x", "/q", "/p/x"], projects_substring="/p/", min_cycles=3) is True
    assert either(["/p/x", "/q", "/p/x", "/r", "/p/x"], projects_substring="/p/", min_cycles=3) is False


def test_proactive_policy_config() -> None:
    default = IntercomProactivePolicyConfig()
    assert (default.enabled, default.min_actions, default.cooldown_seconds) == (True, 1, 0.0)
    assert [f.name for f in dataclasses.fields(IntercomProactivePolicyConfig)] == [
        "enabled",
        "min_actions",
        "cooldown_seconds",
    ]
    cfg = IntercomProactivePolicyConfig(False, 5, 30.5)
    assert cfg.to_integration_config_fragment() == {
        "proactive": {"enabled": False, "min_actions": 5, "cooldown_seconds": 30.5}
    }
    cfg.min_actions = 7  # mutable, values reported as stored
    assert cfg.to_integration_config_fragment()["proactive"]["min_actions"] == 7


# --------------------------------------------------------------------------- reactive session-link script


def test_reactive_script_structure() -> None:
    script = format_reactive_session_link_script(" https://conn.example.com:8443/x/ ", 'p"1')
    lines = script.split("\n")
    assert lines[0] == "<script>"
    assert lines[-1] == "</script>"
    assert not script.endswith("\n")
    assert 'window.Intercom("onConversationStarted", function (data) {' in script
    assert 'typeof posthog !== "undefined"' in script
    assert "posthog.get_session_id()" in script
    assert 'fetch("https://conn.example.com:8443" + "/sessions/link", {' in script
    assert 'method: "POST"' in script
    assert 'headers: { "Content-Type": "application/json" }' in script
    assert 'product_id: "p\\"1",' in script
    assert "session_id: sessionId," in script
    assert "conversation_id: data.conversation_id" in script
    assert 'console.warn("[autoplay]' in script
    assert "{{" not in script and "}}" not in script


@pytest.mark.parametrize(
    ("host", "hostname"),
    [
        ("conn.example.com", "conn.example.com"),
        ("http://conn.example.com/", "conn.example.com"),
        ("https://conn.example.com:8443/a/b", "conn.example.com:8443"),
        ("  conn.example.com/path  ", "conn.example.com"),
    ],
)
def test_reactive_script_always_fetches_https_hostname(host: str, hostname: str) -> None:
    script = format_reactive_session_link_script(host, "p")
    assert f'fetch("https://{hostname}" + "/sessions/link"' in script


def test_reactive_script_is_the_template_rendered() -> None:
    fields = {name for _, name, _, _ in string.Formatter().parse(REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE) if name}
    assert fields == {"connector_hostname", "fetch_path", "product_id"}
    rendered = REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE.format(
        connector_hostname="h.example", fetch_path="/sessions/link", product_id="p1"
    )
    assert rendered == format_reactive_session_link_script("https://h.example/", "p1")


_NODE_HARNESS = textwrap.dedent(
    """
    const vm = require("vm");
    const script = process.argv[1];
    const scenario = JSON.parse(process.argv[2]);
    const js = script.replace(/^<script>\\n/, "").replace(/\\n<\\/script>$/, "");
    const calls = [];
    const warnings = [];
    let handler = null;
    const sandbox = {
      window: { Intercom: (name, fn) => { calls.push(["register", name]); handler = fn; } },
      console: { warn: (...args) => warnings.push(args.map(String).join(" ")) },
      fetch: (url, init) => {
        calls.push(["fetch", url, init.method, init.headers, JSON.parse(init.body)]);
        return scenario.fetchFails ? Promise.reject(new Error("offline")) : Promise.resolve({ ok: true });
      },
    };
    if (scenario.posthog === "ok") sandbox.posthog = { get_session_id: () => "sess-1" };
    if (scenario.posthog === "throws") sandbox.posthog = { get_session_id: () => { throw new Error("x"); } };
    vm.createContext(sandbox);
    vm.runInContext(js, sandbox);
    let threw = false;
    try { handler(scenario.data); } catch (e) { threw = true; }
    setTimeout(() => console.log(JSON.stringify({ calls, warnings, threw })), 10);
    """
)


def _run_script_in_node(scenario: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = format_reactive_session_link_script("https://conn.example.com:8443/x/", 'p"1')
    out = subprocess.run(
        [node, "-e", _NODE_HARNESS, script, json.dumps(scenario)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_reactive_script_posts_the_link_when_run_in_a_browser_like_sandbox() -> None:
    result = _run_script_in_node({"posthog": "ok", "data": {"conversation_id": "conv-9"}})
    assert result["threw"] is False
    assert result["calls"] == [
        ["register", "onConversationStarted"],
        [
            "fetch",
            "https://conn.example.com:8443/sessions/link",
            "POST",
            {"Content-Type": "application/json"},
            {"product_id": 'p"1', "session_id": "sess-1", "conversation_id": "conv-9"},
        ],
    ]
    assert result["warnings"] == []


@pytest.mark.parametrize(
    "scenario",
    [
        {"posthog": "absent", "data": {"conversation_id": "conv-9"}},
        {"posthog": "throws", "data": {"conversation_id": "conv-9"}},
        {"posthog": "ok", "data": {}},
        {"posthog": "ok", "data": None},
    ],
)
def test_reactive_script_returns_early_without_ids(scenario: dict[str, Any]) -> None:
    result = _run_script_in_node(scenario)
    assert result["threw"] is False
    assert result["calls"] == [["register", "onConversationStarted"]]


def test_reactive_script_warns_instead_of_throwing_when_fetch_fails() -> None:
    result = _run_script_in_node({"posthog": "ok", "data": {"conversation_id": "c"}, "fetchFails": True})
    assert result["threw"] is False
    assert len(result["warnings"]) == 1
    assert result["warnings"][0].startswith("[autoplay]")


# --------------------------------------------------------------------------- purity


def test_helpers_emit_no_log_records(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        intercom_chatbot_webhook_url("h", "p")
        build_intercom_quick_reply_reply_payload(admin_id="1", body="b", prompt_labels=["a"])
        format_reactive_session_link_script("h", "p")
        proactive_trigger_canonical_url_ping_pong(["/a", "/b", "/a"])
    assert caplog.records == []
