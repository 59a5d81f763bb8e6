"""Helpers that spare work on every call: they must give exactly what the slow way gives."""
from __future__ import annotations

import pytest
from flask import Flask, request
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser

from api.routes import QueryParser
from api.schemas import InstanceQuery, TaskQuery
from engine.parsing import DefinitionCache
from services.customers import next_case_no
from services.task_list import _group_slots
from tests.conftest import RESOURCES, bundle


class _Repeated(Schema):
    ids = fields.List(fields.Integer())
    name = fields.String()


QUERIES = ["", "bogus=1", "page=0", "page=2&per_page=1", "sort=-bogus", "state=all&state=open",
           "unassigned=true&priority_min=10", "per_page=500", "overdue=maybe", "assignee=",
           "due_before=2024-01-01T00:00:00Z", "due_before=garbage", "ids=1&ids=2&name=a&name=b",
           "ids=3", "ids=x"]


def _parse(parser: FlaskParser, schema: Schema, query: str) -> object:
    with Flask(__name__).test_request_context("/?" + query):
        try:
            return parser.parse(schema, request, location="query")
        except Exception as exc:  # noqa: BLE001 - the 422 webargs raises is compared too
            return type(exc).__name__, getattr(exc, "data", None)


@pytest.mark.parametrize("schema", [TaskQuery(), InstanceQuery(), _Repeated()],
                         ids=["tasks", "instances", "repeated"])
def test_query_parser_reads_what_webargs_reads(schema: Schema) -> None:
    for query in QUERIES:
        assert _parse(QueryParser(), schema, query) == _parse(FlaskParser(), schema, query), query


def test_group_slots_are_powers_of_two() -> None:
    assert [_group_slots(n) for n in (0, 1, 2, 3, 4, 5, 9)] == [1, 1, 2, 4, 4, 8, 16]


def test_has_timers_is_read_from_the_model() -> None:
    cache = DefinitionCache()
    three = cache.get(bundle(RESOURCES / "three_steps"), "three_steps", "a")
    assert three.has_timers is False
    timers = RESOURCES / "timers"
    for name, expected in (("wait_until", True), ("boundary_timers", True),
                           ("escalate_by_signal", False)):
        files = {f"{name}.bpmn": (timers / f"{name}.bpmn").read_bytes()}
        assert cache.get(files, name, name).has_timers is expected, name


def test_case_numbers_count_per_prefix_and_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timezone

    from services.settings import Settings
    from services.context import Flowdesk
    from host.migrate import upgrade
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    fd = Flowdesk(Settings(database_url=url))
    day1 = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
    day2 = datetime(2026, 1, 5, 17, tzinfo=timezone.utc)  # 01:00 next day in Shanghai
    with fd.uow() as conn:
        got = [next_case_no(conn, "TS", day1, "Asia/Shanghai"),
               next_case_no(conn, "TS", day1, "Asia/Shanghai"),
               next_case_no(conn, "CP", day1, "Asia/Shanghai"),
               next_case_no(conn, "TS", day2, "Asia/Shanghai")]
    fd.dispose()
    assert got == ["TS202601050001", "TS202601050002", "CP202601050001", "TS202601060001"]
