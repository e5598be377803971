"""Versioned prompt templates of the Adoption Copilot and the shared reply-readability rules.

- :mod:`~autoplay_sdk.prompts.adoption_copilot` - ``RAG_SYSTEM_PROMPT``, ``REASONING_PROMPT``,
  ``RESPONSE_PROMPT``: registry dicts (``name``, ``description``, ``version``, ``content``) whose
  ``content`` is a ``str.format`` template; fill them with the formatters of
  :mod:`autoplay_sdk.rag.query.formatters`.
- :mod:`~autoplay_sdk.prompts.intercom_readability` - ``INTERCOM_READABILITY_RULES`` (a
  brace-free fragment the answer templates embed), ``READABILITY_RULES_FINGERPRINT`` and
  ``RULES_VERSION``.

Importing this package has no side effects beyond defining the constants.
"""

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
