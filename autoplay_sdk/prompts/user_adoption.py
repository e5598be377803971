"""Prompt templates for user adoption: judge the user's state, match tours, welcome, follow up, summarise.

Each constant is a registry dict with exactly ``name``, ``description``, ``version`` and
``content``; ``content`` is a ``str.format`` template whose only fields are the placeholders the
template documents (literal JSON braces are doubled).  The SDK never calls an LLM: fill a template
(for example with :func:`autoplay_sdk.user_adoption_state.build_tour_match_input` or
:func:`~autoplay_sdk.user_adoption_state.build_onboarding_summary_input`), send it to your model,
and parse the answer.

:class:`PromptVoice` holds a product's tone: the welcome's anchor phrase, style exemplars and
path-to-language hints that fill the welcome and follow-up templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [  # noqa: RUF022 — the documented order
    "ADOPTION_STATE_JUDGE_PROMPT",
    "TOUR_MATCH_PROMPT",
    "ONBOARDING_WELCOME_PROMPT",
    "ONBOARDING_FOLLOWUP_PROMPT",
    "ONBOARDING_SUMMARY_PROMPT",
    "PromptVoice",
]

ADOPTION_STATE_JUDGE_PROMPT: dict[str, str] = {
    "name": "adoption_state_judge",
    "description": "Classify a user's journey (onboarding/onboarded) and mastery (0-10) from their activity.",
    "version": "0.1",
    "content": """You assess how far one user has come in adopting a software product.

User role: {role}

What the user has done recently:
{user_activity_text}

Signals computed by the product (JSON):
{signals_json}

Decide two things, independently of each other:
1. Journey: "onboarding" while the user is still learning the core workflows, "onboarded" once they use
   them on their own.
2. Mastery: a rating from 0 to 10 and its level. Use these bands:
   0-1 novice, 2-3 beginner, 4-6 intermediate, 7-8 proficient, 9-10 power_user.
A user can be onboarded yet only intermediate, or still onboarding yet quick to learn: rate each axis on its own.

Rely only on the evidence above. When there is little activity, answer "onboarding" and keep the rating low.

Reply with one JSON object and nothing else:
{{"schema_version": "1", "journey_state": "onboarding" or "onboarded", "mastery_rating": 0-10,
"mastery_level": "novice" | "beginner" | "intermediate" | "proficient" | "power_user",
"mastery_description": "one short sentence", "reasoning": "one or two sentences citing the evidence"}}
""",
}

TOUR_MATCH_PROMPT: dict[str, str] = {
    "name": "tour_match",
    "description": "Pick the product tour that best answers a user's question, plus a few related ones.",
    "version": "0.1",
    "content": """You choose which guided product tour to offer a user.

User role: {role}
Page the user is on: {current_page}

Conversation so far:
{conversation_history}

What the user is asking now:
{user_query}

Available tours, one per line, in the form "tour_id :: name :: use when" (already filtered to this user's role):
{tour_catalog_text}

Choose one primary tour whose "use when" fits what the user is trying to do, and up to 3 related tours.
Use only tour ids that appear in the list. If no tour fits, use null for the primary tour.
When two tours fit equally, prefer the one about the page the user is on.

Reply with JSON only:
{{"primary_tour_id": "an id from the list" or null, "related_tour_ids": ["up to 3 ids from the list"],
"reasoning": "one sentence"}}
""",
}

ONBOARDING_WELCOME_PROMPT: dict[str, str] = {
    "name": "onboarding_welcome",
    "description": "Decide whether to greet an exploring user now, and write one short chat message if so.",
    "version": "0.8",
    "content": """You are the in-app guide of a product. A user is exploring it, and you decide whether to
send them one welcome message now, and what it says.

About the user:
- role: {role} (shown to people as "{role_label}")
- seconds on the app so far: {seconds_on_app}
- distinct features seen: {distinct_features_seen}
- proactive messages already sent: {proactive_support_count}
- what they did recently:
{recent_activity_text}
- features they discovered (JSON): {discovered_features_json}
- summary of their previous session (may be empty): {previous_session_summary}

Onboarding:
- required workflows (JSON, each with an id, a name and a "why"): {required_workflows_json}
- already completed (JSON ids): {completed_workflow_ids_json}
- eligible to suggest next (JSON ids): {next_eligible_workflow_ids_json}

Step 1 - assess. For every required workflow, infer its status (not_started, in_progress or completed),
a confidence between 0 and 1, and the evidence you relied on. Do not claim progress the activity does not show.

Step 2 - timing. Send only at a good moment: let the user explore first, never interrupt them in the middle
of a task, and never send message after message. If now is not the moment, set should_send to false.

Step 3 - the message: one conversational chat message, not a card and not sections, at most about 55 words,
plain text with no headings, no bullet points and no emojis. You may put a workflow name in bold.
- Preferred opening, when there is recent activity or discovered features: name what the user was just doing.
  Turn paths into everyday words, as in these examples:
{path_to_language_examples_text}
  and leave out UUIDs and numeric ids.
- Otherwise, when there is no activity to mention: use the phrase "{voice_anchor_phrase}" word for word.
  Only this opening may mention the user's role, and never when the role label is "user".
- Returning user: when the previous-session summary is not empty, replace the greeting with one callback
  sentence of at most 15 words, shaped like: "{previous_session_callback_example}".
  When the summary is empty, never pretend to remember anything.
- Suggestions: 1 or 2 workflows, taken only from the eligible ids. Suggest none when that list is empty and
  exactly one when it holds one id. Write each as the workflow name followed by [TOUR:<workflow_id>], then a
  dash and a reason of at most 8 words drawn from its "why". For the format only (never suggest these), a
  suggestion looks like "**{workflow_example_a_name}** [TOUR:{workflow_example_a_id}] - why it helps" or
  "**{workflow_example_b_name}** [TOUR:{workflow_example_b_id}] - why it helps".
- End with one short invitation to ask or start.

Set onboarding_complete to true only when the required workflows are effectively all done.
suggested_flows lists exactly the workflows the message suggests.

Reply with JSON only:
{{"should_send": true or false, "reasoning": "...", "timing_assessment": "...",
"workflow_completion": [{{"workflow_id": "...", "status": "...", "confidence": 0.0, "evidence": "..."}}],
"onboarding_complete": true or false, "message": "...",
"suggested_flows": [{{"tour_id": "...", "flow_name": "...", "short_description": "..."}}]}}
""",
}

ONBOARDING_FOLLOWUP_PROMPT: dict[str, str] = {
    "name": "onboarding_followup",
    "description": "Write the follow-up after a user finishes or abandons an onboarding workflow.",
    "version": "0.7",
    "content": """You are the in-app guide of a product, following up on a user's onboarding.

What happened: {event}
Step where the user stopped, if they abandoned (may be empty): {abandoned_at_step}
Workflow just completed (JSON, may be empty): {just_completed_workflow_json}

User role: {role}
Required workflows (JSON): {required_workflows_json}
Completed (JSON ids): {completed_workflow_ids_json}
Still outstanding (JSON ids): {outstanding_workflow_ids_json}
Eligible to suggest next (JSON ids): {next_eligible_workflow_ids_json}
Features discovered (JSON): {discovered_features_json}
Recent activity:
{recent_activity_text}

Which branch to write depends on the outstanding list:
- Outstanding work remains: acknowledge the finished workflow by name in one sentence of at most 15 words.
  Suggest 1 or 2 workflows, only from the eligible ids (exactly one when there is only one), each written as
  its name followed by [TOUR:<workflow_id>]. Never write closing words. onboarding_complete is false.
- Nothing is outstanding: write a closer of two sentences, at most 30 words in all, that celebrates, reassures
  the user that this chat stays available, and invites a question now. Suggest nothing, leave suggested_flows
  empty, never write a [TOUR: tag. onboarding_complete is true.
- The user abandoned a workflow: write one gentle sentence, mentioning the step where they stopped when it
  is given.

why_it_mattered: for a completion while work remains, at most 12 words in your own words (never copied from the
workflow's "why"), shaped like: "{why_it_mattered_example}". Otherwise an empty string.
greeting and discovered_line are always empty strings.

Reply with JSON only:
{{"acknowledgement": "...", "why_it_mattered": "...", "greeting": "", "discovered_line": "",
"suggested_flows": [{{"tour_id": "...", "flow_name": "...", "short_description": "..."}}],
"onboarding_complete": true or false, "reasoning": "..."}}
""",
}

ONBOARDING_SUMMARY_PROMPT: dict[str, str] = {
    "name": "onboarding_summary",
    "description": "Summarise one onboarding session in two or three plain sentences addressed to the user.",
    "version": "0.1",
    "content": """Summarise a user's session in a product, speaking to the user ("you").

Session number: {session_number}
Duration (minutes): {duration_minutes}
Journey: {journey_state}
Mastery: {mastery_level} ({mastery_rating}/10)
Onboarding complete: {reached_onboarding_complete}
Share of onboarding workflows completed: {completion_rate}
Completed workflows (JSON): {completed_workflow_ids_json}
In progress (JSON): {in_progress_workflow_ids_json}
Not started (JSON): {untouched_workflow_ids_json}
Features discovered (JSON): {discovered_features_json}

Write two or three sentences grounded only in this data: what you completed, what is still in progress, and
the single most useful thing to do next. If little happened, say so briefly.
Plain text only: no markdown, no preamble, no quotation marks.
""",
}

_DEFAULT_PATHS: tuple[tuple[str, str], ...] = (("/dashboard", "the dashboard"), ("/settings", "your settings"))


@dataclass(frozen=True)
class PromptVoice:
    """A product's voice for the welcome and follow-up prompts (defaults are neutral placeholders).

    ``closer_fallback_text`` is what a follow-up runner shows when the model fails on the
    closing branch; it never reaches a prompt.
    """

    voice_anchor_phrase: str = "get up and running quickly"
    workflow_example_a_name: str = "First key workflow"
    workflow_example_a_id: str = "example-flow-a"
    workflow_example_b_name: str = "Second key workflow"
    workflow_example_b_id: str = "example-flow-b"
    path_to_language_examples: tuple[tuple[str, str], ...] = _DEFAULT_PATHS
    previous_session_callback_example: str = "Last time we worked on the first key workflow — want to pick up there?"
    why_it_mattered_example: str = "It's the foundation everything else builds on."
    closer_fallback_text: str = "Nice — you're all set up. I'll be right here in the chat — anything you'd like to ask?"

    def render_path_examples(self) -> str:
        """One ``    "<path>" → "<phrase>"`` line per hint, or a note that there are none."""
        if not self.path_to_language_examples:
            return "(no path translation hints provided)"
        return "\n".join(f'    "{path}" → "{phrase}"' for path, phrase in self.path_to_language_examples)

    @classmethod
    def from_config(cls, raw: Mapping[str, Any] | None) -> PromptVoice:
        """Build from a config dict: missing or ``None`` keys keep their defaults; unknown keys are ignored."""
        if not isinstance(raw, Mapping):
            return cls()
        defaults = cls()
        values: dict[str, Any] = {}
        for name in (
            "voice_anchor_phrase",
            "workflow_example_a_name",
            "workflow_example_a_id",
            "workflow_example_b_name",
            "workflow_example_b_id",
            "previous_session_callback_example",
            "why_it_mattered_example",
            "closer_fallback_text",
        ):
            value = raw.get(name)
            values[name] = getattr(defaults, name) if value is None else str(value)
        pairs = raw.get("path_to_language_examples")
        parsed: list[tuple[str, str]] = []
        if isinstance(pairs, (list, tuple)):
            for pair in pairs:
                if (
                    isinstance(pair, (list, tuple))
                    and len(pair) == 2
                    and isinstance(pair[0], str)
                    and isinstance(pair[1], str)
                ):
                    parsed.append((pair[0], pair[1]))
        values["path_to_language_examples"] = tuple(parsed) or defaults.path_to_language_examples
        return cls(**values)
