"""The code speaks for itself: no module cites documents this repository does not contain.

Differences from 0.7.5 are described in words in ``docs/compatibility.md``; docstrings and
comments state contracts in the present tense, without "spec 02 §1", "defect 8" or "the reference".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "autoplay_sdk"
CITATION = re.compile(r"§|\bspec \d|\bthe spec\b|\bdefects?\s*\d|\bthe reference\b|\breference defect", re.IGNORECASE)

MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_cites_no_outside_document(path: Path) -> None:
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if CITATION.search(line)
    ]
    assert not hits, "\n".join(hits)


def test_the_pattern_catches_the_usual_forms() -> None:
    forms = ("see spec 02 §1", "fixes defect 8", "unlike the reference", "(reference defect)", "the spec is silent")
    for text in forms:
        assert CITATION.search(text), text
    assert not CITATION.search("a reference to the store")
