"""How much engine work one call may do before it stops with an incident.

A model can make SpiffWorkflow run without waiting: a loop with no user task, a call activity
whose process calls itself (refused at deploy since ``lint_recursion``, but older versions may
be deployed), a huge multi-instance. Inside a request or a tick that would hold the database's
write lock for minutes. So each engine run counts the tasks it runs, watches its own elapsed
time on a monotonic clock the host gives the Runtime (never the business clock, which tests
move and timers read), and bounds how deeply call activities and subprocesses nest. Whatever is
exceeded raises before the next task runs, so that task stays READY and a retry continues.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import EngineError

MAX_TASKS = 20_000        # engine tasks one call may run (a busy real call runs a few dozen)
MAX_SECONDS = 3.0         # of the budget clock per call: the write lock is held meanwhile
MAX_CALL_DEPTH = 25       # call activities and subprocesses inside each other


class EngineBudgetExceeded(EngineError):
    """One engine call ran too many tasks, too long, or nested processes too deeply."""

    def __init__(self, kind: str, message: str, task: Any = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.task = task


@dataclass(frozen=True)
class StepLimits:
    """The bounds of one engine call; ``timer`` reads the budget clock in seconds."""

    timer: Callable[[], float]
    max_tasks: int = MAX_TASKS
    max_seconds: float = MAX_SECONDS
    max_call_depth: int = MAX_CALL_DEPTH

    def start(self) -> "StepBudget":
        return StepBudget(self)


class StepBudget:
    """One engine call's allowance; ``before_task`` is Spiff's ``will_complete_task`` hook."""

    __slots__ = ("limits", "tasks", "deadline")

    def __init__(self, limits: StepLimits) -> None:
        self.limits = limits
        self.tasks = 0
        self.deadline = limits.timer() + limits.max_seconds

    def before_task(self, task: Any) -> None:
        self.tasks += 1
        limits = self.limits
        depth = getattr(task.workflow, "depth", 0)
        if depth > limits.max_call_depth:
            raise EngineBudgetExceeded(
                "call_depth", f"Call activities and subprocesses are nested {depth} deep "
                f"(limit {limits.max_call_depth}): the process probably calls itself. Cancel "
                "the instance and deploy a version that does not.", task)
        if self.tasks > limits.max_tasks:
            raise EngineBudgetExceeded(
                "step_limit", f"The process ran more than {limits.max_tasks:,} steps without "
                "waiting (a loop without a wait?). It stopped here; retry to go on, or cancel "
                "it.", task)
        self.check_time(task)

    def check_time(self, task: Any = None) -> None:
        if self.limits.timer() > self.deadline:
            raise EngineBudgetExceeded(
                "time_limit", f"The process ran longer than {self.limits.max_seconds:g} s "
                "without waiting. It stopped here; retry to go on, or cancel it.", task)
