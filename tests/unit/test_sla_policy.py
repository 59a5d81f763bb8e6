"""SLA policies as data: validation that names every bad field, JSON round trips, durations."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import EngineError
from engine.sla import SlaPolicy, SlaPolicyInvalid, format_duration, parse_duration
from tests.unit.test_sla import ESCALATIONS

H = timedelta(hours=1)
M = timedelta(minutes=1)


def policy(**changes: object) -> SlaPolicy:
    data: dict = {**VALID, **changes}
    return SlaPolicy.from_dict(data)


VALID = {"name": "first answer", "process_key": "complaint", "target": "task", "target_ref": "triage",
         "clock": "first_response", "duration": "PT4H"}


@pytest.mark.parametrize("changes, field", [
    ({"name": ""}, "name"),
    ({"process_key": None}, "process_key"),
    ({"target": "queue"}, "target"),
    ({"target_ref": None}, "target_ref"),
    ({"target": "lane", "target_ref": " "}, "target_ref"),
    ({"target": "instance", "clock": "instance_resolution"}, "target_ref"),
    ({"clock": "instance_resolution"}, "clock"),
    ({"target": "instance", "target_ref": None, "clock": "resolution"}, "clock"),
    ({"clock": "reply"}, "clock"),
    ({"duration": "P1M"}, "duration"),
    ({"duration": "4 hours"}, "duration"),
    ({"duration": "PT0S"}, "duration"),
    ({"duration": 240}, "duration"),
    ({"duration": None}, "duration"),
    ({"duration_minutes": 240}, "duration_minutes"),
    ({"calendar": ""}, "calendar"),
    ({"warning": {"percent": 120}}, "warning.percent"),
    ({"warning": {"percent": True}}, "warning.percent"),
    ({"warning": {"percent": 50, "before": "PT1H"}}, "warning"),
    ({"warning": {}}, "warning"),
    ({"warning": 80}, "warning"),
    ({"warning": {"before": "PT4H"}}, "warning.before"),
    ({"warning": {"before": "PT1Y"}}, "warning.before"),
    ({"warn_in_business_hours": True}, "warn_in_business_hours"),
    ({"warn_in_business_hours": "yes", "calendar": "office"}, "warn_in_business_hours"),
    ({"escalations": {"after": "PT0S"}}, "escalations"),
    ({"escalations": [{"after": "PT0S"}]}, "escalations[0]"),
    ({"escalations": [{"after": "PT1H", "actions": [{"type": "notify", "to": "a", "message": "b"}]},
                      {"after": "PT30M", "actions": [{"type": "reassign", "user": "c"}]}]}, "escalations[1].after"),
    ({"escalations": [{"after": "-PT1H", "actions": [{"type": "reassign", "user": "c"}]}]}, "escalations[0].after"),
    ({"escalations": [{"after": "PT0S", "actions": []}]}, "escalations[0].actions"),
    ({"escalations": [{"after": "PT0S", "actions": [{"type": "page"}]}]}, "escalations[0].actions[0].type"),
    ({"escalations": [{"after": "PT0S", "actions": ["notify"]}]}, "escalations[0].actions[0].type"),
    ({"escalations": [{"after": "PT0S", "actions": [{"type": "raise_priority", "priority": 150}]}]},
     "escalations[0].actions[0].priority"),
    ({"escalations": [{"after": "PT0S", "actions": [{"type": "raise_priority", "priority": "high"}]}]},
     "escalations[0].actions[0].priority"),
    ({"escalations": [{"after": "PT0S", "actions": [{"type": "notify", "to": "leads",
                                                      "message": ""}]}]},
     "escalations[0].actions[0].message"),
    ({"escalations": [{"after": "PT0S", "actions": [{"type": "add_candidates", "group": "x", "user": "y"}]}]},
     "escalations[0].actions[0].user"),
    ({"escalations": [{"after": "PT0S", "actions": [{"type": "message", "name": ""}]}]},
     "escalations[0].actions[0].name"),
    ({"pause_when": ["waiting_customer", ""]}, "pause_when"),
    ({"pause_when": "waiting_customer"}, "pause_when"),
    ({"enabled": "no"}, "enabled"),
    ({"colour": "red"}, "colour"),
])
def test_policy_validation_names_the_bad_field(changes: dict, field: str) -> None:
    with pytest.raises(SlaPolicyInvalid) as caught:
        SlaPolicy.from_dict({**VALID, **changes})
    fields = [e["field"] for e in caught.value.errors]
    assert fields == [field]
    message = caught.value.errors[0]["message"]
    assert message.endswith(".") and field.split("[")[0].split(".")[0] in message
    assert isinstance(caught.value, EngineError) and field in str(caught.value)


@pytest.mark.parametrize("missing", ["name", "process_key", "target", "clock", "duration"])
def test_required_fields(missing: str) -> None:
    data = {k: v for k, v in VALID.items() if k != missing}
    with pytest.raises(SlaPolicyInvalid) as caught:
        SlaPolicy.from_dict(data)
    assert missing in [e["field"] for e in caught.value.errors]


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(SlaPolicyInvalid) as caught:
        SlaPolicy.from_dict({**VALID, "name": "", "duration": "P1M", "enabled": 1})
    assert [e["field"] for e in caught.value.errors] == ["name", "duration", "enabled"]
    assert "months" in caught.value.errors[1]["message"]
    with pytest.raises(SlaPolicyInvalid) as caught:
        SlaPolicy.from_dict(["not", "an", "object"])
    assert caught.value.errors[0]["field"] == "(policy)"


def test_policy_round_trips_through_json() -> None:
    data = {"name": "resolve", "process_key": "complaint", "target": "instance", "target_ref": None,
            "clock": "instance_resolution", "duration": "P2DT4H", "calendar": "office",
            "warning": {"before": "PT30M"}, "warn_in_business_hours": True, "escalations": ESCALATIONS,
            "pause_when": ["waiting_customer", "waiting_third_party"], "enabled": False}
    pol = SlaPolicy.from_dict(data)
    assert pol.duration == timedelta(days=2, hours=4) and pol.escalations[1].after == 4 * H
    assert pol.to_dict() == data and SlaPolicy.from_dict(pol.to_dict()) == pol
    defaults = policy().to_dict()
    assert defaults["warning"] is None and defaults["escalations"] == [] and defaults["enabled"] is True
    assert policy(warning={"percent": 80}).to_dict()["warning"] == {"percent": 80}


@pytest.mark.parametrize("text, expected", [
    ("PT4H", 4 * H), ("P1D", timedelta(days=1)), ("PT30M", 30 * M), ("P1W", timedelta(weeks=1)),
    ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)), ("PT90M", 90 * M), ("PT0S", timedelta(0)),
    ("P2W3D", timedelta(days=17)), ("PT1.5S", timedelta(seconds=1.5)), ("PT0,25S", timedelta(seconds=0.25)),
    ("pt4h", 4 * H), (" PT45S ", timedelta(seconds=45)), ("PT1H0M5S", timedelta(hours=1, seconds=5)),
    ("P1.5D", timedelta(days=1, hours=12)), ("PT1.5H", 90 * M), ("PT0,5M", timedelta(seconds=30)),
])
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text, words", [
    ("P1M", "months"), ("P1Y", "years"), ("P1Y2M3D", "months"), ("PT", "ISO-8601"), ("P", "ISO-8601"),
    ("P1DT", "ISO-8601"), ("4H", "ISO-8601"), ("PT4X", "ISO-8601"), ("-PT4H", "ISO-8601"), ("", "ISO-8601"),
    ("PT4H30", "ISO-8601"), ("P1.5.5D", "ISO-8601"), ("PT1M2H", "ISO-8601"), (240, "ISO-8601"), (None, "ISO-8601"),
])
def test_parse_duration_rejects(text: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_duration(text)


@pytest.mark.parametrize("td, text", [
    (timedelta(0), "PT0S"), (4 * H, "PT4H"), (timedelta(days=7), "P7D"), (timedelta(days=1, minutes=5), "P1DT5M"),
    (timedelta(seconds=61.5), "PT1M1.5S"), (timedelta(microseconds=1), "PT0.000001S"),
])
def test_format_duration(td: timedelta, text: str) -> None:
    assert format_duration(td) == text and parse_duration(text) == td
