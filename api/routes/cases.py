"""/api/v1/cases: the case search, the case page's data (the pages' view of instances) and
comments on a case."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_cases import CasePageOut, CaseSearchOut, CaseSearchQuery, CommentIn, CommentOut
from services import case_comments, case_search, case_view

blp = protected_blueprint("cases", "/api/v1/cases",
                          "Find a case; everything its page shows.")


@blp.route("", methods=["GET"])
@blp.arguments(CaseSearchQuery(), location="query")
@blp.response(200, CaseSearchOut)
def search(args: dict):  # type: ignore[no-untyped-def]
    """Cases the user may open matching ``q`` (case number or its start, business key, order
    number, customer name or part of it, phone, customer code), and exact matches they do not
    work on as masked summaries (audited as case.looked_up)."""
    return case_search.search(flowdesk(), current_user(), args["q"])


@blp.route("/<int:instance_id>", methods=["GET"])
@blp.response(200, CasePageOut)
def page(instance_id: int):  # type: ignore[no-untyped-def]
    """The case with its labelled fields, customer (the read audited), SLA clocks, done
    tasks, history and related cases; 403 for a case the user does not work on."""
    return case_view.case_page(flowdesk(), current_user(), instance_id)


@blp.route("/<int:instance_id>/comments", methods=["POST"])
@blp.arguments(CommentIn())
@blp.response(201, CommentOut)
def add_comment(args: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Comment on a case the user works on (optionally on one of its tasks): kept in its
    history (audited as case.commented); each `@username` of an active colleague is notified
    as `mentioned`; 403 for a case the user does not work on."""
    return case_comments.comment(flowdesk(), current_user(), instance_id, args["text"],
                                 args["task_id"])
