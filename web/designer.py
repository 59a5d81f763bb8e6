"""The ``designer_pages`` blueprint: the process designer.

``GET /designer`` lists every process definition with its versions and how many running
instances use each; ``GET /designer/<key>`` opens the latest version in the bpmn-js modeler
(the ``static/vendor/flowdesk-modeler`` bundle: bpmn-js with its properties panel) and deploys
the edited model as a new version, dry-runs the draft (``static/designer_dry_run.js``,
``/api/v1/dry-runs``) or shows its scenarios' coverage on the diagram
(``static/designer_coverage.js``, ``/api/v1/scenario-coverage`` or a file of
``flowdesk test --coverage-json``), with the draft's scenario files in a panel
(``static/designer_scenarios.js``); ``?new=1`` starts a process that has no version yet.
Both need the role designer or admin; without a session they send the browser to /login.

Like the inbox, the pages are server-rendered shells: the data comes from /api/v1 through
``static/designer.js`` with the session cookie and ``X-CSRF-Token``.
"""
from __future__ import annotations

import re

from flask import Response, g, redirect, render_template, url_for

from api import auth as api_auth

from . import i18n
from .views import DIAGRAM_CSP, page_blueprint, page_user

blueprint = page_blueprint("designer_pages", __name__)

ROLES = ("designer", "admin")
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,199}$")


@blueprint.after_request
def _designer_csp(response: Response) -> Response:  # runs before page_headers' setdefault
    response.headers["Content-Security-Policy"] = DIAGRAM_CSP
    return response


@blueprint.get("/designer")
def designer_list():  # type: ignore[no-untyped-def]
    user, answer = page_user(ROLES, "web/designer_forbidden.html")
    if answer is not None:
        return answer
    return render_template("web/designer_list.html", user=user,
                           csrf_token=api_auth.csrf_token(),
                           js_messages=i18n.js_messages(g.lang, "designer.js."))


@blueprint.get("/designer/<key>")
def designer_modeler(key: str):  # type: ignore[no-untyped-def]
    user, answer = page_user(ROLES, "web/designer_forbidden.html")
    if answer is not None:
        return answer
    if not KEY_PATTERN.match(key):
        return redirect(url_for("designer_pages.designer_list"))
    # the dry run's forms are forms.js's, with its words (js.form.*)
    form_words = {k: v for k, v in i18n.js_messages(g.lang).items() if k.startswith("form.")}
    return render_template("web/designer_modeler.html", user=user, key=key,
                           csrf_token=api_auth.csrf_token(),
                           js_messages={**form_words,
                                        **i18n.js_messages(g.lang, "designer.js.")})
