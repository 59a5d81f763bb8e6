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


def test_bytes_are_bounded_too() -> None:
    cache = WorkflowCache(size=100, max_bytes=1000)
    cache.put(1, 1, "wf1", 400)
    cache.put(2, 1, "wf2", 400)
    cache.put(3, 1, "wf3", 400)              # 1200 > 1000: the oldest leaves
    assert (len(cache), cache.nbytes) == (2, 800)
    assert cache.take(1, 1) is None and cache.take(2, 1) == "wf2"
    assert (len(cache), cache.nbytes) == (1, 400)
    cache.put(4, 1, "huge", 5000)             # larger than the bound: not kept at all
    assert (len(cache), cache.nbytes) == (0, 0)
    cache.put(5, 1, "wf5", 100)
    cache.put(6, 1, "wf6")                    # no estimate: the mean of what it holds
    assert cache.nbytes == 200
    cache.clear()
    assert (len(cache), cache.nbytes) == (0, 0)
