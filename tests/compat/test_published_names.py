"""Every public name a 0.7.5 module had stays importable from it, without joining its ``__all__``.

Each row is ``(module, name, the object it must be)``; the import runs in a fresh interpreter with
warnings as errors, so serving a name can neither warn nor need an import-order accident.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest

# module, name, (home module, home name): the object the name must be
ROWS = [
    ("autoplay_sdk.client", "ActionsPayload", ("autoplay_sdk.core.models", "ActionsPayload")),
    ("autoplay_sdk.client", "SummaryPayload", ("autoplay_sdk.core.models", "SummaryPayload")),
    ("autoplay_sdk.client", "SdkUpstreamError", ("autoplay_sdk.core.exceptions", "SdkUpstreamError")),
    (
        "autoplay_sdk.client",
        "resolve_connector_bearer_token",
        ("autoplay_sdk.stream_auth", "resolve_connector_bearer_token"),
    ),
    ("autoplay_sdk.async_client", "SdkUpstreamError", ("autoplay_sdk.core.exceptions", "SdkUpstreamError")),
    (
        "autoplay_sdk.async_client",
        "resolve_connector_bearer_token",
        ("autoplay_sdk.stream_auth", "resolve_connector_bearer_token"),
    ),
    ("autoplay_sdk.context.summarizer", "SdkConfigError", ("autoplay_sdk.core.exceptions", "SdkConfigError")),
    (
        "autoplay_sdk.proactive.triggers.entity",
        "META_TRIGGERING_TYPE",
        ("autoplay_sdk.proactive.triggers.judge", "META_TRIGGERING_TYPE"),
    ),
    (
        "autoplay_sdk.proactive.triggers.triggers.scoped_canonical_ping_pong",
        "DEFAULT_PROACTIVE_QUICK_REPLY_BODY",
        ("autoplay_sdk.proactive.triggers.defaults", "DEFAULT_PROACTIVE_QUICK_REPLY_BODY"),
    ),
    (
        "autoplay_sdk.proactive.triggers.triggers.scoped_canonical_ping_pong",
        "proactive_trigger_canonical_url_ping_pong",
        ("autoplay_sdk.integrations.intercom", "proactive_trigger_canonical_url_ping_pong"),
    ),
    (
        "autoplay_sdk.proactive.triggers.triggers.user_page_dwell",
        "SlimAction",
        ("autoplay_sdk.core.models", "SlimAction"),
    ),
    ("autoplay_sdk", "SdkAuthError", ("autoplay_sdk.core.exceptions", "SdkAuthError")),
    ("autoplay_sdk", "SdkNotFoundError", ("autoplay_sdk.core.exceptions", "SdkNotFoundError")),
    ("autoplay_sdk", "RetryPolicy", ("autoplay_sdk.client", "RetryPolicy")),
]


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTOPLAY_SDK_LOG"}
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60, env=env
    )


@pytest.fixture(scope="module")
def imported() -> dict[str, str]:
    """Run every row's import in one fresh interpreter; ``{"module.name": "ok" or the error}``."""
    code = (
        "import importlib, json\n"
        f"rows = {[(m, n, h) for m, n, h in ROWS]!r}\n"
        "out = {}\n"
        "for module, name, (home, home_name) in rows:\n"
        "    try:\n"
        "        value = getattr(importlib.import_module(module), name)\n"
        "        same = value is getattr(importlib.import_module(home), home_name)\n"
        "        out[f'{module}.{name}'] = 'ok' if same else 'a different object'\n"
        "    except Exception as exc:\n"
        "        out[f'{module}.{name}'] = f'{type(exc).__name__}: {exc}'\n"
        "print(json.dumps(out))\n"
    )
    result = _fresh(code)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    outcome: dict[str, str] = json.loads(result.stdout)
    return outcome


@pytest.mark.parametrize(("module", "name", "home"), ROWS, ids=[f"{m}.{n}" for m, n, _ in ROWS])
def test_the_name_is_importable_from_its_0_7_5_module_and_is_the_canonical_object(
    imported: dict[str, str], module: str, name: str, home: tuple[str, str]
) -> None:
    assert imported[f"{module}.{name}"] == "ok"
    value = getattr(importlib.import_module(module), name)  # and in this interpreter too
    assert value is getattr(importlib.import_module(home[0]), home[1])


@pytest.mark.parametrize("module", sorted({m for m, _, _ in ROWS}))
def test_the_served_names_do_not_join_all(module: str) -> None:
    names = {n for m, n, _ in ROWS if m == module}
    exported = getattr(importlib.import_module(module), "__all__", [])
    assert not names & set(exported)


def test_the_root_names_import_nothing_new() -> None:
    result = _fresh(
        "import sys, autoplay_sdk\n"
        "from autoplay_sdk import ConnectorClient, SdkError  # what the 0.7.5 names load (lazily)\n"
        "before = set(sys.modules)\n"
        "from autoplay_sdk import SdkAuthError, SdkNotFoundError, RetryPolicy\n"
        "assert set(sys.modules) == before, set(sys.modules) - before\n"
        "assert autoplay_sdk.RetryPolicy(max_retries=2).max_retries == 2\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_an_unknown_root_name_is_still_an_attribute_error() -> None:
    import autoplay_sdk

    with pytest.raises(AttributeError, match="has no attribute 'NoSuchName'"):
        autoplay_sdk.NoSuchName  # noqa: B018
