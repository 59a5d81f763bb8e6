"""/api/v1/admin/process-groups and /process-keys: which designers deploy which processes and
read their XML (admins)."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_process_groups import ProcessGroupIn, ProcessGroupOut, ProcessKeyIn, ProcessKeyOut
from services import process_group_admin as service

blp = protected_blueprint("process_groups", "/api/v1/admin",
                          "Process groups: folders of processes with their designers (admin).")


@blp.route("/process-groups", methods=["GET"])
@blp.response(200, ProcessGroupOut(many=True))
def list_groups():  # type: ignore[no-untyped-def]
    """Every process group with its designers and process keys."""
    return service.list_groups(flowdesk(), current_user())


@blp.route("/process-groups", methods=["POST"])
@blp.arguments(ProcessGroupIn())
@blp.response(201, ProcessGroupOut)
def create_group(args: dict):  # type: ignore[no-untyped-def]
    """A new, empty process group (409 if the name is taken)."""
    return service.create_group(flowdesk(), current_user(), args["name"], args["description"])


@blp.route("/process-groups/<name>/designers/<username>", methods=["PUT"])
@blp.response(200, ProcessGroupOut)
def add_designer(name: str, username: str):  # type: ignore[no-untyped-def]
    """Make a user with the designer role a designer of the group (idempotent)."""
    return service.add_designer(flowdesk(), current_user(), name, username)


@blp.route("/process-groups/<name>/designers/<username>", methods=["DELETE"])
@blp.response(204)
def remove_designer(name: str, username: str):  # type: ignore[no-untyped-def]
    """The user no longer deploys the group's processes nor reads their XML."""
    service.remove_designer(flowdesk(), current_user(), name, username)


@blp.route("/process-keys/<key>", methods=["PUT"])
@blp.arguments(ProcessKeyIn())
@blp.response(200, ProcessKeyOut)
def move_key(args: dict, key: str):  # type: ignore[no-untyped-def]
    """Put a deployed process (every version) into another process group."""
    return service.move_key(flowdesk(), current_user(), key, args["process_group"])
