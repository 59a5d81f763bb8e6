"""One scenario run, step by step, on a throwaway store with a virtual clock.

``start`` creates the case at the scenario's time, ``step`` does one step of the file (complete
a task, a message or signal, answer an external task, advance the clock, check expectations),
``advance`` moves the clock and fires what fell due on the way, each at its own time, and
``state`` is everything a designer looks at. A start may also be left to the process's own
timer start event (``scheduled: true``): the case the schedule starts becomes the scenario's
case (the newest one, when it starts several). Coverage counts every case of the run.
The designer's dry run drives the same object. Every action goes through the services the API uses (forms are validated as the API does);
mocked external tasks are answered as soon as they open.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from engine.calendars import BusinessCalendar
from engine.clock import FakeClock
from engine.durations import parse as parse_duration
from engine.errors import EngineError
from engine.model_graph import ModelGraph, path_taken, visited
from services import customers, due_runner, due_work, event_delivery, external_tasks
from services import tasks as task_service
from services.context import Flowdesk
from services.errors import ServiceError
from services.instances import start_instance
from services.principal import Principal
from services.scenarios import reads
from services.scenarios.expect import Mismatch, compare
from services.scenarios.hints import explain
from services.scenarios.spec import Step
from store.tables import DueWork

DUE = DueWork.__table__
TICK = timedelta(seconds=1)  # due work fires once the clock is past its time: a second after
WORKER = Principal(0, "scenario-worker", frozenset({"worker", "admin"}), frozenset())
MAX_AUTO_ANSWERS = 100  # a loop answering mocked external tasks forever stops here


NOT_STARTED = "not_started"  # a scheduled scenario whose timer start event has not fired yet


class StepFailed(Exception):
    """A step could not be done (no such task, a form refused, a message nobody waits for)."""


@dataclass
class ScenarioState:
    """Where the run stands: the main case and everything open in the store."""

    now: datetime
    status: str
    variables: dict[str, Any]
    path: list[str]
    tasks: list[dict[str, Any]]
    sla: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    external_tasks: list[dict[str, Any]]
    ends: list[str]
    elements: set[str] = field(default_factory=set)
    flows: set[str] = field(default_factory=set)


class ScenarioSession:
    # How many due times one advance may fire (None: all up to the target); a dry run bounds
    # the work of one request, and ``stopped_early`` says the clock stopped short.
    fire_limit: int | None = None
    stopped_early = False

    def __init__(self, fd: Flowdesk, clock: FakeClock, graph: ModelGraph, process_key: str,
                 mocks: dict[str, Any] | None = None) -> None:
        self.fd, self.clock, self.graph, self.process_key = fd, clock, graph, process_key
        self.external_mocks: dict[str, Any] = dict((mocks or {}).get("external") or {})
        self.zone = ZoneInfo(fd.settings.timezone)
        self.instance_id: int | None = None
        self.scheduled = False  # the case is the one the process's timer start event starts

    # -- the four verbs ----------------------------------------------------------------------
    def start(self, spec: dict[str, Any]) -> ScenarioState:
        """Start the case: ``at`` (+ ``timezone``), ``variables``/``form`` (the start form,
        checked as the API checks it), ``customer`` (a new customer record, the case's),
        ``customers`` (more records, for start-data providers that select them), ``business_key``,
        ``user``/``group`` (who starts it; default an admin, so the start rule is not tested);
        or ``scheduled: true``: nothing starts now, the timer start event will."""
        self.zone = ZoneInfo(spec.get("timezone") or self.fd.settings.timezone)
        if spec.get("at"):
            self.clock.set(self.when(spec["at"]))
        with self.fd.uow() as uow:  # the schedule counts from the scenario's time
            due_work.rearm_starts(uow, self.clock.now())
        for record in spec.get("customers") or []:
            self._new_customer(record)
        if spec.get("scheduled"):
            self.scheduled = True
            self._settle()
            return self.state()
        # Start data given (even empty) is checked against the start form, as POST /instances
        # checks it; left out, the case starts without it and its first task collects it.
        given = "variables" in spec or "form" in spec
        variables = {**(spec.get("variables") or {}), **(spec.get("form") or {})}
        customer_id = self._new_customer(spec["customer"]) if spec.get("customer") else None
        user = self._starter(spec)
        started = self._do(lambda: start_instance(
            self.fd, user, spec.get("process") or self.process_key,
            business_key=spec.get("business_key"), variables=variables if given else None,
            customer_id=customer_id))
        self.instance_id = started["id"]
        self._settle()
        return self.state()

    def step(self, step: Step) -> list[Mismatch]:
        """Do one step; an ``expect`` step answers its mismatches (none: it held)."""
        if step.kind == "expect":
            state = self.state()
            return explain(compare(step.args["expect"] or {}, state, self.zone), self.graph,
                           state)
        if step.kind == "advance":
            self.advance(step.args["advance"])
        elif step.kind == "complete":
            self.complete(step.args)
        elif step.kind == "message":
            self._do(lambda: event_delivery.send_message(
                self.fd, WORKER, step.args["message"], correlation=step.args.get("correlation"),
                business_key=step.args.get("business_key"),
                variables=step.args.get("variables")))
        elif step.kind == "signal":
            self._do(lambda: event_delivery.broadcast_signal(
                self.fd, WORKER, step.args["signal"], step.args.get("variables")))
        elif step.kind == "external":
            self.answer_external(step.args["external"], step.args)
        self._settle()
        return []

    def advance(self, how: Any) -> datetime:
        """Move the clock (``PT48H``, ``2 个工作日``, ``{to: time}``, ``{to_next_opening:
        calendar}``, ``{to_next_due: true}``), firing due work on the way at its own time."""
        target = self._target(how)
        self.stopped_early = False
        for fired in count():
            nxt = self._next_due()
            if nxt is None or nxt >= target:
                break
            if self.fire_limit is not None and fired >= self.fire_limit:
                self.stopped_early = True  # bounded work: the clock stays where it got to
                target = self.clock.now()
                break
            self.clock.set(max(self.clock.now(), nxt + TICK))
            due_runner.run_due(self.fd, node="scenario")
            self._answer_mocks()
        self.clock.set(max(self.clock.now(), target))
        self._settle()
        return self.clock.now()

    def state(self) -> ScenarioState:
        """The scenario's case; before a scheduled start has fired, ``status`` is
        ``not_started`` (what is open in the store is still shown)."""
        self._adopt()
        elements: set[str] = set()
        flows: set[str] = set()
        main: dict[str, Any] = {"status": NOT_STARTED, "variables": {}}
        path: list[str] = []
        for ident in reads.instance_ids(self.fd):
            head = reads.instance(self.fd, ident)
            reached, taken = visited(head["workflow"], self.graph)
            elements |= reached
            flows |= taken
            if ident == self.instance_id:
                main, path = head, path_taken(head["workflow"])
        ends = self.graph.end_events()
        return ScenarioState(
            now=self.clock.now(), status=main["status"], variables=main["variables"] or {},
            path=path, tasks=reads.open_tasks(self.fd), sla=reads.sla_clocks(self.fd),
            incidents=(reads.incidents(self.fd, self.instance_id)
                       if self.instance_id is not None else []),
            external_tasks=reads.open_external_tasks(self.fd),
            ends=[p for p in path if p in ends], elements=elements, flows=flows)

    def _adopt(self) -> None:
        """A scheduled scenario follows the newest case its process's schedule started."""
        if self.scheduled:
            started = reads.instance_ids(self.fd, self.process_key)
            self.instance_id = started[-1] if started else None

    # -- steps ---------------------------------------------------------------------------------
    def complete(self, args: dict[str, Any]) -> None:
        """Claim and complete the open task named by element id or name, as ``user`` or a
        member of ``group`` (default: its assignee, else a member of its group), with
        ``data``. ``rejected: [fields]`` expects the form to be refused on those fields."""
        task = self._open_task(str(args["complete"]))
        user = self._completer(task, args)
        data = dict(args.get("data") or {})
        if "rejected" in args:
            return self._expect_rejected(task, user, data, args["rejected"])
        if task["assignee"] != user.username:
            self._do(lambda: task_service.claim(self.fd, user, task["id"]))
        self._do(lambda: task_service.complete(self.fd, user, task["id"], data))

    def _expect_rejected(self, task: dict, user: Principal, data: dict,
                         fields: list[str]) -> None:
        try:
            task_service.complete(self.fd, user, task["id"], data)
        except (ServiceError, EngineError) as exc:
            got = sorted({e.get("field", "") for e in getattr(exc, "errors", [])})
            if sorted(fields) != got:
                raise StepFailed(f"the form was refused on {got}, expected on {sorted(fields)}: "
                                 f"{exc}") from None
            return
        raise StepFailed(f"{task['bpmn_id']}: the form was accepted, expected it refused on "
                         f"{sorted(fields)}")

    def answer_external(self, ref: str, answer: dict[str, Any]) -> None:
        """Answer the open external task of element (or topic) ``ref``: ``variables``, or a
        BPMN ``error`` (code) with ``message``."""
        open_now = reads.open_external_tasks(self.fd)
        row = next((t for t in open_now if ref in (t["bpmn_id"], t["topic"])), None)
        if row is None:
            raise StepFailed(f"no open external task of {ref!r}; open: "
                             f"{self._labels(t['bpmn_id'] for t in open_now)}")
        worker = f"scenario-{row['id']}"
        self._do(lambda: external_tasks.fetch_and_lock(
            self.fd, WORKER, worker, [{"name": row["topic"], "lock_duration": 60_000}],
            max_tasks=1, internal=True))
        if answer.get("error"):
            self._do(lambda: external_tasks.bpmn_error(
                self.fd, WORKER, row["id"], worker, str(answer["error"]),
                str(answer.get("message") or ""), answer.get("variables")))
        else:
            self._do(lambda: external_tasks.complete(self.fd, WORKER, row["id"], worker,
                                                     dict(answer.get("variables") or {})))

    # -- helpers -------------------------------------------------------------------------------
    def when(self, value: Any) -> datetime:
        """A time of the scenario: ISO text, naive ones in the scenario's time zone."""
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)

    def _target(self, how: Any) -> datetime:
        now = self.clock.now()
        if not isinstance(how, dict):
            try:
                return now + parse_duration(how)
            except (EngineError, ValueError) as exc:
                raise StepFailed(f"advance: {how!r} is not a duration ({exc})") from None
        if "to" in how:
            return self.when(how["to"])
        if "to_next_opening" in how:
            return self._next_opening(str(how["to_next_opening"]), now)
        if how.get("to_next_due"):
            nxt = self._next_due()
            if nxt is None:
                raise StepFailed("advance to_next_due: nothing is due any more")
            return nxt + TICK
        raise StepFailed(f"advance: unknown {how!r} (a duration, to, to_next_opening, "
                         "to_next_due)")

    def _labels(self, idents: Any) -> str:
        """Elements by id and name, for a failure: ``pack (Pack the order), …`` or none."""
        return ", ".join(self.graph.label(i) for i in idents) or "none"

    def _new_customer(self, record: dict[str, Any]) -> int:
        """A customer record as the customer API stores it (its birthday a date)."""
        values = dict(record)
        if isinstance(values.get("birthday"), str):
            values["birthday"] = date.fromisoformat(values["birthday"])
        return int(self._do(lambda: customers.create(
            self.fd, self._person("scenario", admin=True), values))["id"])

    def _next_opening(self, name: str, now: datetime) -> datetime:
        with self.fd.uow(read_only=True) as uow:
            calendar = self.fd.sla.calendar_named(uow, name)
        if not isinstance(calendar, BusinessCalendar):
            raise StepFailed(f"advance to_next_opening: no calendar named {name!r} (sla.json)")
        return calendar.next_open(now + TICK) if calendar.is_open(now) else calendar.next_open(now)

    def _next_due(self) -> datetime | None:
        with self.fd.uow(read_only=True) as uow:
            return reads.aware(uow.scalar(select(func.min(DUE.c.due_at))
                                          .where(DUE.c.state == "pending")))

    def _settle(self) -> None:
        """What is due now fires now (an outbox delivery, a zero timer); mocks answer."""
        due_runner.run_due(self.fd, node="scenario")
        self._answer_mocks()

    def _answer_mocks(self) -> None:
        for _ in range(MAX_AUTO_ANSWERS):
            mocked = next((t for t in reads.open_external_tasks(self.fd)
                           if self._mock_of(t) is not None), None)
            if mocked is None:
                return
            self.answer_external(mocked["bpmn_id"], self._mock_of(mocked) or {})
            due_runner.run_due(self.fd, node="scenario")
        raise StepFailed(f"mocked external tasks kept opening ({MAX_AUTO_ANSWERS} answered)")

    def _mock_of(self, task: dict[str, Any]) -> dict[str, Any] | None:
        found = self.external_mocks.get(task["bpmn_id"], self.external_mocks.get(task["topic"]))
        return found if found is None or isinstance(found, dict) else {}

    def _open_task(self, ref: str) -> dict[str, Any]:
        tasks = reads.open_tasks(self.fd)
        matching = [t for t in tasks if ref in (t["bpmn_id"], t["name"])]
        if not matching:
            raise StepFailed(f"no open task {ref!r}; open: "
                             f"{self._labels(t['bpmn_id'] for t in tasks)}")
        return matching[0]

    def _completer(self, task: dict[str, Any], args: dict[str, Any]) -> Principal:
        if args.get("user"):
            groups = [args["group"]] if args.get("group") else args.get("groups") or []
            return Principal(0, str(args["user"]), frozenset({"staff"}), frozenset(groups))
        if args.get("group"):
            return self._person(f"member-of-{args['group']}", groups=[args["group"]])
        if task["assignee"]:
            return self._person(task["assignee"], groups=[task["candidate_group"] or ""])
        return self._person(f"member-of-{task['candidate_group']}",
                            groups=[task["candidate_group"] or ""])

    def _starter(self, spec: dict[str, Any]) -> Principal:
        if spec.get("group"):
            return self._person(str(spec.get("user") or f"member-of-{spec['group']}"),
                                groups=[spec["group"]])
        return self._person(str(spec.get("user") or "scenario"), admin=True)

    @staticmethod
    def _person(name: str, groups: list[str] | None = None, admin: bool = False) -> Principal:
        roles = {"staff", "admin"} if admin else {"staff"}
        return Principal(0, name, frozenset(roles), frozenset(g for g in groups or [] if g))

    @staticmethod
    def _do(action: Any) -> Any:
        """Run a service call; its refusal fails the step with the service's own words."""
        try:
            return action()
        except (ServiceError, EngineError) as exc:
            detail = getattr(exc, "detail", None) or str(exc)
            fields = "; ".join(f"{e.get('field')}: {e.get('message')}"
                               for e in getattr(exc, "errors", []) or [])
            raise StepFailed(f"{type(exc).__name__}: {detail}"
                             + (f" ({fields})" if fields else "")) from None
