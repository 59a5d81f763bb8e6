"""/api/v1/instances: start, list, inspect, cancel, suspend, resume and modify process
instances, and read or correct their variables."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas import (CancelIn, DiagramOut, InstanceDetailOut, RetryIn, InstancePageOut,
                         InstanceQuery, StartInstanceIn, VariablesIn)
from api.schemas_admin import WaitingIn
from api.schemas_operate import ModificationOptionsOut, ModifyIn, ReasonIn, VariablesOut
from services import due_admin, instance_diagram, modification, suspension
from services import instances as service

blp = protected_blueprint("instances", "/api/v1/instances", "Process instances.")


def _detail(instance_id: int) -> dict:
    return service.get_instance(flowdesk(), current_user(), instance_id)


@blp.route("", methods=["POST"])
@blp.arguments(StartInstanceIn())
@blp.response(201, InstanceDetailOut)
def start(args: dict):  # type: ignore[no-untyped-def]
    """Start an instance and run it to its first wait (user task, timer or end)."""
    return service.start_instance(
        flowdesk(), current_user(), args["process_key"], args.get("version"),
        args.get("business_key"), args.get("variables"), args.get("customer_id"),
        args.get("related_case_no"))


@blp.route("", methods=["GET"])
@blp.arguments(InstanceQuery(), location="query")
@blp.response(200, InstancePageOut)
def list_instances(args: dict):  # type: ignore[no-untyped-def]
    """Instances the user may see, newest first, filtered and paginated (with the total)."""
    page = service.list_instances(flowdesk(), current_user(), **args)
    return page.body(page=args["page"], per_page=args["per_page"])


@blp.route("/<int:instance_id>", methods=["GET"])
@blp.response(200, InstanceDetailOut)
def get_instance(instance_id: int):  # type: ignore[no-untyped-def]
    """Status, variables, open tasks, incidents and the audit trail of one instance: for staff
    working on it (a task of it held or in their groups' lanes), supervisors and admins; 403
    otherwise. Reading its customer variable is audited (customer.read)."""
    return _detail(instance_id)


@blp.route("/<int:instance_id>/cancel", methods=["POST"])
@blp.arguments(CancelIn(), required=False)
@blp.response(200, InstanceDetailOut)
def cancel(args: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Cancel a running instance and its open tasks (admin only)."""
    service.cancel_instance(flowdesk(), current_user(), instance_id, (args or {}).get("reason", ""))
    return _detail(instance_id)


@blp.route("/<int:instance_id>/retry", methods=["POST"])
@blp.arguments(RetryIn(), required=False)
@blp.response(200, InstanceDetailOut)
def retry(args: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Resolve the incidents of an instance in error and run its failed tasks again, with
    corrected variables if given (admin)."""
    service.retry_instance(flowdesk(), current_user(), instance_id,
                           (args or {}).get("variables"))
    return _detail(instance_id)


@blp.route("/<int:instance_id>/variables", methods=["GET"])
@blp.response(200, VariablesOut)
def get_variables(instance_id: int):  # type: ignore[no-untyped-def]
    """The instance's variables in full, for whoever may read the case (403 otherwise); the
    read is audited (instance.variables_read, and customer.read for the customer)."""
    return service.get_variables(flowdesk(), current_user(), instance_id)


@blp.route("/<int:instance_id>/variables", methods=["PATCH"])
@blp.arguments(VariablesIn())
@blp.response(200, InstanceDetailOut)
def update_variables(args: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Set variables of a running or suspended instance (admin or supervisor) with a reason;
    each variable a form declares must fit that field (422 naming it). Conditional events
    waiting on them are evaluated again. 409 once the instance has ended, or while it is in
    error (retry it with the corrected variables). Audited with before and after."""
    service.update_variables(flowdesk(), current_user(), instance_id, args["variables"],
                             args["reason"])
    return _detail(instance_id)


@blp.route("/<int:instance_id>/suspend", methods=["POST"])
@blp.arguments(ReasonIn())
@blp.response(200, InstanceDetailOut)
def suspend(args: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Suspend a running instance (admin or supervisor, with a reason): its tasks cannot be
    claimed or completed, its timers and messages wait for the resume; SLA clocks pause only
    where their policy lists "suspended" in pause_when."""
    suspension.suspend_instance(flowdesk(), current_user(), instance_id, args["reason"])
    return _detail(instance_id)


@blp.route("/<int:instance_id>/resume", methods=["POST"])
@blp.arguments(ReasonIn())
@blp.response(200, InstanceDetailOut)
def resume(args: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Resume a suspended instance: what fell due meanwhile fires now."""
    suspension.resume_instance(flowdesk(), current_user(), instance_id, args["reason"])
    return _detail(instance_id)


@blp.route("/<int:instance_id>/modify", methods=["GET"])
@blp.response(200, ModificationOptionsOut)
def modification_options(instance_id: int):  # type: ignore[no-untyped-def]
    """Where the instance's tokens stand and where one may be started (admin)."""
    return modification.modification_options(flowdesk(), current_user(), instance_id)


@blp.route("/<int:instance_id>/modify", methods=["POST"])
@blp.arguments(ModifyIn())
@blp.response(200, InstanceDetailOut)
def modify(args: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Modify where the instance stands (admin, with a reason): operations in order,
    {"cancel": element} | {"start_before": element} | {"start_after": element}, then the
    variables. 409 naming the element where it cannot be done safely (inside a subprocess or
    multi-instance, a joining gateway), 422 for an unknown element."""
    modification.modify_instance(flowdesk(), current_user(), instance_id, args["operations"],
                                 args["variables"], args["reason"])
    return _detail(instance_id)


@blp.route("/<int:instance_id>/waiting", methods=["POST"])
@blp.arguments(WaitingIn())
@blp.response(200, InstanceDetailOut)
def waiting(args: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Say what the whole instance waits for (pauses instance SLA clocks that say so): a
    supervisor, an admin, or staff holding one of its open tasks; null reason resumes."""
    due_admin.set_instance_waiting(flowdesk(), current_user(), instance_id, args["reason"],
                                   args.get("note"))
    return _detail(instance_id)


@blp.route("/<int:instance_id>/diagram", methods=["GET"])
@blp.response(200, DiagramOut)
def diagram(instance_id: int):  # type: ignore[no-untyped-def]
    """The instance's process diagram (BPMN XML) with the elements it is at and has done;
    readable by whoever may read the instance."""
    return instance_diagram.get_diagram(flowdesk(), current_user(), instance_id)
