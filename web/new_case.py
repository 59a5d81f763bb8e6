"""The ``new_case_pages`` blueprint: 新建案件 (``GET /cases/new``), where staff start a case.

Server-rendered shell with the session's CSRF token; ``static/new_case.js`` does the rest
through the API: the processes the user may start (``GET /api/v1/startable``), the start form
rendered by ``static/forms.js`` (the inbox's renderer), the customer looked up or created in
place (``/api/v1/customers``), and the start (``POST /api/v1/instances``). Staff, supervisors
and admins; others get a 403 page. Shares the ``web`` blueprint's templates, static files,
language pick, page headers (strict CSP) and template helpers.
"""
from __future__ import annotations

from flask import g, render_template

from api import auth as api_auth
from services.customers import TIERS

from . import i18n, views

blueprint = views.page_blueprint("new_case_pages", __name__)

STAFF = ("staff", "supervisor", "admin")


@blueprint.get("/cases/new")
def new_case():  # type: ignore[no-untyped-def]
    user, answer = views.page_user(STAFF, "web/new_case_forbidden.html")
    if answer is not None:
        return answer
    return render_template("web/new_case.html", user=user, tiers=TIERS,
                           groups=" ".join(sorted(user.groups)),
                           csrf_token=api_auth.csrf_token(),
                           js_messages=i18n.js_messages(g.lang))
