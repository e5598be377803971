"""Finding ``redis-server`` for the tests that need a real one, in one place.

Without the binary on ``PATH`` those tests skip with :data:`NO_REDIS` as the reason, and the run
ends with one line saying how many skipped and how to enable them (``tests/conftest.py``).
``REQUIRE_REDIS=1`` (set by ``.ci/run``) makes a missing binary a failure instead, so CI cannot
pass by silently skipping them.
"""

from __future__ import annotations

import os
import shutil

import pytest

NO_REDIS = "redis-server is not on PATH"
ENABLE_HINT = "install Redis (e.g. `apt-get install redis-server` or `brew install redis`) to run them"


def redis_server_binary() -> str:
    """The ``redis-server`` executable; skips the calling test without one (fails under ``REQUIRE_REDIS=1``)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {NO_REDIS}", pytrace=False)
        pytest.skip(NO_REDIS)
    return binary
