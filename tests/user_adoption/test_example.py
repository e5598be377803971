"""``examples/user_adoption.py`` runs alone, in memory and on Redis, and shows users completing workflows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "user_adoption.py"


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_user_adoption_example(storage: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    args = [sys.executable, str(EXAMPLE)]
    if storage == "redis":
        args += ["--redis-url", request.getfixturevalue("redis_url")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=90, cwd=tmp_path)  # run as a user would
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert re.search(r"^\S+@\S+ completed invite-teammate$", done.stdout, re.MULTILINE), done.stdout
    standing = re.findall(r"^  (\S+): journey=onboarding completed=\[(.*?)\] next=", done.stdout, re.MULTILINE)
    assert len(standing) == 4 and any("'invite-teammate'" in c for _, c in standing)
