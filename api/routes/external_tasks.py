"""/api/v1/external-tasks: outside workers fetch and lock service tasks by topic, then complete
them, report a failure or a BPMN error, or extend their lock (role worker, or admin)."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_external import (AnsweredOut, BpmnErrorIn, CompleteExternalIn, ExtendLockIn,
                                  ExternalTaskOut, ExternalTaskPageOut, ExternalTaskQuery,
                                  FailureIn, FetchAndLockIn, FetchedTaskOut)
from services import external_tasks as service

blp = protected_blueprint(
    "external_tasks", "/api/v1/external-tasks",
    "External tasks: service tasks with a topic (camunda:type=\"external\"), done by workers "
    "that poll (role worker, or admin). Camunda's camelCase request names are accepted too.")


@blp.route("/fetch-and-lock", methods=["POST"])
@blp.arguments(FetchAndLockIn())
@blp.response(200, FetchedTaskOut(many=True))
def fetch_and_lock(args: dict):  # type: ignore[no-untyped-def]
    """Lock up to max_tasks open tasks of the topics for this worker, highest priority and
    then oldest first; an empty list when there is none (answers at once: no long polling)."""
    return service.fetch_and_lock(flowdesk(), current_user(), args["worker_id"], args["topics"],
                                  args["max_tasks"])


@blp.route("/<int(bits=64):task_id>/complete", methods=["POST"])
@blp.arguments(CompleteExternalIn())
@blp.response(200, AnsweredOut)
@blp.alt_response(409, description="not locked by this worker, or the lock expired")
def complete(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """The work is done: the variables go to the process, which runs to its next wait."""
    return service.complete(flowdesk(), current_user(), task_id, args["worker_id"],
                            args["variables"])


@blp.route("/<int(bits=64):task_id>/failure", methods=["POST"])
@blp.arguments(FailureIn())
@blp.response(200, ExternalTaskOut)
@blp.alt_response(409, description="not locked by this worker, or the lock expired")
def failure(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """The work failed: fetchable again after retry_timeout while retries are left; with
    retries 0 an incident (the instance stops in error until an admin retries it)."""
    return service.failure(flowdesk(), current_user(), task_id, args["worker_id"],
                           args["error_message"], args["error_details"], args["retries"],
                           args["retry_timeout"])


@blp.route("/<int(bits=64):task_id>/bpmn-error", methods=["POST"])
@blp.arguments(BpmnErrorIn())
@blp.response(200, AnsweredOut)
@blp.alt_response(409, description="not locked by this worker, or the lock expired")
@blp.alt_response(422, description="no error boundary event catches the code; nothing changed")
def bpmn_error(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """A business error: the task's error boundary event for error_code (or a catch-all one)
    takes over, with the variables."""
    return service.bpmn_error(flowdesk(), current_user(), task_id, args["worker_id"],
                              args["error_code"], args["error_message"], args["variables"])


@blp.route("/<int(bits=64):task_id>/extend-lock", methods=["POST"])
@blp.arguments(ExtendLockIn())
@blp.response(200, ExternalTaskOut)
@blp.alt_response(409, description="not locked by this worker, or the lock expired")
def extend_lock(args: dict, task_id: int):  # type: ignore[no-untyped-def]
    """Keep the task longer: the lock ends new_duration ms from now."""
    return service.extend_lock(flowdesk(), current_user(), task_id, args["worker_id"],
                               args["new_duration"])


@blp.route("", methods=["GET"])
@blp.arguments(ExternalTaskQuery(), location="query")
@blp.response(200, ExternalTaskPageOut)
def list_external_tasks(args: dict):  # type: ignore[no-untyped-def]
    """External tasks, newest first, filtered and paged (admin)."""
    rows, total = service.list_external_tasks(flowdesk(), current_user(), **args)
    return {"items": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int(bits=64):task_id>", methods=["GET"])
@blp.response(200, ExternalTaskOut)
def get_external_task(task_id: int):  # type: ignore[no-untyped-def]
    """One external task with its lock, retries and last error (worker or admin)."""
    return service.get_external_task(flowdesk(), current_user(), task_id)
