"""Typed errors the engine raises; the API maps each to one HTTP status in one place."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a model, located so a modeller can find it.

    ``message`` is English; a problem with a ``key`` (engine.problem_texts) can be said again
    in another language from it and its ``params``.
    """

    message: str
    file: str = ""
    element_id: str = ""
    line: int | None = None
    code: str = "invalid"
    key: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        return {"file": self.file, "element_id": self.element_id, "line": self.line,
                "code": self.code, "message": self.message}


class EngineError(Exception):
    """Base of everything the engine raises on purpose."""


class InvalidModel(EngineError):
    """A deployment was rejected; ``problems`` lists every reason found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems[:5]))


class TaskNotReady(EngineError):
    """The task exists but cannot be completed now (G4: Spiff would run it anyway)."""


class TaskNotFound(EngineError):
    """No open user task with this id in the instance."""


@dataclass
class FormInvalid(EngineError):
    """Submitted form data does not satisfy the task's JSON schema; ``subject``: what was
    submitted (``form``: a task's or start form; ``variables``: a correction of a case's
    variables, a message's or signal's payload), so the answer says which."""

    errors: list[dict] = field(default_factory=list)
    subject: str = "form"

    def __str__(self) -> str:
        return "; ".join(f"{e['field']}: {e['message']}" for e in self.errors)


class TaskTreeTooDeep(EngineError):
    """G2: beyond this depth Spiff hides READY tasks and reports the instance complete."""


class EventNotCaught(EngineError):
    """A message or signal was sent to an instance that is not waiting for it."""


class ErrorNotCaught(EngineError):
    """A BPMN error thrown from an external task that no error boundary event catches."""
