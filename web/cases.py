"""The ``case_pages`` blueprint: finding a case (``GET /cases``) and the case page
(``GET /cases/<id>``).

Both are shells for any signed-in staff member, supervisor or admin; their scripts
(``static/cases.js``, ``static/case.js``) read ``/api/v1/cases``, which applies the visibility
rule: a case one does not work on is found only by an exact case number, order number or
phone, as a masked summary, and its page answers 403 (the script then says so and offers the
search). Registered beside the other page blueprints; shares the ``web`` blueprint's
templates, static files, language pick, page headers and template helpers.
"""
from __future__ import annotations

from flask import g, render_template, request

from api import auth as api_auth

from . import i18n, views

blueprint = views.page_blueprint("case_pages", __name__)

ROLES = ("staff", "supervisor", "admin")
FORBIDDEN = "web/cases_forbidden.html"


def _messages() -> dict[str, str]:
    """The page scripts' words: the case pages share the inbox's ``js.`` keys (SLA states,
    history actions, the diagram) and have theirs under ``js.case.``."""
    return i18n.js_messages(g.lang)


@blueprint.get("/cases")
def search():  # type: ignore[no-untyped-def]
    user, answer = views.page_user(ROLES, FORBIDDEN)
    if answer is not None:
        return answer
    return render_template("web/cases.html", user=user, q=request.args.get("q", "")[:100],
                           csrf_token=api_auth.csrf_token(), js_messages=_messages())


@blueprint.get("/cases/<int(max=2147483647):instance_id>")
def case(instance_id: int):  # type: ignore[no-untyped-def]
    user, answer = views.page_user(ROLES, FORBIDDEN)
    if answer is not None:
        return answer
    page = render_template("web/case.html", user=user, instance_id=instance_id,
                           csrf_token=api_auth.csrf_token(), js_messages=_messages())
    return page, 200, {"Content-Security-Policy": views.DIAGRAM_CSP}
