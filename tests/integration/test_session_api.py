"""Password sign-in for a session cookie, and the CSRF token that changes need with it."""
from __future__ import annotations

import requests

from services.identity import set_password
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy


def test_a_session_needs_its_csrf_token_for_changes(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).ok
    set_password(fd, "agent", "correct horse")
    browser = requests.Session()
    base = server.base + "/api/v1"
    assert browser.get(base + "/tasks").status_code == 401
    wrong = browser.post(base + "/auth/session", json={"username": "agent", "password": "nope"})
    assert wrong.status_code == 401
    signed = browser.post(base + "/auth/session",
                          json={"username": "agent", "password": "correct horse"})
    assert signed.status_code == 200, signed.text
    csrf = signed.json()["csrf_token"]
    assert signed.json()["groups"] == ["Agent"]
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie

    started = browser.post(base + "/instances", json={"process_key": "three_steps"})
    assert started.status_code == 403  # a change without the token: refused, nothing started
    assert server.get("/api/v1/instances", tokens["admin"]).json()["total"] == 0
    started = browser.post(base + "/instances", json={"process_key": "three_steps"},
                           headers={"X-CSRF-Token": csrf})
    assert started.status_code == 201, started.text
    task_id = started.json()["open_tasks"][0]["id"]
    assert browser.get(base + f"/tasks/{task_id}").status_code == 200  # reads need no token
    assert browser.post(base + f"/tasks/{task_id}/claim",
                        headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert browser.post(base + f"/tasks/{task_id}/claim",
                        headers={"X-CSRF-Token": csrf}).status_code == 200

    assert browser.delete(base + "/auth/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert browser.get(base + "/tasks").status_code == 401


def test_passwords_are_checked_and_stored_hashed(fd, tokens) -> None:  # type: ignore[no-untyped-def]
    import pytest
    from sqlalchemy import select

    from services.errors import Invalid
    from store.tables import User
    with pytest.raises(Invalid):
        set_password(fd, "agent", "short")
    set_password(fd, "agent", "long enough")
    with fd.uow(read_only=True) as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "agent"))
    assert stored.startswith("scrypt$") and "long enough" not in stored
