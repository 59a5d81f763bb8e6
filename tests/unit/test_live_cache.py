"""The live-workflow cache hands a workflow to one caller at a time, for one row version."""
from __future__ import annotations

from engine.live_cache import WorkflowCache


def test_take_removes_and_checks_the_version() -> None:
    cache = WorkflowCache(size=2)
    cache.put(1, 3, "wf1")
    assert cache.take(1, 2) is None          # stale version: not handed out
    assert cache.take(1, 3) is None          # and the stale entry was dropped
    cache.put(1, 4, "wf1")
    assert cache.take(1, 4) == "wf1"
    assert cache.take(1, 4) is None          # taken: nobody else gets it


def test_size_is_bounded_lru() -> None:
    cache = WorkflowCache(size=2)
    for key in (1, 2, 3):
        cache.put(key, 1, f"wf{key}")
    assert len(cache) == 2 and cache.take(1, 1) is None and cache.take(3, 1) == "wf3"
    cache.evict(2)
    assert len(cache) == 0


def test_weight_is_bounded_too_oldest_first() -> None:
    cache = WorkflowCache(size=10, max_weight=100)
    cache.put(1, 1, "wf1", 40)
    cache.put(2, 1, "wf2", 40)
    cache.put(1, 2, "wf1", 50)             # parked again: its old weight no longer counts
    assert len(cache) == 2 and cache.weight == 90
    cache.put(3, 1, "wf3", 30)             # 120 > 100: the least recently parked (2) goes
    assert cache.take(2, 1) is None and cache.weight == 80
    assert cache.take(1, 2) == "wf1" and cache.weight == 30
    cache.clear()
    assert cache.weight == 0 and len(cache) == 0
