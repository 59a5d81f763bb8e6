"""The ``case_pages`` blueprint: finding a case (``GET /cases``) and the case page
(``GET /cases/<id>``).

Both are shells for any signed-in staff member, supervisor or admin; their scripts
(``static/cases.js``, ``static/case.js``) read ``/api/v1/cases``, which applies the visibility
rule: a case one does not work on is found only by an exact case number, order number or
phone, as a masked summary, and its page answers 403 (the script then says so and offers the
search). Supervisors and admins also get the case's operations on its page (suspend and
resume, the variables editor: ``static/case_operate.js``, shared with the admin console's case
panel), since the admin console admits admins only. Registered beside the other page blueprints; shares the ``web`` blueprint's
templates, static files, language pick, page headers and template helpers.
"""
from __future__ import annotations

from flask import g, render_template, request

from api import auth as api_auth
from services.visibility import SEES_ALL

from . import i18n, views

blueprint = views.page_blueprint("case_pages", __name__)

ROLES = ("staff", "supervisor", "admin")
FORBIDDEN = "web/cases_forbidden.html"
# The admin console's words that case_operate.js (with form_fields.js and admin_dialog.js)
# uses: the case page of a supervisor hands them in beside its own.
OPERATE_KEYS = ("errors", "dialog.", "operate.reason", "suspend", "resume", "variables")


def _messages(operate: bool = False) -> dict[str, str]:
    """The page scripts' words: the case pages share the inbox's ``js.`` keys (SLA states,
    history actions, the diagram) and have theirs under ``js.case.``; with ``operate``, also
    the admin console's words for suspending, resuming and correcting variables."""
    words = i18n.js_messages(g.lang)
    if operate:
        words.update({key: text for key, text in i18n.js_messages(g.lang, "admin.js.").items()
                      if key.startswith(OPERATE_KEYS)})
    return words


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
    operate = user.has_role(*SEES_ALL)  # who may suspend, resume and correct variables
    page = render_template("web/case.html", user=user, instance_id=instance_id, operate=operate,
                           csrf_token=api_auth.csrf_token(), js_messages=_messages(operate))
    return page, 200, {"Content-Security-Policy": views.DIAGRAM_CSP}
