"""pytest plugin: the ``local_connector`` and ``payload_recorder`` fixtures.

Registered as the ``autoplay_sdk`` entry point in the ``pytest11`` group, so it loads in every
pytest run of an environment where ``autoplay-sdk`` is installed.  It therefore imports nothing
heavy at module level: FastAPI and uvicorn are only imported when a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from autoplay_sdk.testing import LocalConnector, PayloadRecorder

__all__ = ["local_connector", "payload_recorder"]


@pytest.fixture
def local_connector() -> Iterator[LocalConnector]:
    """A started, empty :class:`~autoplay_sdk.testing.LocalConnector` with ``heartbeat_s=0.2``.

    It listens on an ephemeral port of 127.0.0.1 and is stopped after the test.  Raises
    ``ImportError`` (naming ``pip install 'autoplay-sdk[serve]'``) if FastAPI or uvicorn is
    missing.
    """
    from autoplay_sdk.testing import LocalConnector

    with LocalConnector(heartbeat_s=0.2) as connector:
        yield connector


@pytest.fixture
def payload_recorder() -> PayloadRecorder:
    """A fresh :class:`~autoplay_sdk.testing.PayloadRecorder`: attach it to a client, then wait on it.

    ``payload_recorder.attach(client)`` registers it for actions and summaries;
    ``payload_recorder.wait_for(3)`` blocks until three payloads were delivered (False on
    timeout), so a test needs no sleeps.
    """
    from autoplay_sdk.testing import PayloadRecorder

    return PayloadRecorder()
