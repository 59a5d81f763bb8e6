"""Timer start events of a model deployed through the API, with a restarted Flowdesk before
every tick and the clock moved by hand: a bounded cycle (``R3/PT1H``) starts exactly one instance
at each of its three instants, none before, none twice, none after; a new version takes the
schedule over (the old one starts nothing more), and a new version without a timer start
event leaves no scheduled start of the old one behind, also in the admins' list."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from services.due_runner import run_due
from tests.conftest import RESOURCES, bundle
from tests.integration.test_qa_models_api import Restarts, restarts  # noqa: F401 - fixture

KEY = "qa_three_rounds"
FOLDER = RESOURCES / "qa_models" / "timer_starts"


def deploy(restarts: Restarts, admin: str, files: dict[str, bytes]) -> dict:
    client = restarts.restart().test_client()
    answer = client.post("/api/v1/definitions", headers={"Authorization": f"Bearer {admin}"},
                         data={"files": [(io.BytesIO(b), n) for n, b in files.items()]},
                         content_type="multipart/form-data")
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    deployed = answer.get_json()
    restarts.versions = {**getattr(restarts, "versions", {}), deployed["id"]: deployed["version"]}
    return deployed


def tick(restarts: Restarts, clock, **moved: float) -> list[int]:  # type: ignore[no-untyped-def]
    """A restarted server whose ticker runs after the clock moved on; the versions of the cases
    started so far."""
    clock.advance(**moved)
    fd = restarts.restart().extensions["flowdesk"]
    run_due(fd)
    run_due(fd)  # nothing is left to fire twice
    return started(restarts, fd)


def started(restarts: Restarts, fd) -> list[int]:  # type: ignore[no-untyped-def]
    token = restarts.admin_token
    items = restarts.app.test_client().get(
        f"/api/v1/instances?process_key={KEY}&sort=id",
        headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    return sorted(restarts.versions[i["definition_id"]] for i in items)


def pending_starts(restarts: Restarts) -> list[tuple[int, str]]:
    answer = restarts.app.test_client().get(
        "/api/v1/admin/timers?kind=start&state=pending",
        headers={"Authorization": f"Bearer {restarts.admin_token}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [(t["definition_id"], t["due_at"]) for t in answer.get_json()["items"]]


def versioned(name: str) -> dict[str, bytes]:
    files = bundle(FOLDER)
    return {n: b.replace(b'name="\xe4\xb8\x89\xe8\xbd\xae\xe5\xb7\xa1\xe6\xa3\x80"',
                         f'name="{name}"'.encode()) for n, b in files.items()}


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_a_bounded_cycle_starts_three_cases_at_its_instants(tokens, clock, restarts) -> None:  # type: ignore[no-untyped-def]
    restarts.admin_token = tokens["admin"]
    deploy(restarts, tokens["admin"], bundle(FOLDER))
    assert tick(restarts, clock, minutes=59) == []
    assert tick(restarts, clock, minutes=2) == [1]
    assert tick(restarts, clock, minutes=58) == [1]
    assert tick(restarts, clock, minutes=2) == [1, 1]
    assert tick(restarts, clock, hours=1) == [1, 1, 1]
    assert tick(restarts, clock, hours=1) == [1, 1, 1]
    assert tick(restarts, clock, days=2) == [1, 1, 1]
    assert pending_starts(restarts) == []


def test_a_new_version_takes_the_schedule_over(tokens, clock, restarts) -> None:  # type: ignore[no-untyped-def]
    restarts.admin_token = tokens["admin"]
    first = deploy(restarts, tokens["admin"], bundle(FOLDER))
    assert tick(restarts, clock, minutes=61) == [1]
    clock.advance(minutes=30)
    second = deploy(restarts, tokens["admin"], versioned("三轮巡检 v2"))
    assert second["version"] == 2
    redeployed = clock.now()
    assert pending_starts(restarts) == [(second["id"], (redeployed + timedelta(hours=1))
                                         .isoformat())]
    assert tick(restarts, clock, minutes=31) == [1]  # the first version's second round: cancelled
    assert tick(restarts, clock, minutes=30) == [1, 2]
    plain = versioned("三轮巡检 v3")
    plain = {n: b.replace(b'<bpmn:timerEventDefinition id="ts_start_def"><bpmn:timeCycle>'
                          b'"R3/PT1H"</bpmn:timeCycle></bpmn:timerEventDefinition>', b"")
             for n, b in plain.items()}
    third = deploy(restarts, tokens["admin"], plain)
    assert third["version"] == 3 and first["id"] != third["id"]
    assert pending_starts(restarts) == []  # no version starts on a timer any more
    assert tick(restarts, clock, hours=5) == [1, 2]


def test_a_start_time_already_past_is_refused_naming_the_event(tokens, clock, restarts) -> None:  # type: ignore[no-untyped-def]
    """A timer start event whose date (or bounded cycle) is over would never start a case: the
    deploy and the designer's check refuse it with the element and a sentence; a time still
    to come deploys."""
    client = restarts.restart().test_client()
    auth = {"Authorization": f"Bearer {tokens['admin']}", "Accept-Language": "zh-CN"}

    def with_time(value: str) -> dict[str, bytes]:
        return {n: b.replace(b'<bpmn:timeCycle>"R3/PT1H"</bpmn:timeCycle>',
                             f'<bpmn:timeDate>"{value}"</bpmn:timeDate>'.encode())
                for n, b in bundle(FOLDER).items()}

    past = (clock.now() - timedelta(days=1)).isoformat()
    for path in ("/api/v1/definitions/validate", "/api/v1/definitions"):
        refused = client.post(path, headers=auth, content_type="multipart/form-data", data={
            "files": [(io.BytesIO(b), n) for n, b in with_time(past).items()]})
        assert refused.status_code == 422, refused.get_data(as_text=True)
        [found] = refused.get_json()["errors"]
        assert found["element_id"] == "ts_start" and found["line"] == 13
        assert "已经过去" in found["message"] and past in found["message"]
    assert [d for d in client.get("/api/v1/definitions", headers=auth).get_json()
            if d["key"] == KEY] == []
    soon = (clock.now() + timedelta(hours=2)).isoformat()
    deployed = client.post("/api/v1/definitions", headers=auth, content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(b), n) for n, b in with_time(soon).items()]})
    assert deployed.status_code == 201, deployed.get_data(as_text=True)
