"""``create_app``: the API's Flask app plus the web pages (sign-in, the staff inbox)."""
from __future__ import annotations

from typing import Any

from flask import Flask

from api.app import create_app as create_api_app
from engine.clock import Clock

from . import admin, designer, new_case
from .views import blueprint


def register(app: Flask) -> None:
    """Add the pages to an API app: sign-in and the inbox (``web``), the designer
    (``designer_pages``), the admin console (``admin_pages``) and 新建案件
    (``new_case_pages``)."""
    app.register_blueprint(blueprint)
    app.register_blueprint(designer.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(new_case.blueprint)


def create_app(config: dict[str, Any] | None = None, clock: Clock | None = None) -> Flask:
    app = create_api_app(config, clock=clock)
    register(app)
    return app
