"""Versioned prompt templates of the Adoption Copilot and the shared reply-readability rules.

- :mod:`~autoplay_sdk.prompts.adoption_copilot` - ``RAG_SYSTEM_PROMPT``, ``REASONING_PROMPT``,
  ``RESPONSE_PROMPT``: registry dicts (``name``, ``description``, ``version``, ``content``) whose
  ``content`` is a ``str.format`` template; fill them with the formatters of
  :mod:`autoplay_sdk.rag.query.formatters`.
- :mod:`~autoplay_sdk.prompts.intercom_readability` - ``INTERCOM_READABILITY_RULES`` (a
  brace-free fragment the answer templates embed), ``READABILITY_RULES_FINGERPRINT`` and
  ``RULES_VERSION``.

- :mod:`~autoplay_sdk.prompts.user_adoption` - the user-adoption prompts and ``PromptVoice``;
  importable from this package too (loaded on first use), but not listed in ``__all__``.

Importing this package has no side effects beyond defining the constants.
"""

from typing import Any

from autoplay_sdk.prompts.adoption_copilot import RAG_SYSTEM_PROMPT, REASONING_PROMPT, RESPONSE_PROMPT
from autoplay_sdk.prompts.intercom_readability import (
    INTERCOM_READABILITY_RULES,
    READABILITY_RULES_FINGERPRINT,
    RULES_VERSION,
)

# The published contents and order (plain code-point order), kept exactly.
__all__ = [  # noqa: RUF022
    "INTERCOM_READABILITY_RULES",
    "READABILITY_RULES_FINGERPRINT",
    "RAG_SYSTEM_PROMPT",
    "REASONING_PROMPT",
    "RESPONSE_PROMPT",
    "RULES_VERSION",
]

_USER_ADOPTION_NAMES = frozenset(
    {
        "ADOPTION_STATE_JUDGE_PROMPT",
        "TOUR_MATCH_PROMPT",
        "ONBOARDING_WELCOME_PROMPT",
        "ONBOARDING_FOLLOWUP_PROMPT",
        "ONBOARDING_SUMMARY_PROMPT",
        "PromptVoice",
    }
)


def __getattr__(name: str) -> Any:
    """Serve the user-adoption prompt names on first use (they are not in ``__all__``)."""
    if name in _USER_ADOPTION_NAMES:
        from autoplay_sdk.prompts import user_adoption

        return getattr(user_adoption, name)
    raise AttributeError(f"module 'autoplay_sdk.prompts' has no attribute {name!r}")
