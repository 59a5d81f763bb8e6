"""Access that is taken back stops at once: a signed-out session cookie replayed, a disabled
user's token, a revoked or expired token all get a 401 on the very next request, on every
node sharing the database (no waiting). Admins do it through the API, audited."""
from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import select

from api.app import create_app
from services.api_tokens import create_token, list_tokens, revoke_token
from services.identity import set_active, set_password
from store.tables import AuditEntry

TASKS = "/api/v1/tasks"
SESSION = "/api/v1/auth/session"


def _signed_in(server, fd, username: str = "agent") -> tuple[requests.Session, str]:  # type: ignore[no-untyped-def]
    set_password(fd, username, "correct horse")
    browser = requests.Session()
    answer = browser.post(server.base + SESSION,
                          json={"username": username, "password": "correct horse"})
    assert answer.status_code == 200, answer.text
    return browser, answer.json()["csrf_token"]


def _actions(fd) -> list[str]:  # type: ignore[no-untyped-def]
    table = AuditEntry.__table__
    with fd.uow(read_only=True) as uow:
        return list(uow.scalars(select(table.c.action).order_by(table.c.id)))


def test_a_cookie_replayed_after_sign_out_is_refused(server, fd, tokens) -> None:  # type: ignore[no-untyped-def]
    browser, csrf = _signed_in(server, fd)
    cookie = browser.cookies.get("flowdesk_session")
    assert browser.get(server.base + TASKS).status_code == 200
    assert browser.delete(server.base + SESSION,
                          headers={"X-CSRF-Token": csrf}).status_code == 204
    replay = requests.get(server.base + TASKS, cookies={"flowdesk_session": cookie},
                          headers={"Accept-Language": "en"})
    assert replay.status_code == 401, replay.text
    assert "sign in again" in replay.json()["detail"]
    assert _actions(fd)[-2:] == ["session.started", "session.ended"]


def test_disabling_a_user_stops_their_token_and_session_on_the_next_request(server, fd, tokens) -> None:  # type: ignore[no-untyped-def]
    browser, _ = _signed_in(server, fd)
    agent = tokens["agent"]
    assert server.get(TASKS, agent).status_code == 200  # warm, as a busy node would be
    answer = server.post("/api/v1/admin/users/agent/disable", tokens["admin"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False
    assert server.get(TASKS, agent).status_code == 401
    assert browser.get(server.base + TASKS).status_code == 401
    assert "user.disabled" in _actions(fd)

    assert server.post("/api/v1/admin/users/agent/enable", tokens["admin"]).status_code == 200
    assert server.get(TASKS, agent).status_code == 200  # the token works again
    assert browser.get(server.base + TASKS).status_code == 401  # the session does not
    assert server.post("/api/v1/admin/users/agent/disable",
                       tokens["agent"]).status_code == 403  # admins only
    assert server.post("/api/v1/admin/users/ghost/disable", tokens["admin"]).status_code == 404


def test_a_revoked_token_is_refused_on_every_node_at_once(server, fd, tokens, database_url) -> None:  # type: ignore[no-untyped-def]
    other_node = create_app({"database_url": database_url, "testing": True})
    try:
        client = other_node.test_client()
        auth = {"Authorization": f"Bearer {tokens['agent']}"}
        assert client.get(TASKS, headers=auth).status_code == 200
        listed = server.get("/api/v1/admin/tokens?username=agent", tokens["admin"])
        assert listed.status_code == 200, listed.text
        [token] = listed.json()
        assert token["state"] == "active" and "token" not in token and "token_hash" not in token
        revoked = server.post(f"/api/v1/admin/tokens/{token['id']}/revoke", tokens["admin"])
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["state"] == "revoked"
        assert client.get(TASKS, headers=auth).status_code == 401
        assert server.get(TASKS, tokens["agent"]).status_code == 401
        assert "token.revoked" in _actions(fd)
    finally:
        other_node.extensions["flowdesk"].dispose()


def test_an_expired_token_is_refused(server, fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    made = server.post("/api/v1/admin/tokens", tokens["admin"],
                       json={"username": "agent", "name": "laptop", "expires_in": "1h"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert made.json()["expires_at"].startswith("2026-01-05T10:00")
    assert server.get(TASKS, token).status_code == 200
    clock.advance(minutes=59)
    assert server.get(TASKS, token).status_code == 200
    clock.advance(minutes=1)
    assert server.get(TASKS, token).status_code == 401
    assert [t["state"] for t in list_tokens(fd, "agent")] == ["expired", "active"]
    bad = server.post("/api/v1/admin/tokens", tokens["admin"],
                      json={"username": "agent", "expires_in": "soon"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "expires_in"


def test_services_take_access_back_without_http(fd, tokens) -> None:  # type: ignore[no-untyped-def]
    from services.authentication import principal_for_token
    token = create_token(fd, "agent2", "x", expires_in=timedelta(days=30))
    assert principal_for_token(fd, token).username == "agent2"
    assert set_active(fd, "agent2", False) is True
    assert set_active(fd, "agent2", False) is False  # already
    assert principal_for_token(fd, token) is None
    set_active(fd, "agent2", True)
    token_id = list_tokens(fd, "agent2")[0]["id"]
    assert revoke_token(fd, token_id) is True and revoke_token(fd, token_id) is False
    assert principal_for_token(fd, token) is None


def test_a_token_shows_when_it_was_last_used_without_a_write_per_request(server, fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    """last_used_at is written when the lookup finds it older than TOUCH_EVERY (or never
    set): once for a burst of requests, again after a few minutes."""
    from services.authentication import TOUCH_EVERY
    admin = tokens["admin"]
    agent_id = list_tokens(fd, "agent")[0]["id"]
    assert list_tokens(fd, "agent")[0]["last_used_at"] is None
    first = clock.now()
    assert server.get(TASKS, tokens["agent"]).status_code == 200
    writes = []
    fd.db.observers.append(writes.append)
    try:
        clock.advance(minutes=1)
        for _ in range(3):
            assert server.get(TASKS, tokens["agent"]).status_code == 200
    finally:
        fd.db.observers.remove(writes.append)
    assert not any(unit.committed for unit in writes)  # reads only: no write per request
    listed = server.get("/api/v1/admin/tokens?username=agent", admin).json()
    assert [(t["id"], t["last_used_at"]) for t in listed] == [(agent_id, first.isoformat())]
    clock.advance(seconds=TOUCH_EVERY.total_seconds())
    assert server.get(TASKS, tokens["agent"]).status_code == 200
    assert list_tokens(fd, "agent")[0]["last_used_at"] == clock.now()
