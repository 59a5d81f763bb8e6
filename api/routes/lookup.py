"""/api/v1/lookup: find a case by case number, order number or phone (masked summaries)."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_lookup import LookupOut, LookupQuery
from services import lookup as service

blp = protected_blueprint("lookup", "/api/v1/lookup",
                          "Case look-up for any staff member, personal data masked.")


@blp.route("", methods=["GET"])
@blp.arguments(LookupQuery(), location="query")
@blp.response(200, LookupOut)
def lookup(args: dict):  # type: ignore[no-untyped-def]
    """Cases with exactly this case_no, order_no or customer phone (give one), newest first,
    at most 20, with personal data masked; audited (case.looked_up)."""
    return {"items": service.lookup(flowdesk(), current_user(), **args)}
