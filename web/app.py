"""``create_app``: the API's Flask app plus the web pages (sign-in, the staff inbox)."""
from __future__ import annotations

from typing import Any

from flask import Flask

from api.app import create_app as create_api_app
from engine.clock import Clock

from .views import blueprint


def register(app: Flask) -> None:
    """Add the ``web`` blueprint (``/``, ``/login``, ``/logout``, ``/inbox``) to an API app."""
    app.register_blueprint(blueprint)


def create_app(config: dict[str, Any] | None = None, clock: Clock | None = None) -> Flask:
    app = create_api_app(config, clock=clock)
    register(app)
    return app
