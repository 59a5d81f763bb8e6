"""Thin flask-smorest blueprints: parse, call one service function, shape the response."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from ..auth import authenticate
from ..context import Flowdesk


def flowdesk() -> Flowdesk:
    return current_app.extensions["flowdesk"]


def protected_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    """A blueprint whose every endpoint needs a bearer token."""
    blp = Blueprint(name, __name__, url_prefix=url_prefix, description=description)

    @blp.before_request
    def _auth() -> None:
        authenticate(flowdesk())

    return blp


def register(api) -> None:  # type: ignore[no-untyped-def]
    from . import admin, customers, definitions, instances, reports, session, tasks
    for module in (session, definitions, instances, tasks, customers, reports, admin):
        api.register_blueprint(module.blp)
