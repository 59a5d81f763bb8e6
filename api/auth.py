"""The caller of a request: a bearer token (API clients) or a signed session cookie (the web UI).

Turns a request into a ``services.principal.Principal``; which credentials are valid is
``services.authentication``. Calls that change something with a session cookie must also send
the session's CSRF token in ``X-CSRF-Token``, so another site cannot make the browser act for
the user.
"""
from __future__ import annotations

import secrets

from flask import g, request, session

from api.errors import Forbidden, Unauthorized
from services import authentication
from services.context import Flowdesk
from services.principal import Principal

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def login(fd: Flowdesk, username: str, password: str) -> Principal | None:
    """Check a username and password; on success the session holds the user (a new session
    id and CSRF token, so a token planted before sign-in is worthless). Raises
    ``services.errors.Throttled`` while the name is locked after repeated wrong passwords."""
    user = authentication.check_password(fd, username, password)
    if user is None:
        return None
    session.clear()
    session["user_id"] = user.id
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    return user


def logout() -> None:
    session.clear()


def _from_session(fd: Flowdesk) -> Principal:
    user_id = session.get("user_id")
    if user_id is None:
        raise Unauthorized("Send 'Authorization: Bearer <token>' (create one with 'flowdesk "
                           "tokens create USER'), or sign in.")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
            raise Forbidden("This change needs the X-CSRF-Token header of your session.")
    user = authentication.principal_for_user_id(fd, user_id)
    if user is None:
        session.clear()
        raise Unauthorized("Your account is no longer active; sign in again.")
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
        raise Unauthorized("Send 'Authorization: Bearer <token>'; create one with "
                           "'flowdesk tokens create USER'.")
    user = authentication.principal_for_token(fd, token)
    if user is None:
        raise Unauthorized("The bearer token is unknown or revoked.")
    g.user = user
    return user


def current_user() -> Principal:
    return g.user
