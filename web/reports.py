"""The ``reports_pages`` blueprint: the supervisors' reports page (``GET /reports``).

Supervisors and admins: a visitor who is not signed in goes to ``/login?next=/reports``, a
signed-in user without either role gets a 403 page. The page is a server-rendered shell (the
filters' choices: processes, groups, agents); ``static/reports.js`` reads ``/api/v1/reports/*``
and draws the charts with ECharts (vendored, ``static/vendor/echarts``), each with its numbers
in a table beside it, and links the CSV and Excel downloads with the same filters.

ECharts sizes its canvas and places its tooltip through element styles, so the page sends the
inbox's CSP (inline *styles* allowed; scripts stay 'self').
"""
from __future__ import annotations

from flask import current_app, g, render_template

from api import auth as api_auth
from services.reports_filters import filter_choices

from . import i18n, views

blueprint = views.page_blueprint("reports_pages", __name__)

ROLES = ("supervisor", "admin")


@blueprint.get("/reports")
def reports():  # type: ignore[no-untyped-def]
    user, answer = views.page_user(ROLES, "web/reports_forbidden.html")
    if answer is not None:
        return answer
    choices = filter_choices(current_app.extensions["flowdesk"], user, g.lang)
    page = render_template("web/reports.html", user=user, choices=choices,
                           csrf_token=api_auth.csrf_token(),
                           js_messages=i18n.js_messages(g.lang, "reports.js."))
    return page, 200, {"Content-Security-Policy": views.DIAGRAM_CSP}
