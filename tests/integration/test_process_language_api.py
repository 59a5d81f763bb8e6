"""The shipped processes in English come from their catalogues beyond the task detail: the
task list's task names (no extra statement: the rows carry their definition id and the
definition is cached) and the startable list's process names and start forms. Chinese stays
the default, and the values people choose never change with the language."""
from __future__ import annotations

from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import deploy

EN = {"Accept-Language": "en-US,en;q=0.9"}


def _start_after_sales(server, tokens) -> int:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(PROCESSES / "after-sales")).status_code == 201
    started = server.post("/api/v1/instances", tokens["admin"],
                          json={"process_key": "after_sales"})
    assert started.status_code == 201, started.text
    return started.json()["id"]


def test_the_task_list_names_tasks_in_the_request_language(server, tokens) -> None:
    instance_id = _start_after_sales(server, tokens)
    url = f"/api/v1/tasks?instance_id={instance_id}"
    chinese = server.get(url, tokens["admin"]).json()["items"]
    english = server.get(url, tokens["admin"], headers=EN).json()["items"]
    assert chinese and [t["id"] for t in chinese] == [t["id"] for t in english]
    assert {t["bpmn_id"]: t["name"] for t in chinese}.get("register_case") == "登记售后问题"
    assert {t["bpmn_id"]: t["name"] for t in english}.get("register_case") == \
        "Register the after-sales case"
    assert "definition_id" not in english[0]  # the schema shows what it always showed


def test_startable_names_processes_and_start_forms_in_the_request_language(server,
                                                                          tokens) -> None:
    assert deploy(server, tokens["admin"], bundle(PROCESSES / "after-sales")).status_code == 201
    chinese = {p["process_key"]: p for p in
               server.get("/api/v1/startable", tokens["admin"]).json()}["after_sales"]
    english = {p["process_key"]: p for p in
               server.get("/api/v1/startable", tokens["admin"], headers=EN).json()}["after_sales"]
    assert chinese["start_form"]["title"] == "新建售后"
    assert english["name"] == "After-sales" and english["start_form"]["title"] == \
        "New after-sales case"
    platform_zh = chinese["start_form"]["properties"]["platform"]["oneOf"]
    platform_en = english["start_form"]["properties"]["platform"]["oneOf"]
    assert platform_en[0] == {"const": "tmall", "title": "Tmall"}
    assert [o["const"] for o in platform_en] == [o["const"] for o in platform_zh]
    assert english["name"] != chinese["name"]


def test_a_task_form_of_every_reworked_process_is_english_on_request(server, tokens) -> None:
    """The after-sales register form: option titles from the catalogue, same values."""
    instance_id = _start_after_sales(server, tokens)
    items = server.get(f"/api/v1/tasks?instance_id={instance_id}", tokens["admin"]).json()["items"]
    task_id = items[0]["id"]
    chinese = server.get(f"/api/v1/tasks/{task_id}", tokens["admin"]).json()
    english = server.get(f"/api/v1/tasks/{task_id}", tokens["admin"], headers=EN).json()
    assert "Record the buyer" not in chinese["documentation"]
    assert english["documentation"].startswith("Record the buyer")
    category = english["form_schema"]["properties"]["category"]["oneOf"]
    assert {"const": "质量问题", "title": "Quality problem"} in category
