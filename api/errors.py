"""Every error leaves as RFC 9457 problem details JSON: the one place where service and engine
errors get their HTTP status.

``ApiError`` and its subclasses are what only HTTP can get wrong (no credentials, a missing CSRF
token, a malformed upload); everything a service refuses is a ``services.errors.ServiceError``
and is mapped by ``SERVICE_STATUS``.

Everything a person reads here is in the request's language (``api.language``): every title,
the details of our own making, and a coded service refusal's ``detail`` and field messages
(``services.error_texts``), and a rejected model's problems (``engine.problem_texts``); a
refusal raised without a code keeps its words.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.exceptions import HTTPException

from api import language
from engine import problem_texts
from engine.errors import FormInvalid, InvalidModel, TaskNotFound, TaskNotReady
from engine.form_messages import localized
from engine.status_profile import IllegalStatus
from services import error_texts
from services import errors as service_errors
from store.uow import unavailable

log = logging.getLogger("flowdesk.api")

PROBLEM_JSON = "application/problem+json"


class ApiError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: list[dict] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class Unauthorized(ApiError):
    status, title = 401, "Unauthorized"


class Forbidden(ApiError):
    status, title = 403, "Forbidden"


class Unprocessable(ApiError):
    status, title = 422, "Validation failed"


class UnsupportedMediaType(ApiError):
    status, title = 415, "Unsupported media type"


# A service's refusal -> (status, title). Subclasses not listed use their nearest listed base.
SERVICE_STATUS: dict[type[service_errors.ServiceError], tuple[int, str]] = {
    service_errors.ServiceError: (400, "Bad request"),
    service_errors.NotFound: (404, "Not found"),
    service_errors.Forbidden: (403, "Forbidden"),
    service_errors.Conflict: (409, "Conflict"),
    service_errors.Invalid: (422, "Unprocessable content"),
    service_errors.Throttled: (429, "Too many requests"),
    service_errors.Unavailable: (503, "Service unavailable"),
}


def service_status(exc: service_errors.ServiceError) -> tuple[int, str]:
    """The status of the nearest class in ``SERVICE_STATUS`` (ServiceError itself at worst)."""
    return next(SERVICE_STATUS[cls] for cls in type(exc).__mro__  # type: ignore[index]
                if cls in SERVICE_STATUS)


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """The problem+json response; its title in the request's language (a 422's is the same
    words for every cause)."""
    title = language.title(status, title)
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title,
                            "detail": detail}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _said(error: dict, lang: str) -> dict:
    """A service's field error with a catalogue code, its message in ``lang``."""
    code = error.get("code")
    if not error_texts.known(code):
        return error
    return {**error, "message": error_texts.render(code, error.get("params"), lang)}


def _webargs_errors(messages: Any, location: str = "", prefix: str = "") -> list[dict]:
    """Flatten webargs/marshmallow's nested messages into [{field, message, location}]."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not location and key in ("json", "query", "form", "files", "headers"):
                out += _webargs_errors(value, str(key), "")
            else:
                out += _webargs_errors(value, location, f"{prefix}{key}" if not prefix
                                       else f"{prefix}/{key}")
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, (dict, list)):
                out += _webargs_errors(item, location, prefix)
            else:
                code, message = language.field_message(str(item))
                error = {"field": prefix or "(body)", "message": message,
                         "location": location or "json"}
                if code:
                    error["code"] = code
                out.append(error)
    return out


def handle_http_exception(exc: HTTPException) -> Response:
    data = getattr(exc, "data", None) or {}
    errors = _webargs_errors(data.get("messages", {})) if "messages" in data else []
    detail = exc.description or exc.name
    if exc.description == type(exc).description:  # werkzeug's own words, not a view's
        detail = language.http_detail(exc.code or 500, detail)
    if errors:
        detail = language.detail("fields", fields=", ".join(e["field"] for e in errors))
    # werkzeug's own headers (a 405's Allow, which RFC 9110 requires; a Retry-After), not its
    # Content-Type: the body is problem details
    headers = {name: value for name, value in exc.get_headers()
               if name.lower() != "content-type"}
    if exc.code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem(exc.code or 500, exc.name, detail, errors, headers)


JSON_TYPES = ("application/json", "multipart/form-data")
_FORM_BODY_VIEWS: set[str] = set()


def takes_form_body(view: Any) -> Any:
    """Marks a view that reads a form (an upload), not JSON: no 415 for its requests; it says
    itself what is missing (``definitions.deploy`` asks for its multipart 'files')."""
    _FORM_BODY_VIEWS.add(f"{view.__module__}.{view.__qualname__}")
    return view


def refuse_non_json_body() -> None:
    """A body sent to the API as anything but JSON (or a multipart upload) is a 415 that says
    so; otherwise webargs would read no body and report "Missing data for required field"
    (``curl -d`` without ``-H 'Content-Type: application/json'`` sends a form)."""
    from flask import current_app, request
    environ = request.environ  # read directly: every request passes here
    if environ["REQUEST_METHOD"] not in ("POST", "PUT", "PATCH") or \
            not request.path.startswith("/api/"):
        return
    if not request.content_length and not environ.get("HTTP_TRANSFER_ENCODING"):
        return
    content_type = environ.get("CONTENT_TYPE", "")
    if content_type == "application/json" or content_type.startswith("application/json;"):
        return  # the usual case, without parsing the header
    mimetype = request.mimetype or ""
    if mimetype in JSON_TYPES or mimetype.endswith("+json"):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    view = getattr(view, "__wrapped__", view)
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    if view is not None and f"{view.__module__}.{view.__qualname__}" in _FORM_BODY_VIEWS:
        return
    raise UnsupportedMediaType(language.detail("json_only", got=mimetype or "none"))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        return problem(exc.status, exc.title, exc.detail, exc.errors, headers)

    @app.errorhandler(service_errors.ServiceError)
    def _service_error(exc: service_errors.ServiceError) -> Response:
        status, title = service_status(exc)
        headers = ({"Retry-After": str(exc.retry_after)}
                   if isinstance(exc, service_errors.Throttled) else None)
        lang = language.request_language()
        errors = [_said(error, lang) for error in localized(exc.errors, lang, forms=False)]
        return problem(status, title, exc.said_in(lang), errors, headers)

    @app.errorhandler(InvalidModel)
    def _invalid_model(exc: InvalidModel) -> Response:
        lang = language.request_language()
        errors = [{**p.as_dict(), "message": problem_texts.said(p, lang)} for p in exc.problems]
        return problem(422, "Invalid process model",
                       language.detail("model", count=str(len(errors))), errors)

    @app.errorhandler(FormInvalid)
    def _form_invalid(exc: FormInvalid) -> Response:
        errors = localized(exc.errors, language.request_language())
        if exc.subject == "form":
            return problem(422, "Validation failed", language.detail("form"), errors)
        return problem(422, "Validation failed", language.detail(
            exc.subject, fields=", ".join(dict.fromkeys(e["field"] for e in errors))), errors)

    @app.errorhandler(TaskNotReady)
    def _not_ready(exc: TaskNotReady) -> Response:
        return problem(409, "Task not ready", language.said("task_not_ready", str(exc)))

    @app.errorhandler(IllegalStatus)
    def _illegal_status(exc: IllegalStatus) -> Response:
        return problem(409, "Illegal user status change", str(exc),
                       [{"field": "user_status", "message": str(exc), "location": "json"}])

    @app.errorhandler(TaskNotFound)
    def _task_gone(exc: TaskNotFound) -> Response:
        return problem(409, "Task no longer open", language.said("task_gone", str(exc)))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return handle_http_exception(exc)

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Response:
        """A unique or foreign key the services did not foresee: the request clashes with
        what is stored (409), rolled back whole; the services name the field where they can."""
        log.warning("integrity error: %s", exc.orig)
        return problem(409, "Conflict", language.detail("integrity"))

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError) -> Response:
        """A database that is down, restarting, or locked past the busy timeout: the
        transaction was rolled back (unless the connection dropped during its commit), so the
        client may try again (503 + Retry-After); optimistic locking and the tasks' state
        checks turn a repeat of something that did commit into a 409, not a double step."""
        if unavailable(exc):
            log.warning("database unavailable: %s", exc.orig)
            return problem(503, "Database unavailable", language.detail("database"),
                           headers={"Retry-After": "2"})
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "Internal server error", language.detail("server"))
