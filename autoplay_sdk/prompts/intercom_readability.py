"""Reply-readability rules for chat-widget answers, shared by the copilot prompt templates.

``INTERCOM_READABILITY_RULES`` is a text fragment that the templates of
:mod:`autoplay_sdk.prompts.adoption_copilot` embed verbatim.  It is concatenated into templates,
never passed through ``str.format`` itself, and it contains no ``{`` or ``}`` so that embedding it
cannot add or break a replacement field.  It starts with ``READABILITY_RULES_FINGERPRINT + ":"``,
which lets tests and log pipelines detect that a prompt carries the rules without comparing the
whole text.  Bump ``RULES_VERSION`` whenever the body changes meaning.

The wording is this SDK's own; the version, fingerprint, topics and their order follow 0.7.5.
"""

__all__ = ["INTERCOM_READABILITY_RULES", "READABILITY_RULES_FINGERPRINT", "RULES_VERSION"]

RULES_VERSION = "1.0"
"""Version of the readability rules body."""

READABILITY_RULES_FINGERPRINT = "Plain English \u2014 reply readability"
"""The first line of :data:`INTERCOM_READABILITY_RULES` (before its colon); stable across versions."""

_BODY = """\
- Write in plain, everyday language. Keep to one idea per sentence and leave out jargon and \
buzzwords. Assume the reader is on a phone: short sentences, short paragraphs.
- Be direct and brief: answer first, then stop.

Structure — lists over walls of text:
- Two or more steps or observations always go in a numbered or bulleted list, never in a paragraph.
- For a recap of what the user did: one short intro sentence, one blank line, then a numbered list \
with one action per line.
- Number items as 1. 2. 3. with a dot after the number, never a parenthesis.
- Put a single newline between steps. Never leave a blank line between numbered steps: in the \
Intercom Messenger a blank line ends the list and restarts the numbering.
- For a sub-point, use "- item" indented with spaces under its step.

Emojis — engagement without clutter:
- Use 1 to 3 Unicode emojis in a reply, and never one on every line.
- Keep them professional and relevant to the content.
- Leave them out entirely when the reply reports an error or a blocking problem.

Intercom Messenger formatting (limited Markdown-style parser):
- Use **bold** for UI labels, button names and navigation items, e.g. **Settings** > **Billing**.
- Do not use headers (#), code blocks, tables, HTML tags or checkboxes: the Messenger shows them \
as raw characters."""

INTERCOM_READABILITY_RULES = READABILITY_RULES_FINGERPRINT + ":\n\n" + _BODY
"""The readability fragment: fingerprint, ``":\\n\\n"``, then the rules; no braces, no trailing newline."""
