"""The caller of a request: a bearer token (API clients) or a session cookie (the web UI).

Turns a request into a ``services.principal.Principal``; which credentials are valid is
``services.authentication``, looked up on every request. The (signed) cookie only carries the
id of a server-side session (``services.sessions``) and its CSRF token, so signing out ends it
on the server, not just in this browser. Calls that change something with a session cookie must also send
the session's CSRF token in ``X-CSRF-Token``, so another site cannot make the browser act for
the user.
"""
from __future__ import annotations

import secrets

from flask import g, request, session

from api import language, plain_input
from api.errors import Forbidden, Unauthorized
from services import authentication, sessions
from services.context import Flowdesk
from services.principal import Principal

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def client_address() -> str:
    """Who is calling, for the sign-in throttle: the peer's address (``REMOTE_ADDR``). Behind
    a proxy, ``FLOWDESK_TRUSTED_PROXIES`` makes werkzeug's ProxyFix (``api.app``) put the
    client from ``X-Forwarded-For`` there; off by default, so a client cannot pick its own."""
    return (request.remote_addr or "unknown")[:64]


def login(fd: Flowdesk, username: str, password: str) -> Principal | None:
    """Check a username and password; on success a new server-side session, whose id and a new
    CSRF token go in the cookie (so a token planted before sign-in is worthless). Raises
    ``services.errors.Throttled`` while this client must wait after repeated wrong
    passwords for this name. A name no database could store (U+0000; the web form sends it
    unparsed) belongs to nobody: None without a look-up."""
    if not plain_input.storable_text(username):
        return None
    user = authentication.check_password(fd, username, password, client_address())
    if user is None:
        return None
    start_session(fd, user)
    return user


def start_session(fd: Flowdesk, user: Principal) -> None:
    """A new server-side session for a user who just proved who they are (a password, or
    single sign-on in ``web.oidc``): its id and a new CSRF token replace whatever the cookie
    held."""
    session.clear()
    session["sid"] = sessions.start(fd, user)
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True


def logout(fd: Flowdesk) -> None:
    """End the server-side session (it stops counting on every node) and clear the cookie."""
    session_id = session.get("sid")
    if session_id:
        user = g.get("user")
        sessions.end(fd, session_id, user.username if user is not None else "anonymous")
    session.clear()


def has_session() -> bool:
    return "sid" in session


def _from_session(fd: Flowdesk) -> Principal:
    session_id = session.get("sid")
    if session_id is None:
        raise Unauthorized(language.detail("auth.none"))
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
            raise Forbidden(language.detail("auth.csrf"))
    user = authentication.principal_for_session(fd, session_id)
    if user is None:
        session.clear()
        raise Unauthorized(language.detail("auth.session_ended"))
    return user


def authenticate(fd: Flowdesk) -> Principal:
    """The caller, from the bearer token or the session."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if not header:
        g.user = _from_session(fd)
        return g.user
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(language.detail("auth.bearer"))
    user = authentication.principal_for_token(fd, token)
    if user is None:
        raise Unauthorized(language.detail("auth.bad_token"))
    g.user = user
    return user


def current_user() -> Principal:
    return g.user
