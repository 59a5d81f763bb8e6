"""/api/v1/tasks: the staff inbox and the task lifecycle."""
from __future__ import annotations

from api.auth import current_user
from api.language import request_language
from api.routes import flowdesk, protected_blueprint
from api.schemas import (AssignIn, CompleteIn, CompleteOut, TaskDetailOut, TaskOut, TaskPageOut,
                         TaskQuery)
from api.schemas_admin import WaitingIn
from api.errors import service_status
from api.schemas_inbox import AssigneeOut, EscalateIn, ViewCountsOut, ViewCountsQuery
from api.schemas_task_actions import BulkIn, BulkOut, DelegateIn, ResolveIn
from services import due_admin, task_bulk, task_delegation, task_handoff, task_list
from services import tasks as service
from services.task_language import in_language, names_in_language

blp = protected_blueprint("tasks", "/api/v1/tasks", "Human tasks: list, claim, complete.")


def _shown(task: dict) -> dict:
    """A task's detail answered to the caller (its customer's record read, audited)."""
    return service.shown(flowdesk(), current_user(), task)


@blp.route("", methods=["GET"])
@blp.arguments(TaskQuery(), location="query")
@blp.response(200, TaskPageOut)
def list_tasks(args: dict):  # type: ignore[no-untyped-def]
    """Tasks I can see (mine and my groups'; supervisors and admins see all), filtered; task
    names in the request's language when the process has a catalogue for it."""
    page = service.list_tasks(flowdesk(), current_user(), **args)
    page.rows = names_in_language(flowdesk(), page.rows, request_language())
    return page.body(page=args["page"], per_page=args["per_page"])


@blp.route("/counts", methods=["GET"])
@blp.arguments(ViewCountsQuery(), location="query")
@blp.response(200, ViewCountsOut)
def view_counts(args: dict):  # type: ignore[no-untyped-def]
    """How many open tasks each inbox view holds (one statement; exact up to 10,000, then
    10,000 and the view named in ``capped``), and the view to land on."""
    counted = task_list.view_counts(flowdesk(), current_user(), **args)
    return counted.body(landing=task_list.landing_view(counted.counts))


@blp.route("/<int:task_id>", methods=["GET"])
@blp.response(200, TaskDetailOut)
def get_task(task_id: int):  # type: ignore[no-untyped-def]
    """One task with its form schema and current data (name, instructions and form in the
    request's language when the process has a catalogue for it)."""
    task = service.get_task(flowdesk(), current_user(), task_id)
    return in_language(flowdesk(), _shown(task), request_language())


@blp.route("/<int:task_id>/claim", methods=["POST"])
@blp.response(200, TaskDetailOut)
def claim(task_id: int):  # type: ignore[no-untyped-def]
    """Take an open task of one of my groups."""
    return _shown(service.claim(flowdesk(), current_user(), task_id))


@blp.route("/<int:task_id>/unclaim", methods=["POST"])
@blp.response(200, TaskDetailOut)
def unclaim(task_id: int):  # type: ignore[no-untyped-def]
    """Give a claimed task back to its group (the assignee, a supervisor or an admin)."""
    return _shown(service.unclaim(flowdesk(), current_user(), task_id))


@blp.route("/<int:task_id>/assign", methods=["POST"])
@blp.arguments(AssignIn())
@blp.response(200, TaskDetailOut)
def assign(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """Assign a task to a user: supervisors and admins to anyone active; staff a task they
    hold (claimed by them) to a colleague of the task's group."""
    return _shown(service.assign(flowdesk(), current_user(), task_id, args["user"]))


@blp.route("/<int:task_id>/complete", methods=["POST"])
@blp.arguments(CompleteIn())
@blp.response(200, CompleteOut)
@blp.alt_response(409, description="the task is not open, or another completion won")
@blp.alt_response(422, description="form data fails the task's JSON schema")
def complete(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """Complete a task with form data; the instance runs to its next wait."""
    return service.complete(flowdesk(), current_user(), task_id, args["data"])


@blp.route("/<int:task_id>/waiting", methods=["POST"])
@blp.arguments(WaitingIn())
@blp.response(200, TaskOut)
def waiting(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """Say what the task waits for (waiting_customer, waiting_third_party, …; null: nothing).
    SLA clocks whose policy lists that reason in pause_when stop until it is cleared."""
    return due_admin.set_task_waiting(flowdesk(), current_user(), task_id, args["reason"],
                                      args.get("note"))


@blp.route("/<int:task_id>/assignees", methods=["GET"])
@blp.response(200, AssigneeOut(many=True))
def assignees(task_id: int):  # type: ignore[no-untyped-def]
    """Active users of the task's groups: whom it can be handed to."""
    return task_handoff.assignees(flowdesk(), current_user(), task_id)


@blp.route("/<int:task_id>/escalate", methods=["POST"])
@blp.arguments(EscalateIn())
@blp.response(200, TaskOut)
def escalate(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """Flag the task to the supervisors with a reason (the assignee, its group while it is
    unclaimed, or a supervisor): marked escalated, audited, and a notification queued."""
    return task_handoff.escalate(flowdesk(), current_user(), task_id, args["reason"])


@blp.route("/<int:task_id>/delegate", methods=["POST"])
@blp.arguments(DelegateIn())
@blp.response(200, TaskDetailOut)
@blp.alt_response(409, description="the task is not open, or already delegated and not resolved")
def delegate(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """Delegate a task I hold to someone (whom I could assign it to): I stay its owner, they
    work on it and resolve it, and it comes back to me to complete. Audited; they are told."""
    return _shown(task_delegation.delegate(flowdesk(), current_user(), task_id, args["to"],
                                           args.get("note")))


@blp.route("/<int:task_id>/resolve", methods=["POST"])
@blp.arguments(ResolveIn())
@blp.response(200, TaskDetailOut)
@blp.alt_response(409, description="the task has no pending delegation")
def resolve(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """The delegate gives the task back to its owner, with the form data so far saved as a
    draft (the task is not completed: the owner does that)."""
    return _shown(task_delegation.resolve(flowdesk(), current_user(), task_id, args["data"]))


@blp.route("/bulk", methods=["POST"])
@blp.arguments(BulkIn())
@blp.response(200, BulkOut)
@blp.alt_response(422, description=f"more than {task_bulk.MAX_ITEMS} tasks, or an argument "
                  "the action needs is missing")
def bulk(args: dict):  # type: ignore[no-untyped-def]
    """One action over many tasks, named by `ids` or chosen by `filter` (the filters of GET
    /tasks), at most 1000 per call. Each task is done in its own transaction with the single
    action's permission checks and audit; the answer has one result per task (ok, or the
    status, code and message the single action would have refused it with), never failing
    the whole batch on one item."""
    outcomes = task_bulk.run(flowdesk(), current_user(), args["action"], ids=args.get("ids"),
                             filters=args.get("filter"), to=args.get("to"),
                             group=args.get("group"), reason=args["reason"])
    lang = request_language()
    items = [_bulk_item(outcome, lang) for outcome in outcomes]
    failed = sum(1 for item in items if not item["ok"])
    return {"action": args["action"], "total": len(items), "succeeded": len(items) - failed,
            "failed": failed, "items": items}


def _bulk_item(outcome: task_bulk.Outcome, lang: str) -> dict:
    """One task's result; a refusal as the single action would have answered it."""
    error = outcome.error
    if error is None:
        return {"id": outcome.task_id, "ok": True, "status": None, "code": None, "message": None}
    return {"id": outcome.task_id, "ok": False, "status": service_status(error)[0],
            "code": error.code, "message": error.said_in(lang)}
