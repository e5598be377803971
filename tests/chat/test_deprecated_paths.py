"""The 0.7.3 flat paths of the chat modules still work and warn correctly (spec 02 shims, defect 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_PROBE = """
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import {old} as legacy
import {new} as canonical
print(json.dumps({{
    "same": legacy is canonical,
    "warnings": [(w.category.__name__, str(w.message), w.filename) for w in caught],
}}))
"""


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("autoplay_sdk.chatbot", "autoplay_sdk.chat.chatbot"),
        ("autoplay_sdk.chat_pipeline", "autoplay_sdk.chat.chat_pipeline"),
    ],
)
def test_defect_2_shim_warning_names_the_legacy_path_first(old: str, new: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(old=old, new=new)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["same"] is True
    assert report["warnings"] == [
        [
            "DeprecationWarning",
            f"`{old}` has moved to `{new}`. Update your imports before 1.0.0, when the old path will be removed.",
            "<string>",
        ]
    ]
