"""The offline summarizer reads as English on the sample's own descriptions."""

from __future__ import annotations

from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.testing import local_summarizer_llm_sync, sample_events


def test_only_click_descriptions_that_say_clicked_name_click_targets() -> None:
    text = (
        "Session s — 3 actions\n"
        "[0] click: User opened the Website relaunch board — https://app.tasklane.example/projects/:id\n"
        "[1] click: User clicked 'New task' — https://app.tasklane.example/projects/:id\n"
        "[2] click: User set the status to Done — https://app.tasklane.example/tasks/:id"
    )
    summary = local_summarizer_llm_sync(text)
    assert "They clicked 'New task'." in summary
    assert "clicked User" not in summary and "clicked User opened" not in summary


def test_no_sample_summary_says_clicked_user() -> None:
    for event in sample_events(sessions=6, start=0.0):
        if event["type"] == "actions":
            summary = local_summarizer_llm_sync(ActionsPayload.from_dict(event).to_text())
            assert "clicked User" not in summary, summary
