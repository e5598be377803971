"""``autoplay_sdk.integrations.usertour_sse`` builders and payload type (spec 01 §10.2)."""

from __future__ import annotations

import importlib.util
import sys
import typing
from pathlib import Path

import pytest

from autoplay_sdk.integrations import usertour_sse
from autoplay_sdk.integrations.usertour_sse import (
    USERTOUR_TRIGGER_EVENT_TYPE,
    UsertourTriggerPayload,
    usertour_trigger_sse_dict,
    usertour_trigger_sse_minimal_dict,
)


def test_event_type_constant() -> None:
    assert USERTOUR_TRIGGER_EVENT_TYPE == "usertour_trigger"


def test_minimal_dict_has_exactly_four_keys_and_strips_only_session_id() -> None:
    event = usertour_trigger_sse_minimal_dict(product_id=" p1 ", flow_id=" f1 ", session_id="  s1 ")
    assert list(event.items()) == [
        ("type", "usertour_trigger"),
        ("product_id", " p1 "),
        ("flow_id", " f1 "),
        ("session_id", "s1"),
    ]
    no_session = usertour_trigger_sse_minimal_dict(product_id="p", flow_id="f", session_id=None)  # type: ignore[arg-type]
    assert no_session["session_id"] == ""


def test_minimal_dict_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        usertour_trigger_sse_minimal_dict("p", "f", "s")  # type: ignore[call-arg]


def test_full_dict_order_and_optional_ids() -> None:
    event = usertour_trigger_sse_dict(product_id="p", flow_id="f", reason=" idle ", user_id=" u1 ", session_id=" s1 ")
    assert list(event.items()) == [
        ("type", "usertour_trigger"),
        ("product_id", "p"),
        ("flow_id", "f"),
        ("reason", " idle "),
        ("user_id", "u1"),
        ("session_id", "s1"),
    ]


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_full_dict_omits_blank_ids(blank: str | None) -> None:
    event = usertour_trigger_sse_dict(product_id="p", flow_id="f", reason="r", user_id=blank, session_id=blank)
    assert list(event) == ["type", "product_id", "flow_id", "reason"]
    only_session = usertour_trigger_sse_dict(product_id="p", flow_id="f", reason="r", user_id=blank, session_id="s")
    assert list(only_session) == ["type", "product_id", "flow_id", "reason", "session_id"]


def test_payload_typed_dict_keys_are_all_optional() -> None:
    hints = typing.get_type_hints(UsertourTriggerPayload)
    assert set(hints) == {"type", "product_id", "flow_id", "reason", "user_id", "session_id"}
    assert UsertourTriggerPayload.__total__ is False
    assert UsertourTriggerPayload.__required_keys__ == frozenset()
    # A built event is a valid payload value at runtime (TypedDicts are plain dicts).
    payload: UsertourTriggerPayload = {"type": "usertour_trigger", "flow_id": "f"}
    assert isinstance(payload, dict)


def test_star_import_exposes_only_the_documented_names() -> None:
    namespace: dict[str, object] = {}
    exec("from autoplay_sdk.integrations.usertour_sse import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(usertour_sse.__all__)
    assert sorted(usertour_sse.__all__) == [
        "USERTOUR_TRIGGER_EVENT_TYPE",
        "UsertourTriggerPayload",
        "usertour_trigger_sse_dict",
        "usertour_trigger_sse_minimal_dict",
    ]


def test_python_310_branch_imports_from_typing_extensions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect: the published module imported NotRequired from typing and failed on Python 3.10."""
    pytest.importorskip("typing_extensions")
    monkeypatch.setattr(sys, "version_info", (3, 10, 13, "final", 0))
    path = Path(usertour_sse.__file__)
    spec = importlib.util.spec_from_file_location("_usertour_sse_as_on_310", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import typing_extensions

    assert module.NotRequired is typing_extensions.NotRequired
    assert module.TypedDict is typing_extensions.TypedDict
    assert module.UsertourTriggerPayload.__required_keys__ == frozenset()
