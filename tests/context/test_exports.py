"""Public names of autoplay_sdk.context and sync/async parity."""

from __future__ import annotations

import importlib
import inspect
import logging

import pytest

import autoplay_sdk.context as context
from autoplay_sdk.context import agent_context, context_store, summarizer, user_index

SPEC_CONTEXT_ALL = {
    "AsyncAgentContextWriter",
    "AsyncContextStore",
    "ContextStore",
    "DEFAULT_PROMPT",
    "AsyncSessionSummarizer",
    "SessionRef",
    "SessionSummarizer",
    "UserSessionIndex",
    "actions_bucket_id",
}


def test_package_all_matches_spec_and_objects_are_canonical() -> None:
    assert set(context.__all__) == SPEC_CONTEXT_ALL and len(context.__all__) == len(SPEC_CONTEXT_ALL)
    modules = (agent_context, context_store, summarizer, user_index)
    for name in context.__all__:
        owners = [m for m in modules if name in vars(m) and getattr(m, name) is getattr(context, name)]
        assert owners, name


def test_module_all() -> None:
    assert context_store.__all__ == ["AsyncContextStore", "ContextStore", "actions_bucket_id"]
    assert user_index.__all__ == ["SessionRef", "UserSessionIndex"]
    assert not hasattr(summarizer, "__all__")
    assert not hasattr(agent_context, "__all__")
    assert user_index.ContextStoreLike == context_store.ContextStore | context_store.AsyncContextStore


@pytest.mark.parametrize("module", ["context_store", "summarizer", "agent_context"])
def test_logger_names_are_canonical(module: str) -> None:
    mod = importlib.import_module(f"autoplay_sdk.context.{module}")
    assert mod.logger is logging.getLogger(f"autoplay_sdk.context.{module}")


def public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


def test_store_twins_expose_the_same_api() -> None:
    sync, async_ = context_store.ContextStore, context_store.AsyncContextStore
    assert (
        public(sync) == public(async_) == {"actions", "active_sessions", "add", "enrich", "get", "on_summary", "reset"}
    )
    assert inspect.signature(sync) == inspect.signature(async_)
    assert list(inspect.signature(sync).parameters) == [
        "summarizer",
        "include_summary",
        "include_actions",
        "lookback_seconds",
        "max_actions",
        "max_sessions",
        "session_ttl_s",
        "max_actions_per_session",
        "render_cache_bytes",
        "metrics",
    ]
    for name in ("add", "on_summary"):
        assert not inspect.iscoroutinefunction(getattr(sync, name))
        assert inspect.iscoroutinefunction(getattr(async_, name))
        assert list(inspect.signature(getattr(sync, name)).parameters) == list(
            inspect.signature(getattr(async_, name)).parameters
        )
    for name in ("get", "enrich", "reset"):
        assert getattr(sync, name) is getattr(async_, name)


def test_summarizer_twins_share_their_options() -> None:
    sync = inspect.signature(summarizer.SessionSummarizer).parameters
    async_ = inspect.signature(summarizer.AsyncSessionSummarizer).parameters
    shared = ["llm", "threshold", "prompt", "on_summary", "format_actions"]
    assert list(sync)[:5] == list(async_)[:5] == shared
    assert [sync[n].default for n in shared[1:]] == [async_[n].default for n in shared[1:]] == [10, None, None, None]
    # The published positional tails differ; every option of one exists on the other (keyword-only
    # where it is not published), with the same default.  Only the async queue has no sync meaning.
    assert list(sync)[5:] == ["max_sessions", "metrics", "llm_timeout_s", "max_pending_actions"]
    assert list(async_)[5:] == ["max_queue_size", "metrics", "max_sessions", "llm_timeout_s", "max_pending_actions"]
    assert set(async_) - set(sync) == {"max_queue_size"}
    for name in set(sync) & set(async_):
        assert sync[name].default == async_[name].default, name
    for name in ("llm_timeout_s", "max_pending_actions"):
        assert sync[name].kind is async_[name].kind is inspect.Parameter.KEYWORD_ONLY
    assert sync["metrics"].kind is async_["max_sessions"].kind is inspect.Parameter.KEYWORD_ONLY
    assert public(summarizer.AsyncSessionSummarizer) - public(summarizer.SessionSummarizer) == {"flush"}
    assert public(summarizer.SessionSummarizer) == {"active_sessions", "add", "get_context", "reset"}


def test_agent_writer_and_index_signatures() -> None:
    assert list(inspect.signature(agent_context.AsyncAgentContextWriter).parameters) == [
        "summarizer",
        "overwrite_with_summary",
        "write_actions",
        "debounce_ms",
    ]
    assert public(agent_context.AsyncAgentContextWriter) == {"add"}
    params = inspect.signature(user_index.UserSessionIndex).parameters
    assert list(params) == [
        "context_store",
        "lookback_seconds",
        "max_sessions_per_user",
        "session_ttl_s",
        "max_users",
        "metrics",
    ]
    assert all(params[n].kind is inspect.Parameter.KEYWORD_ONLY for n in list(params)[1:])
