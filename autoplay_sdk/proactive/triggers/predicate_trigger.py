"""A trigger built from a predicate: the quickest way to write a custom one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from autoplay_sdk.proactive.triggers.types import ProactiveTriggerContext, ProactiveTriggerResult

__all__ = ["PredicateProactiveTrigger"]


class PredicateProactiveTrigger:
    """Fires with ``body`` when ``predicate(ctx)`` is truthy.

    Metadata is ``dict(metadata_fn(ctx))`` when ``metadata_fn`` is given, else a copy of
    ``metadata``, else ``{}``.  Results carry the default timings (10 s / 30 s).  Exceptions from
    the callables propagate.
    """

    def __init__(
        self,
        *,
        trigger_id: str,
        body: str,
        predicate: Callable[[ProactiveTriggerContext], bool],
        reply_option_labels: Sequence[str] = (),
        metadata: Mapping[str, Any] | None = None,
        metadata_fn: Callable[[ProactiveTriggerContext], dict[str, Any]] | None = None,
    ) -> None:
        self._trigger_id = trigger_id
        self._body = body
        self._predicate = predicate
        self._labels = tuple(reply_option_labels)
        self._metadata = dict(metadata) if metadata is not None else None
        self._metadata_fn = metadata_fn

    @property
    def trigger_id(self) -> str:
        return self._trigger_id

    def evaluate(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None:
        if not self._predicate(ctx):
            return None
        if self._metadata_fn is not None:
            metadata = dict(self._metadata_fn(ctx))
        else:
            metadata = dict(self._metadata) if self._metadata is not None else {}
        return ProactiveTriggerResult(self._trigger_id, self._body, self._labels, metadata)

    def __repr__(self) -> str:
        return f"PredicateProactiveTrigger(trigger_id={self._trigger_id!r})"
