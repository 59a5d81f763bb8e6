"""/api/v1/dry-runs: a designer's draft of negative-review run on a throwaway store with a
virtual clock: the 48-hour timer fires, the phone task opens due inside the call window, a
refused form names its fields (the start form's too, when no start data is sent), and the
saved scenario passes ``flowdesk test``. The real database never gets an instance or a
definition."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from api.routes.dry_runs import install
from host import test_command
from store.throwaway import ThrowawayStores
from services.definitions import bundle_files, seed_sla
from store.tables import ProcessDefinition, ProcessInstance

BUNDLE = Path(__file__).resolve().parents[2] / "processes" / "negative-review"
REVIEW = {"review_date": "2026-03-01", "wangwang_id": "tb_lily88", "phone": "13800001111",
          "order_no": "TB20260301001", "item": "陶瓷马克杯 两只装",
          "review_content": "杯子收到就有裂纹,客服也不回复。", "severity": "severe",
          "rating": "neutral"}
START = {k: REVIEW[k] for k in ("review_date", "wangwang_id", "rating", "review_content")}
BEFORE_THE_TIMER = [
    {"complete": "register_review", "data": REVIEW},
    {"complete": "send_wangwang_message", "data": {
        "chat_findings": "买家询问发货,未及时回复。", "message_text": "亲,非常抱歉,我们马上为您补发。",
        "deletion_link": "https://rate.taobao.com/modify?id=88001"}},
    {"complete": "send_sms", "data": {"sms_text": "【东耀】亲,已为您补发,麻烦查看旺旺留言。"}},
]


@pytest.fixture
def runs(app, fd) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Dry runs offered as the host offers them, with the bundle's calendars and SLA
    policies in the real database (as `flowdesk deploy` seeds them)."""
    seed_sla(fd, BUNDLE / "sla.json", "tests")
    stores = ThrowawayStores()
    offered = install(app, stores)
    yield offered
    offered.close()
    stores.close()


def draft() -> dict[str, str]:
    return {name: data.decode("utf-8") for name, data in bundle_files(BUNDLE).items()}


def real_counts(fd) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return (uow.scalar(select(func.count()).select_from(ProcessInstance)),
                uow.scalar(select(func.count()).select_from(ProcessDefinition)))


def test_a_dry_run_fires_the_48_hour_timer_and_saves_a_passing_scenario(
        server, tokens, fd, runs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    token = tokens["designer"]
    made = server.post("/api/v1/dry-runs", token, json={"files": draft(), "start": {
        "at": "2026-03-02T22:00:00", "timezone": "Asia/Shanghai", "variables": START}})
    assert made.status_code == 201, made.text
    run = made.json()
    assert "review_date" in run["start_form"]["properties"]
    assert [t["bpmn_id"] for t in run["state"]["tasks"]] == ["register_review"]
    assert run["state"]["tasks"][0]["form_schema"]["properties"]["rating"]
    for step in BEFORE_THE_TIMER:
        done = server.post(f"/api/v1/dry-runs/{run['id']}/steps", token, json=step)
        assert done.status_code == 200, done.text

    fast = server.post(f"/api/v1/dry-runs/{run['id']}/steps", token, json={"advance": "PT48H"})
    assert fast.status_code == 200, fast.text
    state = fast.json()["state"]
    phone = [t for t in state["tasks"] if t["bpmn_id"] == "phone_call"]
    assert phone, state["tasks"]
    assert phone[0]["due_at"].startswith("2026-03-05T02:00:00")  # 10:00 in Shanghai: 09:30 + 30 min
    assert "no_response_48h" in state["path"]
    assert [c["policy"] for c in state["sla"]] == ["negative_review_phone_call"]
    last = fast.json()["log"][-1]
    assert last["kind"] == "advance" and last["opened"] == ["phone_call"]

    saved = server.get(f"/api/v1/dry-runs/{run['id']}/scenario", token)
    assert saved.status_code == 200 and saved.headers["Content-Type"].startswith(
        "application/yaml")
    scenario = yaml.safe_load(saved.text)
    assert {"advance": "PT48H"} in scenario["steps"] and {"advance": "PT1S"} in scenario["steps"]
    folder = tmp_path / "negative-review"
    shutil.copytree(BUNDLE, folder, ignore=shutil.ignore_patterns("tests"))
    (folder / "tests").mkdir()
    (folder / "tests" / "dry_run.yaml").write_text(saved.text, encoding="utf-8")
    assert test_command.run([folder / "tests" / "dry_run.yaml"], None, False, None) == 0
    broken = saved.text.replace("2026-03-05T10:00:00", "2026-03-05T11:00:00")
    assert broken != saved.text  # the saved expectation is what makes the file fail
    (folder / "tests" / "dry_run.yaml").write_text(broken, encoding="utf-8")
    assert test_command.run([folder / "tests" / "dry_run.yaml"], None, False, None) == 1

    assert real_counts(fd) == (0, 0)
    assert server.call("DELETE", f"/api/v1/dry-runs/{run['id']}", token).status_code == 204
    assert server.get(f"/api/v1/dry-runs/{run['id']}", token).status_code == 404


def test_refusals(server, tokens, fd, runs) -> None:  # type: ignore[no-untyped-def]
    token = tokens["designer"]
    assert server.post("/api/v1/dry-runs", tokens["agent"],
                       json={"files": draft()}).status_code == 403
    broken = server.post("/api/v1/dry-runs", token,
                         json={"files": {"x.bpmn": "<definitions"}})
    assert broken.status_code == 422
    run = server.post("/api/v1/dry-runs", token, json={"files": draft()}).json()
    assert run["started"] is False
    early = server.post(f"/api/v1/dry-runs/{run['id']}/steps", token, json={"advance": "PT1H"})
    assert early.status_code == 422
    # no start data is the empty start form: refused as POST /instances refuses it, by field
    for body in ({}, {"variables": {}}):
        empty = server.post(f"/api/v1/dry-runs/{run['id']}/start", token,
                            json={"at": "2026-03-02T09:00:00", **body})
        assert empty.status_code == 422, empty.text
        assert {e["field"] for e in empty.json()["errors"]} == set(START)
    started = server.post(f"/api/v1/dry-runs/{run['id']}/start", token,
                          json={"at": "2026-03-02T09:00:00", "timezone": "Asia/Shanghai",
                                "variables": START})
    assert started.status_code == 200, started.text
    refused = server.post(f"/api/v1/dry-runs/{run['id']}/steps", token, json={
        "complete": "register_review", "data": {**REVIEW, "rating": "wonderful"}})
    assert refused.status_code == 422, refused.text
    assert "rating" in {e["field"] for e in refused.json()["errors"]}
    missing = server.post(f"/api/v1/dry-runs/{run['id']}/steps", token,
                          json={"complete": "phone_call", "data": {}})
    assert missing.status_code == 422 and "phone_call" in missing.json()["detail"]
    assert server.get(f"/api/v1/dry-runs/{run['id']}", tokens["admin"]).status_code == 200
    assert server.get("/api/v1/dry-runs/nope", token).status_code == 404
    runs.limit = 1
    assert server.post("/api/v1/dry-runs", token, json={"files": draft()}).status_code == 503
    assert real_counts(fd) == (0, 0)
