"""/api/v1/dry-runs: the designer's dry run (试运行) of a draft that is not deployed.

``POST`` deploys the draft's files into a throwaway store of this server process (optionally
starting the case), ``POST /{id}/start`` starts it at a chosen time, ``POST /{id}/steps`` does
one step (complete, message, signal, external, advance), ``GET /{id}`` is where it stands,
``GET /{id}/scenario`` the run as a scenario file (YAML for ``flowdesk test``), ``DELETE``
ends it. Designers and admins only; ``api.app`` offers them on every app (``install``).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app

from api.auth import current_user
from api.language import request_language
from api.routes import flowdesk, protected_blueprint
from api.schemas_dry_runs import DryRunIn, DryRunOut, DryRunStartIn, DryRunStepIn
from services.errors import Unavailable
from services.scenarios.dry_run import DryRun
from services.scenarios.dry_runs import DryRuns, Stores
from services.scenarios.scenario_file import scenario_yaml
from services.task_language import in_language, process_in_language

blp = protected_blueprint("dry_runs", "/api/v1/dry-runs",
                          "Dry runs of a draft on a throwaway store and a virtual clock.")
EXTENSION = "flowdesk.dry_runs"


def install(app: Flask, stores: Stores | None = None) -> DryRuns:
    """Offer dry runs on ``app`` (``stores``: throwaway SQLite stores unless given)."""
    runs = app.extensions[EXTENSION] = DryRuns(stores)
    return runs


def offered_runs() -> DryRuns:
    """This app's dry runs (their throwaway stores serve the scenario coverage too)."""
    runs = current_app.extensions.get(EXTENSION)
    if runs is None:
        raise Unavailable.of("dry_run.unavailable")
    return runs


def _shown(run: DryRun) -> dict[str, Any]:
    """The run as the designer's panel shows it, forms in the request's language."""
    lang = request_language()
    schema, form_name, catalogues = run.start_form()
    _, start_form = process_in_language(catalogues.get(lang) if lang != "zh" else None,
                                        run.name, schema, form_name)
    state = run.state()
    shown = None
    if state is not None:
        next_due = run.next_due()
        shown = {"now": state.now, "timezone": str(run.session.zone), "status": state.status,
                 "variables": state.variables, "path": state.path, "ends": state.ends,
                 "tasks": [in_language(run.fd, t, lang) for t in run.task_forms(state)],
                 "sla": state.sla, "incidents": state.incidents,
                 "external_tasks": state.external_tasks, "elements": sorted(state.elements),
                 "flows": sorted(state.flows), "next_due": next_due}
    return {"id": run.id, "process_key": run.process_key, "name": run.name,
            "start_form": start_form, "started": state is not None, "state": shown,
            "log": run.log, "stopped_early": run.session.stopped_early}


@blp.route("", methods=["POST"])
@blp.arguments(DryRunIn())
@blp.response(201, DryRunOut)
@blp.alt_response(422, description="the draft would not deploy (its problems), or the start "
                                   "form refused")
@blp.alt_response(503, description="this server holds as many dry runs as it may")
def create(args: dict):  # type: ignore[no-untyped-def]
    """Deploy the draft into a new throwaway store; with `start`, start the case too."""
    files = {name: text.encode("utf-8") for name, text in args["files"].items()}
    user = current_user()
    run = offered_runs().create(flowdesk(), user, files)
    if "start" in args:
        try:
            with offered_runs().using(user, run.id) as held:
                held.start(args["start"])
        except Exception:
            offered_runs().delete(user, run.id)
            raise
    with offered_runs().using(user, run.id) as held:
        return _shown(held), 201


@blp.route("/<run_id>/start", methods=["POST"])
@blp.arguments(DryRunStartIn())
@blp.response(200, DryRunOut)
def start(args: dict, run_id: str):  # type: ignore[no-untyped-def]
    """Start the case at `at` (in `timezone`) with the start form's data."""
    with offered_runs().using(current_user(), run_id) as run:
        run.start(args)
        return _shown(run)


@blp.route("/<run_id>/steps", methods=["POST"])
@blp.arguments(DryRunStepIn())
@blp.response(200, DryRunOut)
def step(args: dict, run_id: str):  # type: ignore[no-untyped-def]
    """One step: complete a task with its form data, a message or signal, answer an external
    task, or advance the clock (timers and SLA clocks fire on the way, bounded per call)."""
    with offered_runs().using(current_user(), run_id) as run:
        run.step(args)
        return _shown(run)


@blp.route("/<run_id>", methods=["GET"])
@blp.response(200, DryRunOut)
def get(run_id: str):  # type: ignore[no-untyped-def]
    """Where the run stands: open tasks with their forms, variables, path, SLA clocks, log."""
    with offered_runs().using(current_user(), run_id) as run:
        return _shown(run)


@blp.route("/<run_id>/scenario", methods=["GET"])
@blp.response(200, description="the run as a scenario file (YAML)",
              content_type="application/yaml")
def scenario(run_id: str):  # type: ignore[no-untyped-def]
    """The run as a scenario file for the bundle's tests/ folder (`flowdesk test` runs it)."""
    with offered_runs().using(current_user(), run_id) as run:
        text = scenario_yaml(run)
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": "attachment; filename=dry-run.yaml"})


@blp.route("/<run_id>", methods=["DELETE"])
@blp.response(204)
def delete(run_id: str):  # type: ignore[no-untyped-def]
    """End the run and delete its store."""
    offered_runs().delete(current_user(), run_id)
