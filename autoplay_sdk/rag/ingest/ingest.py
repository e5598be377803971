"""RAG ingestion: turn stream payloads into ``embed`` + ``upsert`` calls.

:class:`RagPipeline` (sync, for ``ConnectorClient``) and :class:`AsyncRagPipeline` (async, for
``AsyncConnectorClient``) register as the client's ``on_actions`` / ``on_summary`` callbacks.
Each payload is embedded with ``embed(text)`` and written with ``upsert(id, vector, metadata)``:

========================  ======================================  ================================
what                      vector id                               metadata (keys in this order)
========================  ======================================  ================================
``ActionsPayload``        ``<sid>:actions:<forwarded_at>``        ``session_id``, ``type``, ``forwarded_at``
``SummaryPayload``        ``<sid>:summary:<forwarded_at>``        ``session_id``, ``type``, ``forwarded_at``
summarizer output         ``<session_id>:client-summary``         ``session_id``, ``type="ClientSummary"``
========================  ======================================  ================================

``<sid>`` is the payload's ``session_id`` or ``"unknown"`` when it is falsy; ``forwarded_at``
is rendered with ``str()`` (``12.5``, ``1.0``, ``5``); ``type`` is the payload class's
``__name__``.  The client-summary id is rolling: each new summary of a session overwrites the
previous vector.

With a ``summarizer`` attached, ``on_actions`` only feeds it; its summaries are what gets
embedded (as ``client-summary`` vectors), so summaries replace raw actions in the index.
``on_summary`` always embeds the connector's own summaries.

Errors from ``embed`` / ``upsert`` (any ``Exception``) are logged at ERROR with the traceback and
swallowed: the payload is skipped and the stream keeps flowing.  ``BaseException`` (cancellation,
``KeyboardInterrupt``) propagates.  Log records carry ids (vector, session, product) and the
event kind, never the embedded text.  A failed payload (not the rolling client summary) is also
forwarded to the error reporter of :mod:`autoplay_sdk.observability` as
``"RAG embed failed — actions not indexed"`` / ``"RAG upsert failed — actions not indexed"``
(summaries too), with ``product_id``, ``session_id`` and ``vector_id``.

Layout: the id, text, metadata and log context of an upsert are computed by pure helpers, and
the embed → upsert → log sequence is one generator (:func:`_upsert_flow`) that yields the calls
to make; the two classes only perform them (calling, or awaiting, the user's functions).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from autoplay_sdk._effects import adrive, drive
from autoplay_sdk._logging import get_logger
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.core.models import ActionsPayload, SummaryPayload
from autoplay_sdk.observability import _forward as _forward_error

logger = get_logger(__name__)

_CLIENT_SUMMARY_TYPE = "ClientSummary"
_REPLACING = (
    "%s: replacing existing on_summary on the provided summarizer; the previous callback will no longer be called."
)


class _Upsert:
    """Everything one embed + upsert needs, derived from a stream payload (pure)."""

    __slots__ = ("extra", "metadata", "text", "vector_id")

    def __init__(self, payload: ActionsPayload | SummaryPayload) -> None:
        sid = payload.session_id or "unknown"
        kind = "actions" if isinstance(payload, ActionsPayload) else "summary"
        self.vector_id = f"{sid}:{kind}:{payload.forwarded_at}"
        self.text = payload.to_text()
        self.metadata: dict[str, Any] = {
            "session_id": sid,
            "type": type(payload).__name__,
            "forwarded_at": payload.forwarded_at,
        }
        self.extra: dict[str, Any] = {
            "vector_id": self.vector_id,
            "session_id": sid,
            "event_type": kind,
            "product_id": getattr(payload, "product_id", None),
        }


class _ClientSummaryUpsert:
    """The rolling ``<session_id>:client-summary`` vector of a summarizer's output (pure)."""

    __slots__ = ("extra", "metadata", "text", "vector_id")

    def __init__(self, session_id: str, summary_text: str) -> None:
        self.vector_id = f"{session_id}:client-summary"
        self.text = summary_text
        self.metadata: dict[str, Any] = {"session_id": session_id, "type": _CLIENT_SUMMARY_TYPE}
        self.extra: dict[str, Any] = {"vector_id": self.vector_id, "session_id": session_id}


_PAYLOAD_MESSAGES = ("rag: embed failed for id=%s: %s", "rag: upsert failed for id=%s: %s", "rag: upserted id=%s")
_SUMMARY_MESSAGES = (
    "rag: embed failed for client summary id=%s: %s",
    "rag: upsert failed for client summary id=%s: %s",
    "rag: upserted client summary id=%s",
)


# A call the flow asks for: ("embed", (text,)) or ("upsert", (vector_id, vector, metadata)).
_Call = tuple[str, tuple[Any, ...]]


def _upsert_flow(job: _Upsert | _ClientSummaryUpsert, messages: tuple[str, str, str]) -> Generator[_Call, Any, None]:
    """Embed then upsert ``job``; a failure of either is logged at ERROR (traceback) and ends the flow."""
    embed_failed, upsert_failed, upserted = messages
    try:
        vector = yield ("embed", (job.text,))
    except Exception as exc:
        logger.error(embed_failed, job.vector_id, exc, exc_info=True, extra=job.extra)
        _report(job, "RAG embed failed — actions not indexed", exc)
        return
    try:
        yield ("upsert", (job.vector_id, vector, job.metadata))
    except Exception as exc:
        logger.error(upsert_failed, job.vector_id, exc, exc_info=True, extra=job.extra)
        _report(job, "RAG upsert failed — actions not indexed", exc)
        return
    logger.debug(upserted, job.vector_id, extra=job.extra)


def _report(job: _Upsert | _ClientSummaryUpsert, event: str, exc: BaseException) -> None:
    """Forward a stream payload's failure to the error reporter (the rolling client summary is not reported)."""
    if isinstance(job, _Upsert):
        extra = job.extra
        _forward_error(
            event, exc, product_id=extra["product_id"], session_id=extra["session_id"], vector_id=job.vector_id
        )


def _check_callables(embed: object, upsert: object) -> None:
    if not callable(embed):
        raise SdkConfigError(f"embed must be callable, got {type(embed)!r}")
    if not callable(upsert):
        raise SdkConfigError(f"upsert must be callable, got {type(upsert)!r}")


def _take_over_on_summary(owner: str, summarizer: Any, handler: Callable[[str, str], Any]) -> None:
    # ``summarizer.on_summary`` raises AttributeError for an object without it, as documented.
    if summarizer.on_summary is not None:
        logger.warning(_REPLACING, owner)
    summarizer.on_summary = handler


class RagPipeline:
    """Embed and upsert stream payloads through your own synchronous callables.

    Args:
        embed: ``embed(text) -> vector``; its return value is passed to ``upsert`` unchanged.
        upsert: ``upsert(vector_id, vector, metadata)``; its return value is ignored.
        summarizer: optional ``SessionSummarizer`` (anything with an ``on_summary`` attribute and
            an ``add(payload)`` method).  When given, its ``on_summary`` is replaced by this
            pipeline's handler (a WARNING is logged if one was set), ``on_actions`` only feeds it,
            and each summary it produces is upserted as ``<session_id>:client-summary``.

    Raises:
        SdkConfigError: ``embed`` or ``upsert`` is not callable (``embed`` is checked first); the
            message names the parameter.
        AttributeError: ``summarizer`` has no ``on_summary`` attribute.

    Calls run in the caller's thread and block for as long as ``embed`` and ``upsert`` take.
    Their exceptions are logged (ERROR, with traceback) and swallowed; see the module docstring
    for ids and metadata.
    """

    def __init__(
        self,
        embed: Callable[[str], list[float]],
        upsert: Callable[[str, list[float], dict[str, Any]], None],
        summarizer: Any | None = None,
    ) -> None:
        _check_callables(embed, upsert)
        self._embed = embed
        self._upsert = upsert
        self._summarizer = summarizer
        if summarizer is not None:
            _take_over_on_summary("RagPipeline", summarizer, self._on_client_summary)

    def on_actions(self, payload: ActionsPayload) -> None:
        """Feed the summarizer if one is attached (its errors propagate); else embed and upsert now."""
        if self._summarizer is not None:
            self._summarizer.add(payload)
            return
        self._write(_Upsert(payload), _PAYLOAD_MESSAGES)

    def on_summary(self, payload: SummaryPayload) -> None:
        """Embed and upsert the connector's summary now, with or without a summarizer."""
        self._write(_Upsert(payload), _PAYLOAD_MESSAGES)

    def _on_client_summary(self, session_id: str, summary_text: str) -> None:
        self._write(_ClientSummaryUpsert(session_id, summary_text), _SUMMARY_MESSAGES)

    def _write(self, job: _Upsert | _ClientSummaryUpsert, messages: tuple[str, str, str]) -> None:
        drive(_upsert_flow(job, messages), self._call)

    def _call(self, call: _Call) -> Any:
        name, args = call
        return (self._embed if name == "embed" else self._upsert)(*args)


class AsyncRagPipeline:
    """Embed and upsert stream payloads through your own async callables.

    Same arguments, ids, metadata, summarizer wiring and errors as :class:`RagPipeline`, except:

    - ``embed`` and ``upsert`` are called and their results **awaited**, one after the other in
      the caller's task (no internal concurrency).  A plain sync function therefore fails every
      time with ``TypeError`` (its result cannot be awaited); that is logged as an embed (or
      upsert) failure and the payload is dropped — pass ``async def`` functions.
    - ``summarizer`` is an ``AsyncSessionSummarizer``: ``on_actions`` awaits ``summarizer.add``
      and the installed ``on_summary`` handler is a coroutine function.

    Raises:
        SdkConfigError: ``embed`` or ``upsert`` is not callable (message names the parameter).
        AttributeError: ``summarizer`` has no ``on_summary`` attribute.
    """

    def __init__(
        self,
        embed: Callable[[str], Any],
        upsert: Callable[[str, list[float], dict[str, Any]], Any],
        summarizer: Any | None = None,
    ) -> None:
        _check_callables(embed, upsert)
        self._embed = embed
        self._upsert = upsert
        self._summarizer = summarizer
        if summarizer is not None:
            _take_over_on_summary("AsyncRagPipeline", summarizer, self._on_client_summary)

    async def on_actions(self, payload: ActionsPayload) -> None:
        """Await ``summarizer.add`` if one is attached (its errors propagate); else embed and upsert."""
        if self._summarizer is not None:
            await self._summarizer.add(payload)
            return
        await self._write(_Upsert(payload), _PAYLOAD_MESSAGES)

    async def on_summary(self, payload: SummaryPayload) -> None:
        """Embed and upsert the connector's summary, with or without a summarizer."""
        await self._write(_Upsert(payload), _PAYLOAD_MESSAGES)

    async def _on_client_summary(self, session_id: str, summary_text: str) -> None:
        await self._write(_ClientSummaryUpsert(session_id, summary_text), _SUMMARY_MESSAGES)

    async def _write(self, job: _Upsert | _ClientSummaryUpsert, messages: tuple[str, str, str]) -> None:
        await adrive(_upsert_flow(job, messages), self._call)

    async def _call(self, call: _Call) -> Any:
        name, args = call
        return await (self._embed if name == "embed" else self._upsert)(*args)
