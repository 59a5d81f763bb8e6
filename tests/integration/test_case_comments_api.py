"""Comments on a case with ``@username`` mentions (``services.case_comments``), through the API
on SQLite and PostgreSQL: the mentioned active colleagues (never the author, nobody unknown or
disabled) find a ``mentioned`` notification in their bell once the pipeline has run; the words
stay in the case's history; a case one does not work on refuses the comment."""
from __future__ import annotations

import pytest

from services.case_comments import mentioned_names
from services.identity import ensure_user, set_active
from services.notify import pipeline
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy


@pytest.fixture
def case(server, tokens) -> dict:  # type: ignore[no-untyped-def]
    """A three_steps case the agent started (its first task in the Agent queue)."""
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201
    started = server.post("/api/v1/instances", tokens["agent"], json={"process_key": "three_steps"})
    assert started.status_code == 201, started.text
    return started.json()


def mentions_of(server, token) -> list[dict]:  # type: ignore[no-untyped-def]
    bell = server.get("/api/v1/me/notifications", token)
    assert bell.status_code == 200, bell.text
    return [n for n in bell.json()["items"] if n["kind"] == "mentioned"]


def test_names_are_read_from_the_text() -> None:
    assert mentioned_names("请@agent2处理，cc @li.wei. 邮件 li@example.com @agent2") == [
        "agent2", "li.wei"]
    assert mentioned_names("no one here, a@b or @") == []


def test_a_mention_reaches_the_colleague_in_the_app(server, tokens, fd, case) -> None:  # type: ignore[no-untyped-def]
    ensure_user(fd, "gone", ["staff"], ["Agent"])
    set_active(fd, "gone", False)
    pipeline.run(fd)  # the task's queue notifications, out of the way
    text = "客户来电催办，请@agent2 跟进；@supervisor 知悉。@agent @ghost @gone"
    task_id = case["open_tasks"][0]["id"]
    made = server.post(f"/api/v1/cases/{case['id']}/comments", tokens["agent"],
                       json={"text": text, "task_id": task_id})
    assert made.status_code == 201, made.text
    assert made.json()["mentions"] == ["agent2", "supervisor"]  # not the author, ghost, gone
    assert (made.json()["actor"], made.json()["task_id"]) == ("agent", task_id)
    assert mentions_of(server, tokens["agent2"]) == []  # not before the pipeline has run

    pipeline.run(fd)
    [told] = mentions_of(server, tokens["agent2"])
    assert told["instance_id"] == case["id"] and told["read_at"] is None
    assert told["subject"] == "有人在「" + case["open_tasks"][0]["name"] + "」中提到了你"
    assert "催办" not in str(told)  # the words stay on the case page
    assert len(mentions_of(server, tokens["supervisor"])) == 1
    assert mentions_of(server, tokens["agent"]) == []
    assert server.get("/api/v1/me/notifications", tokens["agent2"]).json()["unread"] >= 1

    page = server.get(f"/api/v1/cases/{case['id']}", tokens["agent2"]).json()
    [entry] = [e for e in page["audit"] if e["action"] == "case.commented"]
    assert (entry["actor"], entry["after"]["text"]) == ("agent", text)
    pipeline.run(fd)  # nothing is told twice
    assert len(mentions_of(server, tokens["agent2"])) == 1


def test_a_comment_on_the_case_alone_names_its_number(server, tokens, fd, case) -> None:  # type: ignore[no-untyped-def]
    pipeline.run(fd)
    assert server.post(f"/api/v1/cases/{case['id']}/comments", tokens["supervisor"],
                       json={"text": "@agent 请回电"}).status_code == 201
    pipeline.run(fd)
    [told] = mentions_of(server, tokens["agent"])
    assert case["case_no"] and case["case_no"] in told["subject"]


def test_comments_are_refused_where_they_do_not_belong(server, tokens, fd, case) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/cases/{case['id']}/comments"
    refused = server.post(url, tokens["outsider"], json={"text": "@agent hi"})
    assert refused.status_code == 403
    blank = server.post(url, tokens["agent"], json={"text": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "text"
    assert server.post(url, tokens["agent"], json={"text": "x", "task_id": 999999}
                       ).status_code == 404
    assert server.post("/api/v1/cases/999999/comments", tokens["agent"],
                       json={"text": "x"}).status_code == 404
    pipeline.run(fd)
    assert mentions_of(server, tokens["agent"]) == []
