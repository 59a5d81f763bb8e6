"""/api/v1/admin/retention[/{process_key}]: how long each process keeps its finished cases, and
whether they are then deleted or archived (admins; changes audited). The housekeeping and
``flowdesk retention run`` apply the rules; archived cases are read at /archive/{id}."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_retention import ArchivedCaseOut, RetentionRuleIn, RetentionRuleOut
from services import retention

blp = protected_blueprint("retention", "/api/v1/admin/retention",
                          "Retention of finished cases per process (admin).")


@blp.route("", methods=["GET"])
@blp.response(200, RetentionRuleOut(many=True))
def list_rules():  # type: ignore[no-untyped-def]
    """Every retention rule; a process without one keeps its finished cases."""
    return retention.list_rules(flowdesk(), current_user())


@blp.route("/<process_key>", methods=["GET"])
@blp.response(200, RetentionRuleOut)
def get_rule(process_key: str):  # type: ignore[no-untyped-def]
    return retention.get_rule(flowdesk(), current_user(), process_key)


@blp.route("/<process_key>", methods=["PUT"])
@blp.arguments(RetentionRuleIn())
@blp.response(200, RetentionRuleOut, description="replaced")
@blp.alt_response(201, schema=RetentionRuleOut, description="created")
def put_rule(args: dict, process_key: str):  # type: ignore[no-untyped-def]
    """Completed and cancelled cases of the process that ended more than ``days`` ago are
    deleted or archived (``mode``) by the next housekeeping run. Audited."""
    row, created = retention.put_rule(flowdesk(), current_user(), process_key, args["days"],
                                      args["mode"])
    return row, 201 if created else 200


@blp.route("/<process_key>", methods=["DELETE"])
@blp.response(204)
def delete_rule(process_key: str):  # type: ignore[no-untyped-def]
    """Keep the process's finished cases from now on. Audited."""
    retention.delete_rule(flowdesk(), current_user(), process_key)


@blp.route("/archive/<int:instance_id>", methods=["GET"])
@blp.response(200, ArchivedCaseOut)
def archived_case(instance_id: int):  # type: ignore[no-untyped-def]
    """An archived case with its tasks, incidents, SLA clocks and audit rows."""
    return retention.archived_case(flowdesk(), current_user(), instance_id)
