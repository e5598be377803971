"""Recording fakes for the query-time providers: every call lands in one shared, ordered log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Call = tuple[str, dict[str, Any]]


class CallLog:
    """Ordered log of provider calls (name, arguments)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def args(self, name: str) -> dict[str, Any]:
        (found,) = [args for n, args in self.calls if n == name]
        return found


class FakeMemory:
    """A ``ChatMemoryProvider`` returning fixed live activity and turns."""

    def __init__(self, log: CallLog, live: Any = "", turns: Any = ()) -> None:
        self.log = log
        self.live = live
        self.turns = turns

    async def live_activity(self, *, session_id: str, user_id: str) -> str:
        self.log.calls.append(("live_activity", {"session_id": session_id, "user_id": user_id}))
        return self.live  # type: ignore[no-any-return]

    async def conversation_turns(self, *, session_id: str, conversation_id: str, user_id: str) -> list[dict[str, str]]:
        self.log.calls.append(
            ("conversation_turns", {"session_id": session_id, "conversation_id": conversation_id, "user_id": user_id})
        )
        return list(self.turns) if isinstance(self.turns, Sequence) else self.turns


class FakeKnowledgeBase:
    """A ``KnowledgeBaseRetriever`` returning fixed records."""

    def __init__(self, log: CallLog, records: list[dict[str, Any]] | None = None) -> None:
        self.log = log
        self.records = records if records is not None else []

    async def retrieve(
        self,
        *,
        connector_product_id: str,
        kb_product_id: str | None,
        session_id: str,
        user_query: str,
        knowledge_id: str,
        activity_text_for_kb_injection: str,
    ) -> list[dict[str, Any]]:
        self.log.calls.append(
            (
                "retrieve",
                {
                    "connector_product_id": connector_product_id,
                    "kb_product_id": kb_product_id,
                    "session_id": session_id,
                    "user_query": user_query,
                    "knowledge_id": knowledge_id,
                    "activity_text_for_kb_injection": activity_text_for_kb_injection,
                },
            )
        )
        return self.records


class FakeLocal:
    """``session_activity_local`` returning fixed text."""

    def __init__(self, log: CallLog, text: Any = "") -> None:
        self.log = log
        self.text = text

    async def __call__(self, session_id: str) -> str:
        self.log.calls.append(("local", {"session_id": session_id}))
        return self.text  # type: ignore[no-any-return]


class FakeSince:
    """``session_activity_since`` returning fixed text."""

    def __init__(self, log: CallLog, text: Any = "") -> None:
        self.log = log
        self.text = text

    async def __call__(self, session_id: str, cutoff: float) -> str:
        self.log.calls.append(("since", {"session_id": session_id, "cutoff": cutoff}))
        return self.text  # type: ignore[no-any-return]
