"""The ``web`` blueprint: sign-in, sign-out and the staff inbox page.

The pages are server-rendered; the inbox's data comes from /api/v1 through the page's script,
with the session cookie and the session's CSRF token (``<meta name="csrf-token">``).
"""
from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from flask import (Blueprint, Response, current_app, g, redirect, render_template, request, session,
                   url_for)

from api import auth as api_auth
from api.errors import ApiError
from services.errors import Throttled
from services.task_list import VIEW_ORDER, landing_view, view_counts

from . import i18n

blueprint = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/ui/static")

VIEWS = VIEW_ORDER
LANG_COOKIE_SECONDS = 365 * 24 * 3600
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")
# The inbox and the designer draw diagrams with bpmn-js, which puts style attributes on its SVG
# and overlays: inline *styles* are allowed there; scripts stay 'self'.
DIAGRAM_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _flowdesk():  # type: ignore[no-untyped-def]
    return current_app.extensions["flowdesk"]


# --- language -------------------------------------------------------------------------------

@blueprint.before_request
def pick_language() -> None:
    asked = i18n.normalize(request.args.get("lang"))
    g.lang_asked = asked
    g.lang = asked or i18n.normalize(request.cookies.get(i18n.COOKIE)) or i18n.DEFAULT


@blueprint.after_request
def page_headers(response: Response) -> Response:
    if g.get("lang_asked") and request.cookies.get(i18n.COOKIE) != g.lang_asked:
        response.set_cookie(i18n.COOKIE, g.lang_asked, max_age=LANG_COOKIE_SECONDS,
                            samesite="Lax", httponly=True)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"  # pages carry the CSRF token
    return response


def _lang_switch_url() -> str:
    """This page in the other language (query kept; a form post goes back to its GET page)."""
    other = "en" if g.lang == "zh" else "zh"
    args = request.args.to_dict()
    if request.method == "POST" and request.form.get("next"):
        args["next"] = request.form["next"]
    args["lang"] = other
    return f"{request.path}?{urlencode(args)}"


@blueprint.context_processor
def template_helpers() -> dict:
    lang = g.get("lang", i18n.DEFAULT)
    other = "en" if lang == "zh" else "zh"
    return {
        "t": lambda key, **params: i18n.translate(lang, key, **params),
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "other_html_lang": i18n.HTML_LANG[other],
        "lang_switch_url": _lang_switch_url(),
    }


# --- the other page blueprints ------------------------------------------------------------

def page_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of pages (designer, admin, cases …) that shares this one's templates, static
    files, language pick, page headers (strict CSP) and template helpers."""
    pages = Blueprint(name, import_name, template_folder="templates")
    pages.before_request(pick_language)
    pages.after_request(page_headers)
    pages.context_processor(template_helpers)
    return pages


# --- session helpers ------------------------------------------------------------------------

def signed_in_user():  # type: ignore[no-untyped-def]
    """The session's user, or None (no session, or the account was deactivated)."""
    if not current_app.secret_key or not api_auth.has_session():
        return None
    try:
        return api_auth.authenticate(_flowdesk())
    except ApiError:
        return None


def page_user(roles: tuple[str, ...] = (), forbidden: str = ""):  # type: ignore[no-untyped-def]
    """(user, None) for a signed-in user with one of ``roles`` (any user if none), else
    (None, answer): a redirect to /login that comes back here, or the 403 page ``forbidden``."""
    user = signed_in_user()
    if user is None:
        here = request.full_path if request.query_string else request.path
        return None, redirect(url_for("web.login", next=here))
    if roles and not user.has_role(*roles):
        return None, (render_template(forbidden, user=user, csrf_token=api_auth.csrf_token()),
                      403)
    return user, None


def _form_csrf_ok() -> bool:
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    return bool(sent and expected) and secrets.compare_digest(sent, expected)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no '//' or backslash tricks)."""
    default = url_for("web.inbox")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


# --- pages ----------------------------------------------------------------------------------

@blueprint.get("/")
def index():  # type: ignore[no-untyped-def]
    return redirect(url_for("web.inbox"))


def _login_page(error: str | None = None, status: int = 200, username: str = "",  # type: ignore[no-untyped-def]
                **error_params: object):
    available = bool(current_app.secret_key)
    if not available:
        error, status = i18n.N_("login.unavailable"), 503
    settings = _flowdesk().settings  # single sign-on (web/oidc.py) when configured
    return render_template(
        "web/login.html", error=error, error_params=error_params, username=username,
        available=available, sso=settings.oidc_enabled, sso_label=settings.oidc_label,
        csrf_token=api_auth.csrf_token() if available else "",
        next=_safe_next(request.values.get("next")),
        signed_out=request.args.get("signed_out") == "1"), status


@blueprint.get("/login")
def login():  # type: ignore[no-untyped-def]
    if signed_in_user() is not None:
        return redirect(_safe_next(request.args.get("next")))
    return _login_page()


@blueprint.post("/login")
def login_post():  # type: ignore[no-untyped-def]
    if not current_app.secret_key:
        return _login_page()
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    if not _form_csrf_ok():
        return _login_page("login.expired", 400, username)
    if not username or not password:
        return _login_page("login.missing", 400, username)
    try:
        user = None if len(password) > 200 else api_auth.login(_flowdesk(), username, password)
    except Throttled as exc:
        if exc.scope == "address":  # spraying: every name waits at this address
            return _login_page("login.slowed_address", 429, username, seconds=exc.retry_after)
        return _login_page("login.slowed", 429, username, seconds=exc.retry_after)
    if user is None:
        return _login_page("login.failed", 401, username)
    return redirect(_safe_next(request.form.get("next")), code=303)


@blueprint.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    if current_app.secret_key and _form_csrf_ok():
        if api_auth.has_session():
            signed_in_user()  # who is signing out, for the audit trail
        api_auth.logout(_flowdesk())
        return redirect(url_for("web.login", signed_out=1), code=303)
    return redirect(url_for("web.login"), code=303)


@blueprint.get("/inbox")
def inbox():  # type: ignore[no-untyped-def]
    user, answer = page_user()
    if answer is not None:
        return answer
    process = request.args.get("process", "")[:200]
    counted = view_counts(_flowdesk(), user, process_key=process or None)
    view = request.args.get("view") or landing_view(counted.counts)  # the first with work
    if view not in VIEWS:
        view = "mine"
    page = render_template(
        "web/inbox.html", user=user, view=view, views=VIEWS, counts=counted.counts,
        capped=counted.capped,
        process=process,
        task=request.args.get("task", "") if request.args.get("task", "").isdigit() else "",
        csrf_token=api_auth.csrf_token(),
        js_messages=i18n.js_messages(g.lang))
    return page, 200, {"Content-Security-Policy": DIAGRAM_CSP}
