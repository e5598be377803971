"""The sync client's backlog between the reader and the worker thread, with real threads."""

from __future__ import annotations

import queue
import threading
from typing import Any

import pytest

from autoplay_sdk._backlog import Backlog


def test_items_reach_the_worker_in_order_until_the_stop_marker() -> None:
    backlog = Backlog(1000)
    got: list[Any] = []
    worker = threading.Thread(target=backlog.work, args=(got.append,))
    worker.start()
    for i in range(500):
        assert backlog.offer(i)
    backlog.close()
    worker.join(10)
    assert not worker.is_alive() and got == list(range(500))


def test_a_full_backlog_refuses_without_blocking() -> None:
    backlog = Backlog(2)
    assert backlog.offer("a") and backlog.offer("b")
    assert not backlog.offer("c")
    with pytest.raises(queue.Full):
        backlog.put_nowait("c")
    assert backlog.qsize() == 2


def test_abandon_hands_back_each_item_the_worker_never_took() -> None:
    backlog = Backlog(100)
    started, release = threading.Event(), threading.Event()
    got: list[Any] = []

    def handle(item: Any) -> None:
        got.append(item)
        if item == 0:  # a callback that outlives the drain timeout
            started.set()
            release.wait(10)

    worker = threading.Thread(target=backlog.work, args=(handle,))
    worker.start()
    for i in range(50):
        assert backlog.offer(i)
    assert started.wait(10)
    backlog.close()
    left = backlog.abandon()
    release.set()
    worker.join(10)
    assert not worker.is_alive()
    # Item 0 was taken before abandon(); everything else comes back once, and nothing more starts.
    assert got == [0] and left == list(range(1, 50))
    assert backlog.empty()


def test_abandon_wakes_an_idle_worker() -> None:
    backlog = Backlog(10)
    worker = threading.Thread(target=backlog.work, args=(lambda _item: None,))
    worker.start()
    assert backlog.abandon() == []
    worker.join(10)
    assert not worker.is_alive()
