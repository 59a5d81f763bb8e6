"""/api/v1/process-groups/mine: the process groups the caller may deploy a new process into
(the designer page's choice; the admin API lists groups with their designers)."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_process_groups import DeployableGroupOut
from services import process_groups

blp = protected_blueprint("my_process_groups", "/api/v1/process-groups",
                          "The process groups a designer deploys new processes into.")


@blp.route("/mine", methods=["GET"])
@blp.response(200, DeployableGroupOut(many=True))
def my_groups():  # type: ignore[no-untyped-def]
    """The groups the caller designs (every group for an admin), by name; a designer of
    several names one as ``process_group`` when deploying a new process (403 for staff)."""
    return process_groups.groups_to_deploy_into(flowdesk(), current_user())
