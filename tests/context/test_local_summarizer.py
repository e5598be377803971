"""The offline, deterministic summarizer LLM used by demos and tests."""

from __future__ import annotations

from autoplay_sdk.context.summarizer import DEFAULT_PROMPT, _format_actions
from autoplay_sdk.testing._summarizer import local_summarizer_llm, local_summarizer_llm_sync
from tests.context._helpers import payload

ACTIONS = [
    ("pageview", "Viewed dashboard", "/dashboard"),
    ("click", "Clicked Export", "/dashboard"),
    ("click", "Clicked Upgrade", "/settings/billing"),
    ("click", "Clicked Export", "/dashboard"),
]


def test_summarises_the_default_prompt() -> None:
    prompt = DEFAULT_PROMPT.format(actions=_format_actions([payload("s1", ACTIONS)]))
    assert local_summarizer_llm_sync(prompt) == (
        "The user performed 4 actions on /dashboard and /settings/billing. "
        "They clicked Export and Upgrade. Most recently: Clicked Export on /dashboard."
    )


def test_reads_unnumbered_payload_text_and_caps_long_lists() -> None:
    many = [("click", f"Clicked B{i}", f"/p{i}") for i in range(7)]
    assert local_summarizer_llm_sync(payload("s1", many).to_text()) == (
        "The user performed 7 actions on /p0, /p1, /p2, /p3 and 3 more. "
        "They clicked B0, B1, B2, B3 and 3 more. Most recently: Clicked B6 on /p6."
    )


def test_never_empty_and_deterministic() -> None:
    assert local_summarizer_llm_sync("") == "The user has no recorded actions in this session yet."
    prompt = DEFAULT_PROMPT.format(actions=_format_actions([payload("s1", ACTIONS[:1])]))
    assert (
        local_summarizer_llm_sync(prompt)
        == local_summarizer_llm_sync(prompt)
        == ("The user performed 1 action on /dashboard. Most recently: Viewed dashboard on /dashboard.")
    )


async def test_async_twin_matches() -> None:
    prompt = DEFAULT_PROMPT.format(actions=_format_actions([payload("s1", ACTIONS)]))
    assert await local_summarizer_llm(prompt) == local_summarizer_llm_sync(prompt)


def test_click_descriptions_in_the_sample_style_read_naturally() -> None:
    actions = [("click", "User clicked 'Invite member'", "/settings/team"), ("click", "clicked Save", "/settings")]
    prompt = DEFAULT_PROMPT.format(actions=_format_actions([payload("s1", actions)]))
    assert "They clicked 'Invite member' and Save." in local_summarizer_llm_sync(prompt)
