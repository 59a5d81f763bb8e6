"""One dry run (试运行) of a designer's draft: the draft deployed into its own throwaway store,
a scenario session on a virtual clock, a log of what each step did, and the steps recorded so
the run can be saved as a scenario file (``scenario_file``).

Nothing of it reaches the real database: the store is a copy of an empty migrated SQLite
schema; the only read of the real database copies its business calendars and SLA policies,
so timers and SLA clocks run on the real calendars. Mail is off, and the ticker, connector
and external-task workers never see the store: external tasks wait for the designer to answer
them as a step. Each request does bounded work (``FIRE_LIMIT`` due times per advance).
"""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.clock import FakeClock
from engine.errors import EngineError, FormInvalid
from engine.model_graph import read_graph
from services import definitions
from services import tasks as task_service
from services.context import Flowdesk
from services.errors import Invalid, ServiceError
from services.principal import system
from services.scenarios.session import ScenarioSession, ScenarioState, StepFailed
from services.scenarios.spec import STEP_KINDS, Step
from services.sla.book import calendars, policies

FIRE_LIMIT = 200  # due times one advance may fire in one request
DESIGNER = system("dry-run", "admin")  # deploys the draft and reads its tasks' forms
ACTIONS = tuple(k for k in STEP_KINDS if k != "expect")


class DryRunSession(ScenarioSession):
    """The scenario session, with the services' refusals passed on as they are (a refused
    form says which fields, in the request's language) and bounded advances."""

    fire_limit = FIRE_LIMIT

    @staticmethod
    def _do(action: Any) -> Any:
        try:
            return action()
        except (ServiceError, FormInvalid):
            raise
        except EngineError as exc:
            raise StepFailed(f"{type(exc).__name__}: {exc}") from None


def copy_time_rules(real: Flowdesk, store: Flowdesk) -> None:
    """The real installation's calendars and SLA policies, as they are now, into the store."""
    with real.uow(read_only=True) as uow:
        rows = {table: [dict(r) for r in uow.execute(select(table)).mappings()]
                for table in (calendars, policies)}
    with store.uow() as uow:
        for table, found in rows.items():
            if found:
                uow.execute(table.insert(), found)


class DryRun:
    """A draft deployed in its own store, and the run of it step by step."""

    def __init__(self, real: Flowdesk, url: str, owner: str, files: dict[str, bytes]) -> None:
        self.id, self.owner, self.url = "", owner, url
        self.lock = threading.Lock()  # one step at a time per run
        self.last_used = time.monotonic()
        self.clock = FakeClock(real.now())
        self.fd = Flowdesk(replace(real.settings, database_url=url, smtp_url=""),
                           clock=self.clock)
        self.log: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []  # as a scenario file writes them
        self.start_spec: dict[str, Any] | None = None
        try:
            copy_time_rules(real, self.fd)
            row, _ = definitions.deploy(self.fd, files, DESIGNER)
        except BaseException:
            self.fd.dispose()
            raise
        self.process_key, self.definition_id, self.name = row.key, row.id, row.name
        self.session = DryRunSession(self.fd, self.clock, read_graph(files), row.key)

    # -- what the designer does ----------------------------------------------------------------
    def start_form(self) -> tuple[dict | None, str | None, dict]:
        """The draft's start form (schema, file name) and its language catalogues."""
        with self.fd.uow(read_only=True) as uow:
            parsed = self.fd.parsed(uow, self.definition_id)
        return parsed.start_form.schema, parsed.start_form.name, parsed.catalogues

    def start(self, spec: dict[str, Any]) -> ScenarioState:
        """Start the case at ``at`` in ``timezone`` with the start form's ``variables``. The
        designer's panel always sends the start form, so no data is the empty form: checked
        against the start form as POST /instances checks it (422 naming the fields)."""
        if self.start_spec is not None:
            raise Invalid.of("dry_run.started")
        spec = {k: spec[k] for k in ("at", "timezone", "business_key")
                if spec.get(k) not in (None, "")} | {"variables": dict(spec.get("variables")
                                                                      or {})}
        before = self.clock.now()
        state = self._checked(lambda: self.session.start(spec))
        self.start_spec = {**spec, "at": self._local(self.clock.now())} if spec.get("at") \
            else {**spec, "at": self._local(before)}
        self.start_spec.setdefault("timezone", str(self.session.zone))
        self._note("start", None, state)
        return state

    def step(self, args: dict[str, Any]) -> ScenarioState:
        """One action of a scenario file: complete, message, signal, external or advance."""
        kinds = [k for k in args if k in ACTIONS]
        if len(kinds) != 1:
            raise Invalid.of("dry_run.step_kind", kinds=", ".join(ACTIONS))
        if self.start_spec is None:
            raise Invalid.of("dry_run.not_started")
        kind = kinds[0]
        self.session.stopped_early = False
        before = self.session.state()
        if kind == "complete":  # the form in the file is the data the designer sent
            args = {"complete": args["complete"], "data": dict(args.get("data") or {})}
        self._checked(lambda: self.session.step(Step(len(self.steps) + 1, kind, dict(args))))
        recorded = [dict(args)]
        if kind == "advance" and self.session.stopped_early:
            recorded = [{"advance": {"to": self._local(self.clock.now())}}]
        elif kind == "advance" and self._due_now():
            # "48 hours" lands on a 48-hour timer: the designer means to see it fire, and the
            # file says so with the second past it (timers fire once the clock is past them)
            self._checked(lambda: self.session.advance("PT1S"))
            recorded.append({"advance": "PT1S"})
        state = self.session.state()
        self.steps += recorded
        self.steps.append({"expect": self.expectation(state)})
        self._note(kind, args.get(kind), state, before)
        return state

    # -- what the designer sees ----------------------------------------------------------------
    def state(self) -> ScenarioState | None:
        return self.session.state() if self.start_spec is not None else None

    def next_due(self) -> datetime | None:
        return self.session._next_due()

    def task_forms(self, state: ScenarioState) -> list[dict[str, Any]]:
        """Each open task with its form schema and data, as ``GET /tasks/{id}`` shows it."""
        return [task_service.get_task(self.fd, DESIGNER, t["id"]) for t in state.tasks]

    def expectation(self, state: ScenarioState) -> dict[str, Any]:
        """What a saved scenario checks after a step: the open tasks (element, group, due)
        and the case's status; at the end, the end events reached."""
        expect: dict[str, Any] = {"status": state.status, "tasks": [
            {"element": t["bpmn_id"], "group": t["candidate_group"],
             "due": self._local(t["due_at"]) if t["due_at"] else None}
            for t in state.tasks]}
        if state.ends:
            expect["end"] = list(state.ends)
        return expect

    # -- helpers -------------------------------------------------------------------------------
    def _local(self, moment: datetime) -> str:
        """A time as the scenario file writes it: naive, in the run's time zone."""
        return moment.astimezone(self.session.zone).replace(tzinfo=None).isoformat()

    def _due_now(self) -> bool:
        nxt = self.session._next_due()
        return nxt is not None and nxt <= self.clock.now()

    def _checked(self, action: Any) -> Any:
        try:
            return action()
        except StepFailed as exc:
            raise Invalid.of("dry_run.step_failed", problem=str(exc)) from None

    def _note(self, kind: str, what: Any, state: ScenarioState,
              before: ScenarioState | None = None) -> None:
        """A log line: what was done, and what it changed (tasks opened and closed, the path
        walked on, SLA clocks that changed state)."""
        old_tasks = {t["id"] for t in before.tasks} if before else set()
        new_tasks = {t["id"] for t in state.tasks}
        old_sla = {(c["element"], c["policy"]): c["sla_state"] for c in before.sla} \
            if before else {}
        self.log.append({
            "at": state.now, "kind": kind, "what": what,
            "opened": [t["bpmn_id"] for t in state.tasks if t["id"] not in old_tasks],
            "closed": [t["bpmn_id"] for t in before.tasks if t["id"] not in new_tasks]
            if before else [],
            "walked": state.path[len(before.path):] if before else list(state.path),
            "sla": [{"element": c["element"], "policy": c["policy"], "state": c["sla_state"]}
                    for c in state.sla
                    if old_sla.get((c["element"], c["policy"])) != c["sla_state"]],
            "status": state.status, "stopped_early": self.session.stopped_early})

    def close(self) -> None:
        self.fd.dispose()

