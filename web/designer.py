"""The ``designer_pages`` blueprint: the process designer.

``GET /designer`` lists every process definition with its versions and how many running
instances use each; ``GET /designer/<key>`` opens the latest version in the bpmn-js modeler
(the ``static/vendor/flowdesk-modeler`` bundle: bpmn-js with its properties panel) and deploys
the edited model as a new version; ``?new=1`` starts a process that has no version yet.
Both need the role designer or admin; without a session they send the browser to /login.

Like the inbox, the pages are server-rendered shells: the data comes from /api/v1 through
``static/designer.js`` with the session cookie and ``X-CSRF-Token``.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from api import auth as api_auth

from . import i18n
from .views import page_headers, pick_language, signed_in_user, template_helpers

blueprint = Blueprint("designer_pages", __name__, template_folder="templates")

ROLES = ("designer", "admin")
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,199}$")
# The inbox's policy, plus inline style *attributes/elements*: bpmn-js and diagram-js set
# style on the SVG and its overlays. Scripts stay 'self' only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")

blueprint.before_request(pick_language)
blueprint.context_processor(template_helpers)
blueprint.after_request(page_headers)


@blueprint.after_request
def _designer_csp(response: Response) -> Response:  # runs before page_headers' setdefault
    response.headers["Content-Security-Policy"] = CSP
    return response


def _js_messages(lang: str) -> dict[str, str]:
    """The ``designer.js.`` keys without their prefix, for ``designer.js``."""
    table = i18n.MESSAGES.get(lang, i18n.MESSAGES[i18n.DEFAULT])
    prefix = "designer.js."
    return {key[len(prefix):]: text for key, text in table.items() if key.startswith(prefix)}


def _designer_or_redirect():  # type: ignore[no-untyped-def]
    """The signed-in designer, a redirect to /login, or a 403 page."""
    user = signed_in_user()
    if user is None:
        here = request.full_path if request.query_string else request.path
        return None, redirect(url_for("web.login", next=here))
    if not user.has_role(*ROLES):
        return None, (render_template("web/designer_forbidden.html", user=user,
                                      csrf_token=api_auth.csrf_token()), 403)
    return user, None


@blueprint.get("/designer")
def designer_list():  # type: ignore[no-untyped-def]
    user, answer = _designer_or_redirect()
    if answer is not None:
        return answer
    return render_template("web/designer_list.html", user=user,
                           csrf_token=api_auth.csrf_token(),
                           js_messages=_js_messages(g.lang))


@blueprint.get("/designer/<key>")
def designer_modeler(key: str):  # type: ignore[no-untyped-def]
    user, answer = _designer_or_redirect()
    if answer is not None:
        return answer
    if not KEY_PATTERN.match(key):
        return redirect(url_for("designer_pages.designer_list"))
    return render_template("web/designer_modeler.html", user=user, key=key,
                           csrf_token=api_auth.csrf_token(),
                           js_messages=_js_messages(g.lang))
