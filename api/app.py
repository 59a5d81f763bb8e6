"""``create_app``: the Flask application factory (tests pass a config mapping)."""
from __future__ import annotations

import os
import threading
from http import HTTPStatus
from typing import Any

from pathlib import Path

from datetime import date, datetime, time, timedelta

from flask import Flask, jsonify, send_from_directory
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_smorest import Api
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.clock import Clock

from api import metrics as metrics_routes
from api import request_log, routes
from api.errors import (PROBLEM_JSON, handle_http_exception, refuse_non_json_body,
                        register_error_handlers)
from api.path_ids import bound_path_ints, refuse_out_of_range_path_ints
from api.plain_input import refuse_unstorable_path_text
from api.routes import dry_runs
from api.schemas import ProblemOut
from services.context import Flowdesk
from services.settings import Settings


class FlowdeskApi(Api):
    """flask-smorest's Api with problem-details errors instead of its own error format, in
    the responses and in the OpenAPI document, and the document written when first read.

    flask-smorest documents each blueprint as it is registered: two thirds of building the
    app (~0.25 s of 0.35), paid by every worker start and every test's app, though only a
    request for the OpenAPI document (or the docs page) reads it. Registering the routes
    stays immediate; their documentation is written on the first read of ``spec``."""

    ERROR_SCHEMA = ProblemOut

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._undocumented: list[tuple[Any, str, Any]] = []
        self._documenting = threading.Lock()
        self._spec: Any = None
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def spec(self) -> Any:
        if self._undocumented:
            self._document()
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):  # type: ignore[no-untyped-def,override]
        """Register the blueprint's routes now and its documentation when first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def _document(self) -> None:
        """flask-smorest's own documentation of each registered blueprint, in their order."""
        with self._documenting:
            while self._undocumented:
                blp, name, parameters = self._undocumented.pop(0)
                blp.register_views_in_doc(self, self._app, self._spec, name=name,
                                          parameters=parameters)
                self._spec.tag({"name": name, "description": blp.description})

    def handle_http_exception(self, error):  # type: ignore[no-untyped-def,override]
        return handle_http_exception(error)

    def _register_responses(self) -> None:
        """flask-smorest's shared responses (one per status, and the default error), with
        every error described as what ``api.errors.problem`` sends: problem+json."""
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}
            elif not 100 <= status < 200 and status not in (204, 304):
                response["content"] = {"application/json": {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, {
            "description": "Default error response",
            "content": {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}}, lazy=True)


class IsoJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with dates and times as ISO 8601 (Flask's own default writes RFC 1123,
    which a free-form ``fields.Dict`` such as a report row would otherwise carry)."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, (datetime, date, time)):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class CachedSigningSessions(SecureCookieSessionInterface):
    """Flask's cookie sessions, with the signing serializer built once per key set instead of
    on every request (every API call opens the session, even with a bearer token)."""

    _cached: tuple[tuple, object] | None = None

    def get_signing_serializer(self, app):  # type: ignore[no-untyped-def,override]
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._cached
        if cached is None or cached[0] != keys:
            cached = self._cached = (keys, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app, request):  # type: ignore[no-untyped-def,override]
        """No Cookie header (API clients with a bearer token): a new, empty session without
        parsing cookies, which cost more than the rest of opening one."""
        if not request.environ.get("HTTP_COOKIE"):
            return None if self.get_signing_serializer(app) is None else self.session_class()
        return super().open_session(app, request)


def create_app(config: dict[str, Any] | None = None, clock: Clock | None = None) -> Flask:
    settings = Settings.from_mapping(config)
    app = Flask(__name__)
    app.json = IsoJSONProvider(app)
    app.session_interface = CachedSigningSessions()
    app.config.update(
        API_TITLE="Flowdesk", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1", OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs/static/",
        MAX_CONTENT_LENGTH=settings.max_upload_bytes, TESTING=settings.testing,
        JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable
    app.json.sort_keys = False  # type: ignore[attr-defined]  # forms keep their field order
    fd = app.extensions["flowdesk"] = Flowdesk(settings, clock=clock)
    try:
        app.secret_key = fd.secret_key()
    except SQLAlchemyError:  # no schema yet (`flowdesk db upgrade` not run): no sessions
        app.secret_key = None
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_NAME="flowdesk_session",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=12))
    if settings.trusted_proxies > 0:  # the client's address from X-Forwarded-For (api.auth)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    # first: the request id is there for every other hook; then what every request is refused
    request_log.install(app, refuse_non_json_body, refuse_out_of_range_path_ints,
                        refuse_unstorable_path_text)
    register_error_handlers(app)
    api = FlowdeskApi(app, spec_kwargs={
        "info": {"description": "Workflow/BPM engine for customer-service organisations."}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    bound_path_ints(app, api)
    routes.register(api)
    dry_runs.install(app)  # the designer's dry runs, on stores made when first asked for

    swagger_assets = Path(__file__).parent / "static" / "swagger-ui"

    @app.get("/api/v1/docs/static/<path:name>")
    def swagger_static(name: str):  # type: ignore[no-untyped-def]
        """Vendored Swagger UI assets (no CDN at run time)."""
        return send_from_directory(swagger_assets, name)

    @app.get("/health")
    def health():  # type: ignore[no-untyped-def]
        """Liveness: no token needed. ``pid`` tells the worker processes of one server apart
        (as ``flowdesk_db_pool_size{pid}`` in /metrics does)."""
        return jsonify(status="ok", pid=os.getpid())

    metrics_routes.install(app)  # /metrics, /ready

    return app
