"""Fixtures for the context tests."""

from __future__ import annotations

import pytest

from tests.context._helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
