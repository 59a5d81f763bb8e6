"""/api/v1/scenario-coverage: which elements and flows of a designer's draft its scenarios
reach (场景覆盖率), for the designer's highlight on the diagram.

``POST`` runs the scenarios given with the draft (``tests/*.yaml`` among its files), or else
those of the deployed bundle's folder on the server, on throwaway stores (the dry runs' own),
with bounded work per request, and answers coverage as ``flowdesk test --coverage-json``
writes it. Designers and admins only.
"""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.routes.dry_runs import offered_runs
from api.schemas_dry_runs import CoverageIn, CoverageOut
from services.scenarios.draft_coverage import draft_coverage

blp = protected_blueprint("scenario_coverage", "/api/v1/scenario-coverage",
                          "Scenario coverage of a draft, run on throwaway stores.")


@blp.route("", methods=["POST"])
@blp.arguments(CoverageIn())
@blp.response(200, CoverageOut)
@blp.alt_response(422, description="the draft would not deploy (its problems)")
@blp.alt_response(503, description="this server is already running as many as it may")
def run(args: dict):  # type: ignore[no-untyped-def]
    """Run the draft's scenarios (at most 50, of at most 200 steps, 500 due times per advance,
    60 s in all; what is left out is listed in `skipped`) and answer their coverage."""
    files = {name: text.encode("utf-8") for name, text in args["files"].items()}
    return draft_coverage(flowdesk(), current_user(), files, offered_runs().stores)
