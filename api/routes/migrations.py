"""/api/v1/migrations: move running instances to another version of their process (admin)."""
from __future__ import annotations

from api.auth import current_user
from api.language import request_language
from api.routes import flowdesk, protected_blueprint
from api.schemas_migrations import BatchOut, MigrationDryRunOut, PlanIn, PlanOut
from services import migrations as service

blp = protected_blueprint("migrations", "/api/v1/migrations",
                          "Migration of running instances to another process version.")


@blp.route("/plan", methods=["POST"])
@blp.arguments(PlanIn())
@blp.response(200, PlanOut)
def plan(args: dict):  # type: ignore[no-untyped-def]
    """Validate a plan: the element mapping (proposed by id and flow, with your edits), the
    problems (unmapped elements, live tokens in them, changed timers and boundary events) and
    the instances it applies to. Changes nothing."""
    return service.plan(flowdesk(), current_user(), args)


@blp.route("/dry-run", methods=["POST"])
@blp.arguments(PlanIn())
@blp.response(200, MigrationDryRunOut)
def dry_run(args: dict):  # type: ignore[no-untyped-def]
    """Per instance, what the migration would do: it runs and is rolled back."""
    return service.dry_run(flowdesk(), current_user(), args, request_language())


@blp.route("", methods=["POST"])
@blp.arguments(PlanIn())
@blp.response(202, BatchOut)
def execute(args: dict):  # type: ignore[no-untyped-def]
    """Start a batch (one transaction per instance; failures listed, the batch goes on). A
    few instances are done when this answers; more run in the background: poll GET /{id}."""
    return service.execute(flowdesk(), current_user(), args, request_language())


@blp.route("/<int:batch_id>", methods=["GET"])
@blp.response(200, BatchOut)
def get_batch(batch_id: int):  # type: ignore[no-untyped-def]
    """A batch's progress and each instance's result."""
    return service.get_batch(flowdesk(), current_user(), batch_id, request_language())
