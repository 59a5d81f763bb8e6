"""Single sign-on against a small OpenID Connect provider on 127.0.0.1 (tests/oidc_provider.py),
driven with real HTTP: a browser-like requests.Session follows every redirect from Flowdesk's
/login/oidc to the provider and back to /login/oidc/callback."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from services.identity import ensure_user, set_active, set_password
from services.principal import system
from store.tables import AuditEntry, UserIdentity
from tests.oidc_provider import OidcProvider
from tests.waiting import DEADLINE
from web.app import create_app

WHO = "/api/v1/auth/session"


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    started = OidcProvider().start()
    yield started
    started.stop()


@pytest.fixture
def app(database_url: str, tmp_path, provider: OidcProvider):  # type: ignore[no-untyped-def]
    """The whole site (pages too), with single sign-on at the test's provider."""
    application = create_app({"database_url": database_url, "testing": True,
                              "secrets_key_file": str(tmp_path / "secrets.key"),
                              "oidc_issuer": provider.issuer,
                              "oidc_client_id": provider.client_id,
                              "oidc_client_secret": provider.client_secret})
    yield application
    application.extensions["flowdesk"].dispose()


def _sign_on(server, next_page: str = "") -> tuple[requests.Session, requests.Response]:  # type: ignore[no-untyped-def]
    browser = requests.Session()
    query = f"?next={next_page}" if next_page else ""
    answer = browser.get(server.base + "/login/oidc" + query, timeout=DEADLINE)
    return browser, answer


def _audit(fd, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    table = AuditEntry.__table__
    with fd.uow(read_only=True) as uow:
        rows = uow.execute(select(table.c.actor, table.c.before, table.c.after)
                           .where(table.c.action == action).order_by(table.c.id)).all()
    return [{"actor": r.actor, "before": r.before, "after": r.after} for r in rows]


def test_the_sign_in_page_offers_single_sign_on(server) -> None:  # type: ignore[no-untyped-def]
    page = requests.get(server.base + "/login", timeout=DEADLINE)
    assert page.status_code == 200 and "使用单点登录" in page.text
    assert 'href="/login/oidc?next=' in page.text
    english = requests.get(server.base + "/login?lang=en", timeout=DEADLINE)
    assert "Sign in with single sign-on" in english.text


def test_groups_come_from_the_claim_and_follow_it_on_every_sign_in(server, fd, provider) -> None:  # type: ignore[no-untyped-def]
    provider.user["groups"] = ["Agent", "AfterSales"]
    browser, answer = _sign_on(server, "/inbox?view=overdue")
    assert answer.status_code == 200, answer.text
    assert answer.url == server.base + "/inbox?view=overdue"  # back where the user was going
    asked = provider.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and asked["nonce"] and asked["state"]
    me = browser.get(server.base + WHO, timeout=DEADLINE).json()
    assert me["username"] == "li.lei" and me["roles"] == ["staff"]
    assert me["groups"] == ["AfterSales", "Agent"]
    with fd.uow(read_only=True) as uow:
        identity = uow.execute(select(UserIdentity.__table__)).mappings().one()
    assert (identity["issuer"], identity["subject"]) == (provider.issuer, "u-1001")
    assert _audit(fd, "user.created")[0]["after"]["via"] == "oidc"

    provider.user["groups"] = ["Agent", "ComplaintGroup"]
    provider.user["preferred_username"] = "renamed"  # the stable key is issuer + sub
    again, answer = _sign_on(server)
    assert answer.status_code == 200, answer.text
    me = again.get(server.base + WHO, timeout=DEADLINE).json()
    assert me["username"] == "li.lei" and me["groups"] == ["Agent", "ComplaintGroup"]
    synced = _audit(fd, "user.groups_synced")
    assert synced[-1]["before"]["groups"] == ["AfterSales", "Agent"]
    assert synced[-1]["after"]["groups"] == ["Agent", "ComplaintGroup"]
    assert len(_audit(fd, "session.started")) == 2


def test_an_existing_name_is_not_taken_over(server, fd, provider) -> None:  # type: ignore[no-untyped-def]
    ensure_user(fd, "li.lei", ["admin", "staff"], ["Supervisor"])
    browser, answer = _sign_on(server)
    assert answer.status_code == 200, answer.text
    me = browser.get(server.base + WHO, timeout=DEADLINE).json()
    assert me["username"] == "li.lei-2" and me["roles"] == ["staff"]
    assert me["groups"] == ["Agent"]


def test_roles_follow_a_roles_claim_when_configured(server, fd, provider, app) -> None:  # type: ignore[no-untyped-def]
    app.extensions["flowdesk"].settings.oidc_roles_claim = "roles"
    provider.user["roles"] = ["supervisor", "staff", "root"]  # unknown roles are ignored
    browser, answer = _sign_on(server)
    assert answer.status_code == 200, answer.text
    assert browser.get(server.base + WHO, timeout=DEADLINE).json()["roles"] == [
        "staff", "supervisor"]
    provider.user["roles"] = ["staff"]
    browser, answer = _sign_on(server)
    assert browser.get(server.base + WHO, timeout=DEADLINE).json()["roles"] == ["staff"]
    assert _audit(fd, "user.roles_synced")[-1]["before"]["roles"] == ["staff", "supervisor"]


@pytest.mark.parametrize("tamper, reason", [
    ({"nonce": "not-the-one-we-sent"}, "invalid ID token"),
    ({"aud": "another-client"}, "invalid ID token"),
    ({"iss": "http://127.0.0.1:1/elsewhere"}, "invalid ID token"),
    ({"exp": int(time.time()) - 3600}, "invalid ID token"),
    ("stranger", "invalid ID token"),
    ("deny", "provider refused: access_denied"),
])
def test_a_token_that_does_not_check_out_signs_nobody_in(server, fd, provider, tamper,  # type: ignore[no-untyped-def]
                                                         reason) -> None:
    if tamper == "stranger":
        provider.sign_with_stranger = True
    elif tamper == "deny":
        provider.deny = True
    else:
        provider.extra_claims.update(tamper)
    browser, answer = _sign_on(server)
    assert answer.status_code in (400, 401), answer.status_code
    assert answer.url.startswith(server.base + "/login/oidc/callback")
    said = "拒绝了本次登录" if tamper == "deny" else "未通过验证"
    assert said in answer.text.split('role="alert"')[1].split("</div>")[0]
    assert browser.get(server.base + WHO, timeout=DEADLINE).status_code == 401
    assert [a["after"]["reason"] for a in _audit(fd, "session.sign_in_failed")] == [reason]
    assert _audit(fd, "session.started") == [] and _audit(fd, "user.created") == []


def test_a_wrong_state_is_refused(server, fd, provider) -> None:  # type: ignore[no-untyped-def]
    browser = requests.Session()
    first = browser.get(server.base + "/login/oidc", allow_redirects=False, timeout=DEADLINE)
    assert first.status_code == 302 and first.headers["Location"].startswith(provider.issuer)
    at_provider = browser.get(first.headers["Location"], allow_redirects=False,
                              timeout=DEADLINE)
    back = at_provider.headers["Location"]
    forged = back.replace("state=", "state=forged")
    answer = browser.get(forged, timeout=DEADLINE)
    assert answer.status_code == 400 and "请重新登录" in answer.text
    replay = requests.get(back, timeout=DEADLINE)  # another browser, no state of its own
    assert replay.status_code == 400
    assert browser.get(server.base + WHO, timeout=DEADLINE).status_code == 401
    assert {a["after"]["reason"] for a in _audit(fd, "session.sign_in_failed")} == {
        "state does not match"}


def test_a_disabled_user_is_refused(server, fd, provider) -> None:  # type: ignore[no-untyped-def]
    browser, answer = _sign_on(server)
    assert answer.status_code == 200, answer.text
    set_active(fd, "li.lei", False, system("tests", "admin"))
    again, answer = _sign_on(server)
    assert answer.status_code == 403 and "已停用" in answer.text
    assert again.get(server.base + WHO, timeout=DEADLINE).status_code == 401
    assert browser.get(server.base + WHO, timeout=DEADLINE).status_code == 401
    assert _audit(fd, "session.sign_in_failed")[-1]["after"]["reason"] == "disabled"


def test_the_provider_down_is_a_message_not_a_server_error(server, fd, provider) -> None:  # type: ignore[no-untyped-def]
    provider.stop()
    browser, answer = _sign_on(server)
    assert answer.status_code == 400 and "暂时无法连接单点登录服务" in answer.text
    assert _audit(fd, "session.sign_in_failed")[-1]["after"]["reason"] == "provider unreachable"


def test_password_sign_in_still_works_beside_it(server, fd, tokens) -> None:  # type: ignore[no-untyped-def]
    set_password(fd, "agent", "correct horse")
    browser = requests.Session()
    page = browser.get(server.base + "/login", timeout=DEADLINE)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = browser.post(server.base + "/login", data={
        "csrf_token": csrf, "username": "agent", "password": "correct horse"},
        timeout=DEADLINE)
    assert answer.status_code == 200 and answer.url == server.base + "/inbox"
    assert browser.get(server.base + WHO, timeout=DEADLINE).json()["username"] == "agent"


def test_without_an_issuer_nothing_changes(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    plain = create_app({"database_url": database_url, "testing": True,
                        "secrets_key_file": str(tmp_path / "k"), "oidc_issuer": ""})
    try:
        client = plain.test_client()
        assert "单点登录" not in client.get("/login").get_data(as_text=True)
        assert client.get("/login/oidc").status_code == 404
        assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404
    finally:
        plain.extensions["flowdesk"].dispose()
