"""Process groups over HTTP, on SQLite and PostgreSQL: a designer deploys and reads the XML only
of the processes in their groups; admins create groups, manage designers and move keys."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from services.identity import create_token, ensure_user
from store.tables import AuditEntry
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy

ADMIN_GROUPS = "/api/v1/admin/process-groups"


@pytest.fixture(autouse=True)
def english(server) -> None:  # type: ignore[no-untyped-def]
    """These tests read the refusals' English words (Chinese is the default)."""
    server.http.headers["Accept-Language"] = "en"


def _deploy_into(server, token, files, group):  # type: ignore[no-untyped-def]
    return server.post("/api/v1/definitions", token, data={"process_group": group},
                       files=[("files", (name, data)) for name, data in files.items()])


def _aftersales_with(server, fd, tokens, *usernames: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The group 'aftersales' with these new designers; their tokens."""
    made = server.post(ADMIN_GROUPS, tokens["admin"],
                       json={"name": "aftersales", "description": "售后流程"})
    assert made.status_code == 201, made.text
    out = {}
    for username in usernames:
        ensure_user(fd, username, ["designer"])
        out[username] = create_token(fd, username)
        added = server.call("PUT", f"{ADMIN_GROUPS}/aftersales/designers/{username}",
                            tokens["admin"])
        assert added.status_code == 200 and username in added.json()["designers"]
    return out


def _xml_status(server, token, definition_id: int) -> int:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/definitions/{definition_id}", token).status_code


def test_only_the_groups_designers_deploy_and_read_its_processes(server, fd, tokens) -> None:
    mine = _aftersales_with(server, fd, tokens, "designer2")["designer2"]
    files = bundle(RESOURCES / "three_steps")
    first = deploy(server, mine, files)  # their only group: the default
    assert first.status_code == 201, first.text
    listed = server.get("/api/v1/definitions", tokens["agent"]).json()  # the list stays open
    assert [(d["key"], d["process_group"]) for d in listed] == [("three_steps", "aftersales")]

    changed = dict(files, **{"extra.json": b'{"type": "object"}'})
    refused = deploy(server, tokens["designer"], changed)  # designs cs, not aftersales
    assert refused.status_code == 403
    assert "'aftersales'" in refused.json()["detail"] and "designer" in refused.json()["detail"]
    assert deploy(server, mine, changed).status_code == 201
    assert deploy(server, tokens["admin"], dict(changed, **{"x.json": b"{}"})).status_code == 201

    definition_id = first.json()["id"]
    assert _xml_status(server, tokens["designer"], definition_id) == 403
    assert _xml_status(server, tokens["agent"], definition_id) == 403
    assert _xml_status(server, mine, definition_id) == 200
    detail = server.get(f"/api/v1/definitions/{definition_id}", tokens["admin"]).json()
    assert detail["process_group"] == "aftersales" and "step_one" in detail["bpmn_xml"]


def test_a_new_process_goes_only_into_a_group_of_its_designer(server, fd, tokens) -> None:
    _aftersales_with(server, fd, tokens)
    parallel = bundle(RESOURCES / "parallel")
    into_other = _deploy_into(server, tokens["designer"], parallel, "aftersales")
    assert into_other.status_code == 403 and "'aftersales'" in into_other.json()["detail"]
    unknown = _deploy_into(server, tokens["designer"], parallel, "no-such-group")
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["process_group"]
    assert deploy(server, tokens["designer"], parallel).status_code == 201  # into cs
    moved_by_deploy = _deploy_into(server, tokens["admin"],
                                   dict(parallel, **{"x.json": b"{}"}), "aftersales")
    assert moved_by_deploy.status_code == 422  # the key is in cs: an admin moves it instead

    ensure_user(fd, "lonely", ["designer"])  # designs no group
    lonely = deploy(server, create_token(fd, "lonely"), bundle(RESOURCES / "three_steps"))
    assert lonely.status_code == 403 and "no process group" in lonely.json()["detail"]

    several = create_token(fd, "designer")  # designer of cs, now of aftersales too
    server.call("PUT", f"{ADMIN_GROUPS}/aftersales/designers/designer", tokens["admin"])
    ambiguous = deploy(server, several, bundle(RESOURCES / "three_steps"))
    assert ambiguous.status_code == 422 and "aftersales, cs" in ambiguous.json()["detail"]
    named = _deploy_into(server, several, bundle(RESOURCES / "three_steps"), "aftersales")
    assert named.status_code == 201


def test_admins_manage_groups_and_move_keys_audited(server, fd, tokens) -> None:
    mine = _aftersales_with(server, fd, tokens, "designer2")["designer2"]
    definition_id = deploy(server, tokens["designer"], bundle(RESOURCES / "three_steps")).json()["id"]
    assert _xml_status(server, mine, definition_id) == 403
    moved = server.call("PUT", "/api/v1/admin/process-keys/three_steps", tokens["admin"],
                        json={"process_group": "aftersales"})
    assert moved.status_code == 200 and moved.json() == {"key": "three_steps",
                                                          "process_group": "aftersales"}
    assert _xml_status(server, mine, definition_id) == 200
    assert _xml_status(server, tokens["designer"], definition_id) == 403
    groups = server.get(ADMIN_GROUPS, tokens["admin"]).json()
    assert [(g["name"], g["designers"], g["keys"]) for g in groups] == [
        ("aftersales", ["designer2"], ["three_steps"]), ("cs", ["designer"], [])]

    removed = server.call("DELETE", f"{ADMIN_GROUPS}/aftersales/designers/designer2",
                          tokens["admin"])
    assert removed.status_code == 204
    assert _xml_status(server, mine, definition_id) == 403
    again = server.call("DELETE", f"{ADMIN_GROUPS}/aftersales/designers/designer2",
                        tokens["admin"])
    assert again.status_code == 404

    with fd.uow(read_only=True) as uow:
        actions = list(uow.scalars(select(AuditEntry.__table__.c.action)
                                   .where(AuditEntry.__table__.c.action.like("process_%"),
                                          AuditEntry.__table__.c.actor == "admin")
                                   .order_by(AuditEntry.__table__.c.id)))
    assert actions == ["process_group.created", "process_group.designer_added",
                       "process_key.moved",
                       "process_group.designer_removed"]


def test_the_admin_api_refuses_in_words(server, fd, tokens) -> None:
    admin = tokens["admin"]
    assert server.get(ADMIN_GROUPS, tokens["designer"]).status_code == 403
    assert server.post(ADMIN_GROUPS, tokens["designer"], json={"name": "x"}).status_code == 403
    assert server.post(ADMIN_GROUPS, admin, json={"name": "a b/c"}).status_code == 422
    assert server.post(ADMIN_GROUPS, admin, json={"name": "cs"}).status_code == 409
    assert server.post(ADMIN_GROUPS, admin, json={"name": "售后"}).status_code == 201
    agent = server.call("PUT", f"{ADMIN_GROUPS}/cs/designers/agent", admin)
    assert agent.status_code == 422 and "designer role" in agent.json()["detail"]
    assert server.call("PUT", f"{ADMIN_GROUPS}/cs/designers/nobody", admin).status_code == 404
    assert server.call("PUT", f"{ADMIN_GROUPS}/nope/designers/designer", admin).status_code == 404
    assert server.call("PUT", "/api/v1/admin/process-keys/nothing_here", admin,
                       json={"process_group": "cs"}).status_code == 404
    deploy(server, admin, bundle(RESOURCES / "three_steps"))
    unknown = server.call("PUT", "/api/v1/admin/process-keys/three_steps", admin,
                          json={"process_group": "nope"})
    assert unknown.status_code == 422 and "'nope'" in unknown.json()["detail"]


def test_a_designer_lists_the_groups_a_new_process_may_go_into(server, fd, tokens) -> None:  # type: ignore[no-untyped-def]
    mine = "/api/v1/process-groups/mine"
    both = _aftersales_with(server, fd, tokens, "designer3")["designer3"]
    assert server.call("PUT", f"{ADMIN_GROUPS}/cs/designers/designer3",
                       tokens["admin"]).status_code == 200
    assert server.get(mine, both).json() == [
        {"name": "aftersales", "description": "售后流程"}, {"name": "cs", "description": "客服流程"}]
    assert [g["name"] for g in server.get(mine, tokens["designer"]).json()] == ["cs"]
    assert [g["name"] for g in server.get(mine, tokens["admin"]).json()] == ["aftersales", "cs"]
    assert server.get(mine, tokens["agent"]).status_code == 403
    # what the list offers is what deploying a new process needs from a designer of several
    files = bundle(RESOURCES / "three_steps")
    assert deploy(server, both, files).status_code == 422
    placed = _deploy_into(server, both, files, "aftersales")
    assert placed.status_code == 201, placed.text
    detail = server.get(f"/api/v1/definitions/{placed.json()['id']}", both).json()
    assert detail["process_group"] == "aftersales"
