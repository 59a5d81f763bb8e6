"""/api/v1/auth/session: sign in with a password for a session cookie (the web UI's way in)."""
from __future__ import annotations

from marshmallow import fields, validate

from api import language
from api.auth import authenticate, csrf_token, login, logout
from api.dict_dump import Schema
from api.errors import Unauthorized
from api.routes import FlowdeskBlueprint, flowdesk

# not protected_blueprint: signing in needs no credentials; the parser's checks still apply
blp = FlowdeskBlueprint("session", __name__, url_prefix="/api/v1/auth",
                description="Password sign-in for a session cookie, with a CSRF token.")


class SignInIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             load_only=True)


class SessionOut(Schema):
    username = fields.String()
    roles = fields.List(fields.String())
    groups = fields.List(fields.String())
    csrf_token = fields.String(metadata={"description": "send it as X-CSRF-Token on changes"})


def _out(user) -> dict:  # type: ignore[no-untyped-def]
    return {"username": user.username, "roles": sorted(user.roles),
            "groups": sorted(user.groups), "csrf_token": csrf_token()}


@blp.route("/session", methods=["POST"])
@blp.arguments(SignInIn())
@blp.response(200, SessionOut)
def sign_in(args: dict):  # type: ignore[no-untyped-def]
    """Sign in; the answer sets the session cookie and gives the CSRF token."""
    user = login(flowdesk(), args["username"], args["password"])
    if user is None:
        raise Unauthorized(language.detail("auth.wrong_password"))
    return _out(user)


@blp.route("/session", methods=["GET"])
@blp.response(200, SessionOut)
def who_am_i():  # type: ignore[no-untyped-def]
    """The signed-in user and the session's CSRF token."""
    return _out(authenticate(flowdesk()))


@blp.route("/session", methods=["DELETE"])
@blp.response(204)
def sign_out():  # type: ignore[no-untyped-def]
    """Sign out (needs the CSRF token like any change)."""
    fd = flowdesk()
    authenticate(fd)
    logout(fd)
