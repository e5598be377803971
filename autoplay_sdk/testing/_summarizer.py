"""A deterministic, offline stand-in for a summarization LLM (demos and tests; no network).

``local_summarizer_llm(prompt)`` reads the action lines a summarizer prompt contains (the
``"{n}. [index] type: description — url"`` lines of the default formatter, or the un-numbered
``ActionsPayload.to_text()`` lines) and answers with a short prose summary: how many actions on
which pages, what the user clicked, and the last thing they did.  The same prompt always gives
the same text, and the answer is never empty.
"""

from __future__ import annotations

import re

__all__ = ["local_summarizer_llm", "local_summarizer_llm_sync"]

_ACTION_LINE = re.compile(r"^\s*(?:\d+\.\s+)?\[[^\]]*\]\s*([^:\n]*):\s*(.*?)\s+\u2014\s+(.*?)\s*$", re.MULTILINE)
_MAX_LISTED = 4


# "Clicked X", "User clicked X", "clicked X" -> "X"
_CLICKED = re.compile(r"^(?:the )?(?:user )?clicked\s+", re.IGNORECASE)


def _english_list(items: list[str]) -> str:
    shown = items[:_MAX_LISTED]
    more = len(items) - len(shown)
    if more:
        shown = [*shown, f"{more} more"]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def local_summarizer_llm_sync(prompt: str) -> str:
    """Summarise the action lines found in ``prompt`` in two or three deterministic sentences."""
    actions = [(kind.strip(), desc.strip(), url.strip()) for kind, desc, url in _ACTION_LINE.findall(prompt)]
    if not actions:
        return "The user has no recorded actions in this session yet."
    pages = _unique([url for _, _, url in actions])
    sentences = [
        f"The user performed {_plural(len(actions), 'action')}" + (f" on {_english_list(pages)}." if pages else ".")
    ]
    # Only descriptions that say "clicked" name a click target ("User opened X" is not one).
    clicked = _unique([_CLICKED.sub("", desc, count=1) for kind, desc, _ in actions if _CLICKED.match(desc)])
    if clicked:
        sentences.append(f"They clicked {_english_list(clicked)}.")
    kind, desc, url = actions[-1]
    last = desc or kind or "an action"
    sentences.append(f"Most recently: {last}" + (f" on {url}." if url else "."))
    return " ".join(sentences)


async def local_summarizer_llm(prompt: str) -> str:
    """Async twin of :func:`local_summarizer_llm_sync` (for ``AsyncSessionSummarizer``); never suspends."""
    return local_summarizer_llm_sync(prompt)
