"""/api/v1/definitions: deploy bundles, list versions, fetch one with its XML."""
from __future__ import annotations

from flask import request

from api import language
from api.auth import current_user
from api.errors import ApiError, takes_form_body
from api.routes import flowdesk, protected_blueprint
from api.schemas import (DefinitionDetailOut, DefinitionOut, DefinitionQuery, DeployedOut,
                         ValidatedOut)
from services import definitions as service
from services.bundle_scenarios import scenarios_of
from services.principal import require_role
from services.task_language import process_names

blp = protected_blueprint("definitions", "/api/v1/definitions",
                          "Process definitions: BPMN, DMN and form bundles, versioned.")

UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "description": "one or more .bpmn, .dmn and .json (JSON-schema form) "
                                 "files, and scenario files named tests/<name>.yaml "
                                 "(or .yml, .json) kept with the version"},
        "process_key": {"type": "string",
                        "description": "which process to deploy when a file holds several"},
        "process_group": {"type": "string",
                          "description": "the process group of a process deployed for the "
                                         "first time (default: the designer's only group; "
                                         "for admins the default group cs)"}},
    "required": ["files"]}}}}}


@blp.route("", methods=["POST"])
@blp.doc(**UPLOAD_DOC)
@blp.response(201, DeployedOut, description="a new version was created")
@blp.alt_response(200, schema=DeployedOut,
                  description="unchanged (same content in canonical form): the existing version")
@blp.alt_response(422, description="invalid model: every problem with file, element id and line")
@takes_form_body
def deploy():  # type: ignore[no-untyped-def]
    """Deploy a bundle (multipart field 'files'); identical content makes no new version (a
    bundle that differs only in its tests/ scenario files replaces the version's scenarios)."""
    user = current_user()
    require_role(user, "admin", "designer")
    done = service.deploy_bundle(flowdesk(), _uploaded_files(), user,
                                 request.form.get("process_key") or None,
                                 request.form.get("process_group") or None)
    row = done.row
    body = {"id": row.id, "key": row.key, "name": row.name, "version": row.version,
            "created": done.created, "unchanged": not done.created,
            "scenarios": sorted(scenarios_of(row.files or {})),
            "scenarios_replaced": done.scenarios_replaced}
    return body, 201 if done.created else 200


@blp.route("/validate", methods=["POST"])
@blp.doc(**UPLOAD_DOC)
@blp.response(200, ValidatedOut, description="the bundle would deploy")
@blp.alt_response(422, description="invalid model: every problem with file, element id and line")
@takes_form_body
def validate():  # type: ignore[no-untyped-def]
    """Check a bundle exactly as a deployment would, without storing anything."""
    require_role(current_user(), "admin", "designer")
    return service.validate(flowdesk(), _uploaded_files(), request.form.get("process_key") or None)


def _uploaded_files() -> dict[str, bytes]:
    uploads = request.files.getlist("files")
    if not uploads:
        raise ApiError(language.detail("files"), [{"field": "files", "location": "files",
                                                   "message": language.detail("files_field")}])
    return {u.filename or "upload.bpmn": u.read() for u in uploads}


@blp.route("", methods=["GET"])
@blp.arguments(DefinitionQuery(), location="query")
@blp.response(200, DefinitionOut(many=True))
def list_definitions(args: dict):  # type: ignore[no-untyped-def]
    """The latest version of each process, or every version with all_versions=true; names in
    the request's language where the process's catalogue has one (the admin pages show them)."""
    rows = service.list_definitions(flowdesk(), args.get("key"), args["all_versions"])
    names = process_names(flowdesk(), [r.id for r in rows], language.request_language())
    return [{**r._mapping, "name": names[r.id]} if r.id in names else r for r in rows]


@blp.route("/<int:definition_id>", methods=["GET"])
@blp.response(200, DefinitionDetailOut)
def get_definition(definition_id: int):  # type: ignore[no-untyped-def]
    """One definition version with its BPMN XML and all deployed files (designers of its
    process group, admins)."""
    return service.get_definition(flowdesk(), current_user(), definition_id)
