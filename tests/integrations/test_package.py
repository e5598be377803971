"""The ``autoplay_sdk.integrations`` package: its 31-name ``__all__`` and import independence."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

import autoplay_sdk.integrations as integrations
from autoplay_sdk.integrations import _constants, intercom

EXPECTED_ALL = [
    "INTERCOM_API_VERSION_DELETE_CONVERSATION",
    "INTERCOM_API_VERSION_QUICK_REPLY",
    "INTERCOM_API_VERSION_REST",
    "INTERCOM_API_VERSION_UNSTABLE",
    "INTERCOM_CREATE_CONVERSATION_DEFAULT_BODY",
    "INTERCOM_HTTP_HEADER_VERSION",
    "INTERCOM_PROACTIVE_PROMPTS_MAX",
    "INTERCOM_PROACTIVE_QUICK_REPLY_DEFAULT_BODY",
    "INTERCOM_REST_API_BASE",
    "INTERCOM_WEBHOOK_TOPICS",
    "INTERCOM_WEBHOOK_TOPIC_USER_CREATED",
    "INTERCOM_WEBHOOK_TOPIC_USER_REPLIED",
    "IntercomProactivePolicyConfig",
    "build_connector_llm_prompt_labels_request_body",
    "build_create_user_conversation_payload",
    "build_intercom_delete_conversation_request",
    "build_intercom_quick_reply_reply_payload",
    "contacts_search_query_email",
    "contacts_search_query_external_id",
    "conversation_id_from_create_conversation_response",
    "first_contact_id_from_search_response",
    "format_reactive_session_link_script",
    "intercom_chatbot_webhook_url",
    "intercom_connector_llm_prompt_labels_url",
    "intercom_delete_conversation_headers",
    "intercom_delete_conversation_url",
    "intercom_quick_reply_http_headers",
    "intercom_rest_json_headers",
    "normalize_intercom_quick_reply_labels",
    "proactive_trigger_canonical_url_ping_pong",
    "proactive_trigger_canonical_url_ping_pong_projects_either_leg",
]


def test_all_is_exactly_the_31_sorted_names() -> None:
    assert integrations.__all__ == EXPECTED_ALL
    assert len(integrations.__all__) == 31
    assert sorted(integrations.__all__) == integrations.__all__


def test_every_exported_name_is_the_intercom_object() -> None:
    for name in EXPECTED_ALL:
        assert getattr(integrations, name) is getattr(intercom, name), name


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from autoplay_sdk.integrations import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(EXPECTED_ALL)


def test_template_and_usertour_are_not_reexported() -> None:
    assert "REACTIVE_SESSION_LINK_SCRIPT_TEMPLATE" not in integrations.__all__
    assert "DEFAULT_PROACTIVE_QUICK_REPLY_BODY" not in integrations.__all__
    assert not any("usertour" in name.lower() for name in integrations.__all__)


def test_default_quick_reply_body_comes_from_the_leaf_module() -> None:
    assert intercom.DEFAULT_PROACTIVE_QUICK_REPLY_BODY is _constants.DEFAULT_PROACTIVE_QUICK_REPLY_BODY
    assert intercom.INTERCOM_PROACTIVE_QUICK_REPLY_DEFAULT_BODY == "Need my expert help?"


def _has_proactive_triggers() -> bool:
    try:
        return importlib.util.find_spec("autoplay_sdk.proactive.triggers.defaults") is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.skipif(not _has_proactive_triggers(), reason="proactive.triggers not built yet")
def test_proactive_default_body_is_the_same_constant() -> None:
    defaults = importlib.import_module("autoplay_sdk.proactive.triggers.defaults")
    assert defaults.DEFAULT_PROACTIVE_QUICK_REPLY_BODY == intercom.INTERCOM_PROACTIVE_QUICK_REPLY_DEFAULT_BODY


def _fresh_import(*modules: str) -> subprocess.CompletedProcess[str]:
    code = "; ".join(f"import {m}" for m in modules)
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
    )


ORDERS = [
    ("autoplay_sdk.integrations",),
    ("autoplay_sdk.integrations.intercom",),
    ("autoplay_sdk.integrations.usertour_sse",),
    ("autoplay_sdk.integrations._constants",),
    ("autoplay_sdk.integrations.usertour_sse", "autoplay_sdk.integrations.intercom"),
    ("autoplay_sdk.integrations.intercom", "autoplay_sdk.integrations"),
    ("autoplay_sdk", "autoplay_sdk.integrations.intercom"),
]


@pytest.mark.parametrize("modules", ORDERS, ids=lambda m: "+".join(m))
def test_circular_import_defect_3_fresh_interpreter_imports(modules: tuple[str, ...]) -> None:
    """Defect 3: the published package raised a circular ImportError here."""
    result = _fresh_import(*modules)
    assert result.returncode == 0, result.stderr


PROACTIVE_ORDERS = [
    ("autoplay_sdk.proactive.triggers", "autoplay_sdk.integrations.intercom"),
    ("autoplay_sdk.integrations.intercom", "autoplay_sdk.proactive.triggers"),
    ("autoplay_sdk.proactive.triggers.defaults", "autoplay_sdk.integrations"),
]


@pytest.mark.skipif(not _has_proactive_triggers(), reason="proactive.triggers not built yet")
@pytest.mark.parametrize("modules", PROACTIVE_ORDERS, ids=lambda m: "+".join(m))
def test_circular_import_defect_3_with_proactive_triggers(modules: tuple[str, ...]) -> None:
    result = _fresh_import(*modules)
    assert result.returncode == 0, result.stderr


def test_importing_the_root_package_does_not_load_integrations() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            "import sys, autoplay_sdk; assert 'autoplay_sdk.integrations' not in sys.modules",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_intercom_imports_nothing_from_proactive() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, autoplay_sdk.integrations; "
            "assert not [m for m in sys.modules if m.startswith('autoplay_sdk.proactive')]",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
