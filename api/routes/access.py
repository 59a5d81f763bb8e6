"""/api/v1/admin/users and /api/v1/admin/tokens: who may call, and taking it back (admins).
Disabling a user or revoking a token counts from the next request, on every node."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_access import NewTokenOut, TokenIn, TokenOut, TokenQuery, UserOut, UserStateOut
from services import api_tokens, identity

blp = protected_blueprint("access", "/api/v1/admin",
                          "Users and bearer tokens: disable, enable, issue, revoke (admin).")


@blp.route("/users", methods=["GET"])
@blp.response(200, UserOut(many=True))
def list_users():  # type: ignore[no-untyped-def]
    """Every user with roles, groups and whether they are active."""
    return identity.list_users(flowdesk(), current_user())


def _set_active(username: str, active: bool) -> dict:
    changed = identity.set_active(flowdesk(), username, active, current_user())
    return {"username": username, "active": active, "changed": changed}


@blp.route("/users/<username>/disable", methods=["POST"])
@blp.response(200, UserStateOut)
def disable_user(username: str):  # type: ignore[no-untyped-def]
    """Disable a user: their sessions end and their tokens stop, from the next request."""
    return _set_active(username, False)


@blp.route("/users/<username>/enable", methods=["POST"])
@blp.response(200, UserStateOut)
def enable_user(username: str):  # type: ignore[no-untyped-def]
    """Enable a user again: their tokens work again; they sign in anew."""
    return _set_active(username, True)


@blp.route("/tokens", methods=["GET"])
@blp.arguments(TokenQuery(), location="query")
@blp.response(200, TokenOut(many=True))
def list_tokens(args: dict):  # type: ignore[no-untyped-def]
    """Every token (of ``username``), newest first, with its state; never the secret."""
    return api_tokens.list_tokens(flowdesk(), args.get("username"), current_user())


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenIn())
@blp.response(201, NewTokenOut)
def create_token(args: dict):  # type: ignore[no-untyped-def]
    """Issue a token for a user, optionally expiring (``expires_in``); the answer holds the
    token itself, this once."""
    lifetime = api_tokens.parse_lifetime(args["expires_in"]) if args["expires_in"] else None
    return api_tokens.issue_token(flowdesk(), args["username"], args["name"], lifetime,
                                  current_user())


@blp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@blp.response(200, TokenOut)
def revoke_token(token_id: int):  # type: ignore[no-untyped-def]
    """Revoke a token: its next request is a 401, on every node (idempotent)."""
    fd, user = flowdesk(), current_user()
    api_tokens.revoke_token(fd, token_id, user)
    return api_tokens.get_token(fd, token_id, user)
