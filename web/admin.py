"""The ``admin_pages`` blueprint: the admin console page (``GET /admin``).

Admins only: a visitor who is not signed in goes to ``/login?next=/admin``, a signed-in user
without the ``admin`` role gets a 403 page. The page is server-rendered with the session's CSRF
token (``<meta name="csrf-token">``); ``static/admin.js`` and ``static/admin_cases.js`` do the
rest through the API (calendars, SLA policies, armed timers and SLA clocks, SLA breaches, the
cases with cancel and retry, cases in error), ``static/admin_operate.js`` one case's panel
(suspend/resume, variables, 修改流程位置); ``static/admin_access.js`` the users (disable,
enable) and bearer tokens (issue, revoke); ``static/admin_migrations.js`` 版本迁移 (plan,
dry run and batches of ``/api/v1/migrations``).

Registering it is all it takes: ``app.register_blueprint(web.admin.blueprint)``. It shares the
``web`` blueprint's templates folder and ``/ui/static`` files, and borrows its language pick,
page headers (strict CSP) and template helpers.
"""
from __future__ import annotations

from flask import g, render_template

from api import auth as api_auth
from api.schemas import STATUSES as INSTANCE_STATUSES

from . import i18n, views

blueprint = views.page_blueprint("admin_pages", __name__)

SECTIONS = ("calendars", "policies", "due", "breaches", "instances", "incidents", "users",
            "groups", "notifications", "retention", "migrations", "tokens")


@blueprint.get("/admin")
def admin():  # type: ignore[no-untyped-def]
    user, answer = views.page_user(("admin",), "web/admin_forbidden.html")
    if answer is not None:
        return answer
    return render_template("web/admin.html", user=user, sections=SECTIONS,
                           statuses=INSTANCE_STATUSES, csrf_token=api_auth.csrf_token(),
                           js_messages=i18n.js_messages(g.lang, "admin.js."))
