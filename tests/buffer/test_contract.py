"""The public surface of autoplay_sdk.buffer and autoplay_sdk.webhook_receiver, as published."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing

import autoplay_sdk
from autoplay_sdk import buffer, webhook_receiver
from autoplay_sdk.core.models import ActionsPayload, SummaryPayload


def params(obj: object) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(obj).parameters.values()]  # type: ignore[arg-type]


def test_constants_names_and_root_identity() -> None:
    assert buffer._SESSIONS_KEY == "autoplay:sdk:sessions:{prefix}"
    assert buffer._BUFFER_KEY == "autoplay:sdk:buffer:{prefix}:{session_id}"
    assert buffer._DEFAULT_WINDOW_S == 120.0
    assert not hasattr(buffer, "__all__")
    for name in ("BufferBackend", "EventBuffer", "RedisEventBuffer"):
        assert getattr(autoplay_sdk, name) is getattr(buffer, name)
    assert autoplay_sdk.WebhookReceiver is webhook_receiver.WebhookReceiver
    assert typing.get_args(webhook_receiver.ActionCallback)[0] == [ActionsPayload]
    assert typing.get_args(webhook_receiver.SummaryCallback)[0] == [SummaryPayload]
    assert all(inspect.iscoroutinefunction(getattr(buffer.RedisEventBuffer, m)) for m in ("add", "drain", "size"))


def test_signatures_keep_the_published_order_and_defaults() -> None:
    pk = inspect.Parameter.POSITIONAL_OR_KEYWORD
    kw = inspect.Parameter.KEYWORD_ONLY
    assert params(buffer.EventBuffer)[:2] == [("max_size", pk, 1000), ("on_drop", pk, None)]
    assert params(buffer.RedisEventBuffer) == [
        ("redis_url", pk, inspect.Parameter.empty),
        ("key_prefix", pk, "default"),
        ("window_seconds", pk, 120.0),
        ("max_concurrent", pk, 10),
        ("on_drop", pk, None),
        ("metrics", pk, None),
    ]
    assert params(buffer.EventBuffer.drain_by_type)[1:] == [("actions", kw, True), ("summaries", kw, True)]
    assert params(webhook_receiver.WebhookReceiver) == [
        ("secret", pk, ""),
        ("on_actions", pk, None),
        ("on_summary", pk, None),
        ("dedupe_window", kw, 0),
    ]
    assert params(webhook_receiver.WebhookReceiver.handle)[1:] == [
        ("body", pk, inspect.Parameter.empty),
        ("signature_header", pk, None),
    ]


def test_importing_the_root_does_not_import_redis_or_fastapi() -> None:
    code = "import sys, autoplay_sdk; print(sorted(m for m in ('redis', 'fastapi') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
