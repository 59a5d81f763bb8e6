"""Admins' notification templates through the API, on SQLite and PostgreSQL: the default is
shown, a broken template is a 422 naming the part and line (in Chinese by default), an override
is what render uses, and resetting goes back to the default; every change audited."""
from __future__ import annotations

from sqlalchemy import select

from services.notify.templates import render
from store.tables import AuditEntry

BASE = "/api/v1/admin/notification-templates"
CASE = {"case_no": "TS202601050001", "instance_id": 42, "task_name": "受理投诉"}
OURS = {"subject": "超时提醒 {{ case_no }}",
        "text": "请尽快处理 {{ task_name }}：{{ link }}",
        "markdown": "**超时** [{{ case_no }}]({{ link }})"}


def test_override_render_and_reset(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    shown = server.get(f"{BASE}/sla_breach/zh", admin)
    assert shown.status_code == 200, shown.text
    assert shown.json()["overridden"] is False
    assert shown.json()["subject"] == shown.json()["default"]["subject"]

    created = server.call("PUT", f"{BASE}/sla_breach/zh", admin, json=OURS)
    assert created.status_code == 201, created.text
    assert created.json()["overridden"] is True and created.json()["updated_by"] == "admin"
    message = render("sla_breach", "zh", CASE, fd)
    assert message.subject == "超时提醒 TS202601050001"
    assert message.text == "请尽快处理 受理投诉：http://127.0.0.1:5000/cases/42"
    assert render("sla_breach", "en", CASE, fd).subject.startswith("[Overdue]")  # en untouched

    replaced = server.call("PUT", f"{BASE}/sla_breach/zh", admin,
                           json={**OURS, "subject": "再次提醒 {{ case_no }}"})
    assert replaced.status_code == 200
    assert render("sla_breach", "zh", CASE, fd).subject == "再次提醒 TS202601050001"

    assert server.call("DELETE", f"{BASE}/sla_breach/zh", admin).status_code == 204
    assert render("sla_breach", "zh", CASE, fd).subject == "【已超时】受理投诉（TS202601050001）"
    assert server.call("DELETE", f"{BASE}/sla_breach/zh", admin).status_code == 404

    with fd.uow(read_only=True) as conn:
        trail = [(r.action, r.actor) for r in conn.execute(
            select(AuditEntry.action, AuditEntry.actor).where(
                AuditEntry.action.like("notify_template.%")).order_by(AuditEntry.id))]
    assert trail == [("notify_template.changed", "admin"), ("notify_template.changed", "admin"),
                     ("notify_template.reset", "admin")]


def test_a_broken_template_is_a_422_naming_the_part_and_line(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    syntax = server.call("PUT", f"{BASE}/escalation/zh", admin,
                         json={**OURS, "markdown": "第一行\n{{ case_no }"})
    assert syntax.status_code == 422, syntax.text
    problem = syntax.json()
    assert problem["errors"][0]["field"] == "markdown"
    assert "第 2 行" in problem["errors"][0]["message"] and "第 2 行" in problem["detail"]

    escape = server.call("PUT", f"{BASE}/escalation/en", admin, headers={"Accept-Language": "en"},
                         json={**OURS, "text": "ok\n{{ ''.__class__.__mro__ }}"})
    assert escape.status_code == 422, escape.text
    assert escape.json()["errors"][0]["field"] == "text"
    assert "line 2" in escape.json()["errors"][0]["message"]
    assert "unsafe" in escape.json()["errors"][0]["message"]

    unknown = server.call("PUT", f"{BASE}/escalation/zh", admin,
                          json={**OURS, "subject": "{{ customer.phone }}"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "subject"

    huge = server.call("PUT", f"{BASE}/escalation/zh", admin,
                       json={**OURS, "text": "{% for i in range(99999) %}xxxxx{% endfor %}"})
    assert huge.status_code == 422

    assert server.call("PUT", f"{BASE}/nope/zh", admin, json=OURS).status_code == 422
    assert server.call("PUT", f"{BASE}/escalation/fr", admin, json=OURS).status_code == 422
    assert server.call("PUT", f"{BASE}/escalation/zh", admin,
                       json={"subject": "x"}).status_code == 422
    assert server.call("PUT", f"{BASE}/escalation/zh", tokens["agent"],
                       json=OURS).status_code == 403
    assert server.get(f"{BASE}/escalation/zh", admin).json()["overridden"] is False
