"""``create_app``: the API's Flask app plus the web pages (sign-in, the staff inbox)."""
from __future__ import annotations

from typing import Any

from flask import Flask

from api.app import create_app as create_api_app
from engine.clock import Clock

from . import admin, cases, designer, new_case, oidc, reports, settings  # oidc: routes on the web blueprint
from .views import blueprint


def register(app: Flask) -> None:
    """Add the pages to an API app: sign-in and the inbox (``web``), the designer
    (``designer_pages``), the admin console (``admin_pages``), 新建案件 (``new_case_pages``),
    the case search and case page (``case_pages``), the supervisors' reports
    (``reports_pages``) and, when configured, single sign-on (``web.oidc``)."""
    app.register_blueprint(blueprint)
    app.register_blueprint(designer.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(new_case.blueprint)
    app.register_blueprint(cases.blueprint)
    app.register_blueprint(reports.blueprint)
    app.register_blueprint(settings.blueprint)
    oidc.register(app)


def create_app(config: dict[str, Any] | None = None, clock: Clock | None = None) -> Flask:
    app = create_api_app(config, clock=clock)
    register(app)
    return app
