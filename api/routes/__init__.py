"""Thin flask-smorest blueprints: parse, call one service function, shape the response."""
from __future__ import annotations

import functools

from typing import Any, NoReturn

from flask import Request, current_app
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser, abort
from webargs.multidictproxy import MultiDictProxy

from api import plain_input
from api.auth import authenticate
from api.dict_dump import Schema
from services.context import Flowdesk


def flowdesk() -> Flowdesk:
    return current_app.extensions["flowdesk"]


class QueryParser(FlaskParser):
    """webargs' parser, with the query string read into a plain dict (a list for multi-value
    fields). Its default proxy answers every absent field by raising and catching a werkzeug
    BadRequestKeyError: a few dozen exceptions per task list. The schema sees the same data.
    Every JSON body, query string and form it reads passes ``api.plain_input``'s checks (no
    nesting the server cannot walk, no text the store cannot hold)."""

    def load_querystring(self, req: Request, schema: Schema) -> dict:
        args = req.args
        if not args:
            return {}
        multiple = self._multiple_keys(schema)
        return _checked("query", {key: args.getlist(key) if key in multiple else args[key]
                                  for key in args})

    def load_form(self, req: Request, schema: Schema) -> Any:
        form = super().load_form(req, schema)
        if req.form:
            _checked("form", req.form.to_dict(flat=False))
        return form

    def _raw_load_json(self, req: Request) -> Any:
        try:
            data = super()._raw_load_json(req)
        except RecursionError:
            _refuse_depth()
        return _checked("json", data)

    @functools.lru_cache(maxsize=512)  # noqa: B019 - schemas live as long as their routes
    def _multiple_keys(self, schema: Schema) -> frozenset[str]:
        return frozenset(MultiDictProxy({}, schema, tuple(self.KNOWN_MULTI_FIELDS)).multiple_keys)


def _refuse_depth() -> NoReturn:
    abort(400, messages={"json": [plain_input.TOO_DEEP]})


def _checked(location: str, data: Any) -> Any:
    """``data`` as it came, or a 400 (nested too deeply) or 422 naming each field holding
    text that cannot be stored."""
    try:
        bad = plain_input.unstorable_fields(data)
    except plain_input.TooDeep:
        _refuse_depth()
    if bad:
        abort(422, messages={location: {field: [plain_input.UNSTORABLE] for field in bad}})
    return data


class FlowdeskBlueprint(Blueprint):
    ARGUMENTS_PARSER = QueryParser()


def protected_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    """A blueprint whose every endpoint needs a bearer token."""
    blp = FlowdeskBlueprint(name, __name__, url_prefix=url_prefix, description=description)

    @blp.before_request
    def _auth() -> None:
        authenticate(flowdesk())

    return blp


def register(api) -> None:  # type: ignore[no-untyped-def]
    from api.routes import (access, admin, cases, customers, definitions, dry_runs, events,
                            external_tasks, instances, lookup, migrations, my_process_groups,
                            notification_templates, notifications, process_groups, reports,
                            retention, scenario_coverage, secrets, session, startable,
                            tasks)
    for module in (session, definitions, instances, tasks, events, external_tasks, customers,
                   lookup, cases, reports, admin, access, secrets, process_groups,
                   my_process_groups, startable, notification_templates, notifications,
                   retention, migrations, dry_runs, scenario_coverage):
        api.register_blueprint(module.blp)
