"""Import surface of autoplay_sdk.rag.query, and its deprecated ``autoplay_sdk.rag_query*`` paths ."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

import autoplay_sdk
import autoplay_sdk.rag.query as canonical
from autoplay_sdk.rag.query import assembly, formatters, pipeline, watermark

EXPECTED_ALL = [
    "ChatContextAssembly",
    "ChatMemoryProvider",
    "IntercomPromptAssembly",
    "KnowledgeBaseRetriever",
    "RagChatProviders",
    "RagReplyInputs",
    "assemble_rag_chat_context",
    "assemble_rag_chat_context_from_inputs",
    "ChatWatermarkScope",
    "cutoff_for_delta_activity",
    "effective_inbound_timestamp",
    "InboundWatermarkStore",
    "InMemoryInboundWatermarkStore",
    "build_selected_context_for_rag_system_prompt",
    "build_user_prompt_block",
    "format_history_for_prompt",
    "format_kb_records_for_prompt",
    "format_rag_system_prompt",
    "format_reasoning_prompt",
    "format_response_prompt",
    "previews_for_reasoning_from_assembly",
]

# The public names of each submodule (defined there or imported for re-use).
SUBMODULE_NAMES = {
    assembly: [
        "ChatContextAssembly",
        "IntercomPromptAssembly",
        "format_kb_records_for_prompt",
        "format_history_for_prompt",
        "build_user_prompt_block",
        "build_selected_context_for_rag_system_prompt",
    ],
    formatters: [
        "format_rag_system_prompt",
        "format_reasoning_prompt",
        "format_response_prompt",
        "previews_for_reasoning_from_assembly",
        "ChatContextAssembly",
        "build_selected_context_for_rag_system_prompt",
    ],
    pipeline: [
        "prefer_zep_live_activity_for_rag",
        "skip_redis_context_when_zep_memory",
        "RagReplyInputs",
        "ChatMemoryProvider",
        "KnowledgeBaseRetriever",
        "RagChatProviders",
        "assemble_rag_chat_context",
        "assemble_rag_chat_context_from_inputs",
        "logger",
        "ChatContextAssembly",
        "build_user_prompt_block",
        "format_history_for_prompt",
        "format_kb_records_for_prompt",
    ],
    watermark: [
        "ChatWatermarkScope",
        "cutoff_for_delta_activity",
        "effective_inbound_timestamp",
        "InboundWatermarkStore",
        "InMemoryInboundWatermarkStore",
    ],
}

# The root re-exports of this package.
ROOT_NAMES = [
    "ChatContextAssembly",
    "ChatMemoryProvider",
    "KnowledgeBaseRetriever",
    "RagChatProviders",
    "RagReplyInputs",
    "assemble_rag_chat_context",
    "ChatWatermarkScope",
    "cutoff_for_delta_activity",
    "effective_inbound_timestamp",
    "InMemoryInboundWatermarkStore",
    "InboundWatermarkStore",
    "format_rag_system_prompt",
    "format_reasoning_prompt",
    "format_response_prompt",
]
NOT_ON_ROOT = [
    "assemble_rag_chat_context_from_inputs",
    "IntercomPromptAssembly",
    "build_selected_context_for_rag_system_prompt",
    "build_user_prompt_block",
    "format_history_for_prompt",
    "format_kb_records_for_prompt",
    "previews_for_reasoning_from_assembly",
]

OLD = "autoplay_sdk.rag_query"
NEW = "autoplay_sdk.rag.query"
SUBMODULES = ["assembly", "formatters", "pipeline", "watermark"]


def moved(old: str, new: str) -> str:
    return f"`{old}` has moved to `{new}`. Update your imports before 1.0.0, when the old path will be removed."


# -- canonical surface --------------------------------------------------------------------------


def test_package_all_is_exact() -> None:
    assert canonical.__all__ == EXPECTED_ALL


def test_package_names_are_the_submodule_objects() -> None:
    homes = [assembly, formatters, pipeline, watermark]
    for name in EXPECTED_ALL:
        value = getattr(canonical, name)
        assert any(getattr(home, name, None) is value for home in homes), name


@pytest.mark.parametrize("module", list(SUBMODULE_NAMES), ids=lambda m: m.__name__.rpartition(".")[2])
def test_submodule_public_names_and_no_all(module: ModuleType) -> None:
    for name in SUBMODULE_NAMES[module]:
        assert hasattr(module, name), name
    assert not hasattr(module, "__all__")  # none defined


def test_pipeline_logger_is_named_after_the_module() -> None:
    assert pipeline.logger.name == "autoplay_sdk.rag.query.pipeline"


def test_canonical_imports_emit_no_warning_in_a_fresh_interpreter() -> None:
    code = "import autoplay_sdk.rag.query, autoplay_sdk.rag.query.pipeline, autoplay_sdk.prompts"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.skipif(
    "ChatContextAssembly" not in getattr(autoplay_sdk, "__all__", []),
    reason="root re-exports of autoplay_sdk.rag.query not wired into autoplay_sdk/__init__.py yet",
)
def test_root_reexports_are_the_same_objects() -> None:
    for name in ROOT_NAMES:
        assert name in autoplay_sdk.__all__
        assert getattr(autoplay_sdk, name) is getattr(canonical, name), name
    for name in NOT_ON_ROOT:
        assert name not in autoplay_sdk.__all__
        assert not hasattr(autoplay_sdk, name), name


# -- deprecated paths ---------------------------------------------------------------------------

_MISSING = object()


@pytest.fixture
def fresh() -> Iterator[None]:
    """Forget every ``autoplay_sdk.rag_query*`` module and the root attribute; restore them after."""

    def owned(name: str) -> bool:
        return name == OLD or name.startswith(OLD + ".")

    saved = {name: mod for name, mod in sys.modules.items() if owned(name)}
    saved_attr = vars(autoplay_sdk).get("rag_query", _MISSING)
    for name in saved:
        del sys.modules[name]
    vars(autoplay_sdk).pop("rag_query", None)
    try:
        yield
    finally:
        for name in [name for name in sys.modules if owned(name)]:
            del sys.modules[name]
        sys.modules.update(saved)
        vars(autoplay_sdk).pop("rag_query", None)
        if saved_attr is not _MISSING:
            setattr(autoplay_sdk, "rag_query", saved_attr)


def import_old(name: str) -> ModuleType:
    return importlib.import_module(name)


@pytest.mark.usefixtures("fresh")
def test_rag_query_shim_message_names_the_old_path_first() -> None:
    with pytest.warns(DeprecationWarning) as caught:
        import_old(OLD)
    assert [str(w.message) for w in caught] == [moved(OLD, NEW)]


@pytest.mark.usefixtures("fresh")
def test_rag_query_package_alias_forwards_to_the_canonical_package() -> None:
    with pytest.warns(DeprecationWarning):
        old = import_old(OLD)
    assert old is not canonical
    assert old.__name__ == OLD
    assert old.__all__ == EXPECTED_ALL
    for name in EXPECTED_ALL:
        assert getattr(old, name) is getattr(canonical, name), name
    for sub in SUBMODULES:
        assert getattr(old, sub) is importlib.import_module(f"{NEW}.{sub}")
    assert dir(old) == dir(canonical)
    with pytest.raises(AttributeError) as raised:
        _ = old.no_such_name
    assert str(raised.value) == "module 'autoplay_sdk.rag_query' has no attribute 'no_such_name'"


@pytest.mark.usefixtures("fresh")
def test_star_import_from_the_old_package_yields_the_canonical_all() -> None:
    namespace: dict[str, object] = {}
    with pytest.warns(DeprecationWarning):
        exec(f"from {OLD} import *", namespace)
    assert sorted(k for k in namespace if not k.startswith("__")) == sorted(EXPECTED_ALL)
    assert all(namespace[name] is getattr(canonical, name) for name in EXPECTED_ALL)


@pytest.mark.usefixtures("fresh")
@pytest.mark.parametrize("sub", SUBMODULES)
def test_rag_query_submodule_shim_message_and_identity(sub: str) -> None:
    with pytest.warns(DeprecationWarning):
        import_old(OLD)
    with pytest.warns(DeprecationWarning) as caught:
        old = import_old(f"{OLD}.{sub}")
    assert [str(w.message) for w in caught] == [moved(f"{OLD}.{sub}", f"{NEW}.{sub}")]
    target = importlib.import_module(f"{NEW}.{sub}")
    assert old is target
    assert old.__name__ == f"{NEW}.{sub}"
    assert sys.modules[f"{OLD}.{sub}"] is target


@pytest.mark.usefixtures("fresh")
def test_old_submodule_import_warns_for_parent_and_child() -> None:
    with pytest.warns(DeprecationWarning) as caught:
        import_old(f"{OLD}.pipeline")
    assert [str(w.message) for w in caught] == [moved(OLD, NEW), moved(f"{OLD}.pipeline", f"{NEW}.pipeline")]


@pytest.mark.usefixtures("fresh")
async def test_monkeypatching_through_the_old_path_affects_the_canonical_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.warns(DeprecationWarning):
        old_pipeline = import_old(f"{OLD}.pipeline")
    monkeypatch.setattr(old_pipeline, "prefer_zep_live_activity_for_rag", lambda: False)
    monkeypatch.setenv("RAG_SKIP_REDIS_CONTEXT_WHEN_ZEP", "0")

    async def local(session_id: str) -> str:
        return "LOCAL"

    class Memory:
        async def live_activity(self, *, session_id: str, user_id: str) -> str:
            return "ZEP"

        async def conversation_turns(
            self, *, session_id: str, conversation_id: str, user_id: str
        ) -> list[dict[str, str]]:
            return []

    _, result = await canonical.assemble_rag_chat_context(
        product_id="p",
        integration_config={},
        conversation_id="c",
        user_message="q",
        email="",
        session_id="s",
        activity_since_cutoff=None,
        providers=canonical.RagChatProviders(session_activity_local=local, memory=Memory()),
    )
    assert result.recent_activity == "LOCAL"  # the patched switch (prefer local) was used
