"""``sample_events(hesitant=True)``: three more sessions, the ordinary ones unchanged."""

from __future__ import annotations

import pytest

from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.testing import sample_events


@pytest.mark.parametrize(("sessions", "seed"), [(1, 3), (4, 7), (6, 11)])
def test_hesitant_sessions_are_added_after_and_end_in_their_hesitation(sessions: int, seed: int) -> None:
    plain = sample_events(sessions=sessions, seed=seed, start=0.0)
    events = sample_events(sessions=sessions, seed=seed, start=0.0, hesitant=True)
    assert [e for e in events if e in plain] == plain  # same ordinary events, same order
    added = [e for e in events if e not in plain]
    ids = list(dict.fromkeys(e["session_id"] for e in added))
    assert len(ids) == 3 and not set(ids) & {e["session_id"] for e in plain}
    assert max(e["forwarded_at"] for e in added) < max(e["forwarded_at"] for e in plain)
    assert [e["forwarded_at"] for e in events] == sorted(e["forwarded_at"] for e in events)
    endings = {}
    for sid in ids:
        batches = [ActionsPayload.from_dict(e) for e in added if e["session_id"] == sid]
        assert all(e["type"] == "actions" and e["count"] == len(e["actions"]) for e in added)
        assert sum(b.count for b in batches) >= 8  # enough for the demo's local summary
        last = batches[-1].actions
        endings[last[-1].canonical_url.split("/")[-1]] = last
    dwell = endings["new"]  # the automation editor: three sparse actions over at least a minute
    assert len(dwell) == 3 and dwell[-1].timestamp_end - dwell[0].timestamp_start >= 60
    pages = [a.canonical_url.rsplit("/", 1)[-1] for a in endings["board"]]
    assert pages == ["timeline", "board"] * 3
    assert all("/settings/import" in a.canonical_url for a in endings["mapping"])
