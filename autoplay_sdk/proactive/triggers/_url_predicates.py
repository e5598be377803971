"""URL-sequence predicates of the proactive triggers: ping-pong (strict) and hesitation (broad).

The two ping-pong predicates are the objects of :mod:`autoplay_sdk.integrations.intercom` (their
0.7.5 home), re-exported here; :func:`proactive_trigger_url_hesitation` lives only here.  None of
these is in the ``__all__`` of ``autoplay_sdk.proactive.triggers``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from autoplay_sdk.integrations.intercom import (
    proactive_trigger_canonical_url_ping_pong,
    proactive_trigger_canonical_url_ping_pong_projects_either_leg,
)

__all__ = [
    "proactive_trigger_canonical_url_ping_pong",
    "proactive_trigger_canonical_url_ping_pong_projects_either_leg",
    "proactive_trigger_url_hesitation",
]


def proactive_trigger_url_hesitation(
    urls: Sequence[str | None], *, min_distinct: int = 3, min_repeats: int = 1
) -> bool:
    """True when the user wandered over several pages and came back to at least one of them.

    ``None`` and blank entries are dropped and the rest stripped (consecutive duplicates are
    kept: a reload counts as a revisit).  With fewer than three URLs left, or fewer than
    ``min_distinct`` distinct ones, the result is ``False``; otherwise it is whether at least
    ``min_repeats`` distinct URLs occur twice or more.  Parameters are not validated.
    """
    seq = [s for s in (str(u).strip() for u in urls if u is not None) if s]
    if len(seq) < 3:
        return False
    counts = Counter(seq)
    if len(counts) < min_distinct:
        return False
    repeats = sum(1 for n in counts.values() if n >= 2)
    return repeats >= min_repeats
