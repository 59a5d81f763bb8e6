"""The few places where SpiffWorkflow 3.2.0 must be corrected or given our clock.

Applied once, on import of ``engine.runtime``. Each patch names the gotcha it fixes
(see the project's SpiffWorkflow notes): keeping them here makes them easy to drop on upgrade.
"""
from __future__ import annotations

import copy
import datetime as _dt
from contextvars import ContextVar

import SpiffWorkflow
import SpiffWorkflow.bpmn.specs.event_definitions.timer as _timer_module
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from .clock import Clock, SystemClock

SPIFF_VERSION: str = getattr(SpiffWorkflow, "__version__", "3.2.0")

_current_clock: ContextVar[Clock] = ContextVar("flowdesk_clock", default=SystemClock())


def _inherit_data_isolated(self: Task) -> None:
    """G1: 3.2.0 shallow-copies parent data, so nested dicts are shared with completed tasks."""
    self.data = DeepMerge.merge(self.data, copy.deepcopy(self.parent.data))


class _ClockedDatetime(_dt.datetime):
    """Spiff's timer module reads ``datetime.now``; this makes it read the injected clock."""

    @classmethod
    def now(cls, tz: _dt.tzinfo | None = None) -> _dt.datetime:  # type: ignore[override]
        now = _current_clock.get().now()
        return now.astimezone(tz) if tz is not None else now.replace(tzinfo=None)


def use_clock(clock: Clock) -> object:
    """Make Spiff's timers see ``clock`` in this context; returns a token for ``reset_clock``."""
    return _current_clock.set(clock)


def reset_clock(token: object) -> None:
    _current_clock.reset(token)  # type: ignore[arg-type]


def apply() -> None:
    Task._inherit_data = _inherit_data_isolated  # type: ignore[method-assign]
    _timer_module.datetime = _ClockedDatetime  # type: ignore[attr-defined]


apply()
