"""Retention of finished cases: a rule per process deletes or archives completed and cancelled
cases older than N days, in bounded batches, and the reports say the same before and after
(their figures come from rollups once the cases are gone). Open cases, recent ones and other
processes' stay. The admin API checks the rule (days >= 1, a known mode, a deployed process)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.clock import FakeClock
from services import retention
from store.tables import AuditEntry, HumanTask, ProcessInstance, SlaClock
from tests.conftest import PROCESSES, RESOURCES, bundle
from tests.integration.conftest import deploy
from tests.integration.test_reports_api import run_path

RULES = "/api/v1/admin/retention"
POLICIES = [("respond_6m", {"clock": "first_response", "duration": "PT6M"}),  # claimed at 5: met
            ("resolve_8m", {"clock": "resolution", "duration": "PT8M"})]  # done at 10: breached
REPORTS = ["agents", "agents?group=Agent", "agents?agent=agent", "sla", "sla?period=week",
           "sla?agent=agent", "sla?process_key=complaint_handling", "complaint-rate",
           "satisfaction", "finance", "negative-reviews", "open-cases", "backlog"]
DAY = "start=2026-01-05&end=2026-01-05"


def _start(server, token: str, key: str) -> int:  # type: ignore[no-untyped-def]
    started = server.post("/api/v1/instances", token, json={"process_key": key})
    assert started.ok, started.text
    return started.json()["id"]


def _cancelled(server, tokens, key: str) -> int:  # type: ignore[no-untyped-def]
    instance = _start(server, tokens["admin"], key)
    assert server.post(f"/api/v1/instances/{instance}/cancel", tokens["admin"],
                       json={"reason": "test"}).ok
    return instance


def _reports(server, token: str) -> dict[str, list]:  # type: ignore[no-untyped-def]
    out = {}
    for name in REPORTS:
        for query in ("", DAY):
            path = f"/api/v1/reports/{name}"
            if query:
                path += ("&" if "?" in path else "?") + query
            response = server.get(path, token)
            assert response.status_code == 200, response.text
            out[path] = response.json()["items"]
    return out


def _ids(fd, table, column, values) -> set[int]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as conn:
        return set(conn.scalars(select(column).where(column.in_(values))))


def test_delete_removes_only_old_finished_cases_of_the_process_and_reports_keep_their_figures(  # type: ignore[no-untyped-def]
        server, tokens, clock: FakeClock, fd) -> None:
    admin = tokens["admin"]
    assert deploy(server, admin, bundle(PROCESSES / "complaint-handling")).ok
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).ok
    for name, policy in POLICIES:
        assert server.call("PUT", f"/api/v1/admin/sla-policies/{name}", admin, json={
            "process_key": "complaint_handling", "target": "lane", "target_ref": "Agent",
            **policy}).ok
    old = [run_path(server, tokens, clock, "B"), run_path(server, tokens, clock, "A"),
           _cancelled(server, tokens, "complaint_handling")]
    other = _cancelled(server, tokens, "three_steps")  # old and finished, another process
    clock.advance(days=40)
    recent = run_path(server, tokens, clock, "B")
    still_open = run_path(server, tokens, clock, "C", steps=2)
    clock.advance(days=1)
    with fd.uow(read_only=True) as conn:
        old_tasks = list(conn.scalars(select(HumanTask.id).where(
            HumanTask.instance_id.in_(old))))
    assert old_tasks and _ids(fd, SlaClock, SlaClock.instance_id, old)
    before = _reports(server, tokens["supervisor"])
    assert before["/api/v1/reports/finance"] and before["/api/v1/reports/satisfaction"]
    assert any(row["sla_breached"] for row in before["/api/v1/reports/sla"])

    put = server.call("PUT", f"{RULES}/complaint_handling", admin,
                      json={"days": 30, "mode": "delete"})
    assert put.status_code == 201, put.text
    [result] = retention.run(fd)
    assert (result["process_key"], result["cases"]) == ("complaint_handling", 3)

    kept = _ids(fd, ProcessInstance, ProcessInstance.id, [*old, other, recent, still_open])
    assert kept == {other, recent, still_open}
    assert not _ids(fd, HumanTask, HumanTask.id, old_tasks)
    assert not _ids(fd, SlaClock, SlaClock.instance_id, old)
    assert not _ids(fd, AuditEntry, AuditEntry.instance_id, old)
    with fd.uow(read_only=True) as conn:
        done = conn.execute(select(AuditEntry.actor, AuditEntry.after).where(
            AuditEntry.action == "retention.deleted")).one()
    assert done.actor == "housekeeping" and sorted(done.after["instance_ids"]) == sorted(old)
    assert _reports(server, tokens["supervisor"]) == before
    assert retention.run(fd)[0]["cases"] == 0  # nothing left to do; figures still the same
    assert _reports(server, tokens["supervisor"]) == before


def test_archive_keeps_the_case_retrievable(server, tokens, clock: FakeClock, fd) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).ok
    case = _cancelled(server, tokens, "three_steps")
    clock.advance(days=2)
    assert server.call("PUT", f"{RULES}/three_steps", admin,
                       json={"days": 1, "mode": "archive"}).status_code == 201
    assert retention.run(fd, dry_run=True)[0]["cases"] == 1
    assert server.get(f"/api/v1/instances/{case}", admin).status_code == 200  # dry: untouched
    assert retention.run(fd)[0]["cases"] == 1
    assert server.get(f"/api/v1/instances/{case}", admin).status_code == 404
    archived = server.get(f"{RULES}/archive/{case}", admin)
    assert archived.status_code == 200, archived.text
    payload = archived.json()["payload"]
    assert payload["instance"]["id"] == case and payload["instance"]["status"] == "cancelled"
    assert payload["tasks"] and all(t["instance_id"] == case for t in payload["tasks"])
    assert {"instance.started", "instance.cancelled"} <= {a["action"] for a in payload["audit"]}
    assert server.get(f"{RULES}/archive/{case + 1000}", admin).status_code == 404
    assert server.get(f"{RULES}/archive/{case}", tokens["supervisor"]).status_code == 403


def test_batches_are_bounded(server, tokens, clock: FakeClock, fd, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).ok
    cases = [_cancelled(server, tokens, "three_steps") for _ in range(3)]
    clock.advance(days=2)
    assert server.call("PUT", f"{RULES}/three_steps", tokens["admin"],
                       json={"days": 1, "mode": "delete"}).ok
    monkeypatch.setattr(retention, "BATCH", 2)
    monkeypatch.setattr(retention, "MAX_BATCHES", 1)
    assert [r["cases"] for r in retention.run(fd)] == [2]  # one batch per run here
    assert len(_ids(fd, ProcessInstance, ProcessInstance.id, cases)) == 1
    assert [r["cases"] for r in retention.run(fd)] == [1]
    with fd.uow(read_only=True) as conn:
        batches = list(conn.scalars(select(AuditEntry.after).where(
            AuditEntry.action == "retention.deleted").order_by(AuditEntry.id)))
    assert [sorted(b["instance_ids"]) for b in batches] == [cases[:2], cases[2:]]


@pytest.mark.parametrize("body", [{"days": 0, "mode": "delete"}, {"days": -3, "mode": "delete"},
                                  {"days": "30", "mode": "delete"}, {"days": 1.5, "mode": "delete"},
                                  {"days": 30, "mode": "shred"}, {"days": 30}, {"mode": "delete"}])
def test_admin_api_refuses_bad_rules(server, tokens, body: dict) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).ok
    response = server.call("PUT", f"{RULES}/three_steps", tokens["admin"], json=body)
    assert response.status_code == 422, response.text
    assert server.get(f"{RULES}/three_steps", tokens["admin"]).status_code == 404


def test_admin_api_sets_reads_and_deletes_rules_audited(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).ok
    assert server.call("PUT", f"{RULES}/nope", admin,
                       json={"days": 3, "mode": "delete"}).status_code == 404
    assert server.call("PUT", f"{RULES}/three_steps", tokens["supervisor"],
                       json={"days": 3, "mode": "delete"}).status_code == 403
    assert server.call("PUT", f"{RULES}/three_steps", admin,
                       json={"days": 3, "mode": "delete"}).status_code == 201
    changed = server.call("PUT", f"{RULES}/three_steps", admin, json={"days": 90, "mode": "archive"})
    assert changed.status_code == 200
    assert changed.json()["days"] == 90 and changed.json()["updated_by"] == "admin"
    [rule] = server.get(RULES, admin).json()
    assert (rule["process_key"], rule["days"], rule["mode"]) == ("three_steps", 90, "archive")
    assert server.call("DELETE", f"{RULES}/three_steps", admin).status_code == 204
    assert server.get(RULES, admin).json() == []
    with fd.uow(read_only=True) as conn:
        trail = list(conn.execute(select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
                                  .where(AuditEntry.action.like("retention.%"))
                                  .order_by(AuditEntry.id)))
    assert [t.action for t in trail] == ["retention.rule_set", "retention.rule_set",
                                         "retention.rule_deleted"]
    assert trail[1].before == {"days": 3, "mode": "delete"}
    assert trail[1].after == {"process_key": "three_steps", "days": 90, "mode": "archive"}


def test_a_registered_case_register_keeps_its_rows_after_retention(  # type: ignore[no-untyped-def]
        server, tokens, clock: FakeClock, fd) -> None:
    """A process's case register plugs in through the hooks (as the 中差评 register does):
    the reports list its rows, and the rows of cases retention removes stay listed."""
    from services import reports
    from services.hooks import Register
    from services.principal import system
    fd.hooks.add_register(Register(
        kind="steps", process_key="three_steps", order=lambda r: r["case_no"] or "",
        row=lambda i: {"case_no": i["case_no"], "status": i["status"],
                       "started_at": i["started_at"]}))
    admin = tokens["admin"]
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).ok
    case = _cancelled(server, tokens, "three_steps")
    supervisor = system("supervisor", "supervisor")
    before = reports.case_register(fd, supervisor, "steps")
    assert [r["status"] for r in before] == ["cancelled"]
    clock.advance(days=2)
    assert server.call("PUT", f"{RULES}/three_steps", admin,
                       json={"days": 1, "mode": "delete"}).status_code == 201
    assert retention.run(fd)[0]["cases"] == 1
    assert server.get(f"/api/v1/instances/{case}", admin).status_code == 404
    assert reports.case_register(fd, supervisor, "steps") == before


@pytest.mark.parametrize("days", [0, retention.MAX_DAYS + 1, 10**9])
def test_the_service_refuses_days_it_could_not_apply(fd, days: int) -> None:  # type: ignore[no-untyped-def]
    """The service's own check, not only the API's: a billion days passed the service and then
    overflowed the cutoff date in every retention run."""
    from services.errors import Invalid
    from services.principal import system
    with pytest.raises(Invalid) as refused:
        retention.put_rule(fd, system("t", "admin"), "three_steps", days, "delete")
    assert [e["field"] for e in refused.value.errors] == ["days"]


def test_the_archive_exports_as_json_lines(server, tokens, clock: FakeClock, fd,  # type: ignore[no-untyped-def]
                                           monkeypatch, tmp_path) -> None:
    """``flowdesk retention export``'s cases: every archived case once, in id order, read in
    batches (here of 2), filtered by process and end; each line the archived case as JSON."""
    import json

    from click.testing import CliRunner

    from host.cli import main
    from services.principal import system
    admin = tokens["admin"]
    assert deploy(server, admin, bundle(RESOURCES / "three_steps")).ok
    cases = [_cancelled(server, tokens, "three_steps") for _ in range(5)]
    clock.advance(days=2)
    assert server.call("PUT", f"{RULES}/three_steps", admin,
                       json={"days": 1, "mode": "archive"}).status_code == 201
    assert retention.run(fd)[0]["cases"] == 5
    monkeypatch.setattr(retention, "EXPORT_BATCH", 2)
    everyone = system("t", "admin")
    assert [c["id"] for c in retention.export_archive(fd, everyone)] == cases
    assert list(retention.export_archive(fd, everyone, "other_process")) == []
    assert list(retention.export_archive(fd, everyone, ended_before=clock.now()
                                         - timedelta(days=3))) == []
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", str(fd.engine.url.render_as_string(
        hide_password=False)))
    out = tmp_path / "archive.jsonl"
    result = CliRunner().invoke(main, ["retention", "export", "--process", "three_steps",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [c["id"] for c in lines] == cases
    assert lines[0]["payload"]["instance"]["status"] == "cancelled"
