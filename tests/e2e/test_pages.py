"""The pages' server side without a browser: CSRF on the forms, redirects, headers, language."""
from __future__ import annotations

import re

from .conftest import AGENT, AGENT_PASSWORD


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_login_form_needs_the_session_csrf_token(live):  # type: ignore[no-untyped-def]
    client = live.app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    refused = client.post("/login", data={"csrf_token": "forged", "username": AGENT,
                                          "password": AGENT_PASSWORD})
    assert refused.status_code == 400
    assert "页面已过期" in refused.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302  # still signed out
    ok = client.post("/login", data={"csrf_token": token, "username": AGENT,
                                     "password": AGENT_PASSWORD})
    assert ok.status_code == 303 and ok.location == "/inbox"
    page = client.get("/inbox").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    assert meta != token  # signing in made a new token
    # the API takes the cookie; a change needs the header
    assert client.get("/api/v1/tasks").status_code == 200
    assert client.post("/api/v1/tasks/999/claim").status_code == 403
    assert client.post("/api/v1/tasks/999/claim", headers={"X-CSRF-Token": meta}).status_code == 404
    # signing out needs the token too
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 303
    assert client.get("/inbox").status_code == 200
    assert client.post("/logout", data={"csrf_token": meta}).status_code == 303
    assert client.get("/inbox").status_code == 302


def test_next_is_only_a_local_path(live):  # type: ignore[no-untyped-def]
    for target, expected in [("/inbox?view=overdue", "/inbox?view=overdue"),
                             ("https://evil.example/", "/inbox"), ("//evil.example", "/inbox"),
                             ("/\\evil.example", "/inbox")]:
        client = live.app.test_client()
        token = _csrf(client.get("/login").get_data(as_text=True))
        answer = client.post("/login", data={"csrf_token": token, "username": AGENT,
                                             "password": AGENT_PASSWORD, "next": target})
        assert answer.location == expected, target


def test_pages_have_a_strict_content_security_policy(live):  # type: ignore[no-untyped-def]
    answer = live.app.test_client().get("/login")
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["Cache-Control"] == "no-store"
    assert "<script>" not in answer.get_data(as_text=True)  # no inline script anywhere


def test_language_from_query_then_cookie(live):  # type: ignore[no-untyped-def]
    client = live.app.test_client()
    assert '<html lang="zh-CN">' in client.get("/login").get_data(as_text=True)
    english = client.get("/login?lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "lang=en" in english.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in client.get("/login?lang=zh").get_data(as_text=True)
    assert '<html lang="zh-CN">' in client.get("/login?lang=fr").get_data(as_text=True)


def test_the_sign_in_page_says_when_to_try_again(live):  # type: ignore[no-untyped-def]
    from services.identity import ensure_user, set_password
    ensure_user(live.fd, "lu", ["staff"], ["Agent"])
    set_password(live.fd, "lu", "lu-pass-2026")
    client = live.app.test_client()
    form = {"csrf_token": _csrf(client.get("/login?lang=en").get_data(as_text=True)),
            "username": "lu", "password": "guess"}
    from services import sign_in_throttle
    assert client.post("/login", data=form).status_code == 401
    for _ in range(9):  # ten failures from this address: a wait of 64 s (real time here)
        sign_in_throttle.record_failure(live.fd, "lu", "127.0.0.1")
    answer = client.post("/login", data={**form, "password": "lu-pass-2026"})
    assert answer.status_code == 429
    text = answer.get_data(as_text=True)
    assert "Too many wrong passwords for this name from your address" in text
    assert re.search(r"try again in (6[0-4]) second", text), text
    assert client.get("/inbox").status_code == 302  # not signed in


def test_the_sign_in_page_says_when_an_address_tried_too_many_names(live):  # type: ignore[no-untyped-def]
    from sqlalchemy import delete

    from services import sign_in_throttle
    from store.tables import SignInFailure

    def forget_this_address() -> None:  # the module's other tests sign in from here too
        table = SignInFailure.__table__
        with live.fd.uow() as uow:
            uow.execute(delete(table).where(table.c.client == "127.0.0.1"))

    client = live.app.test_client()
    form = {"csrf_token": _csrf(client.get("/login").get_data(as_text=True)),
            "username": "never-tried", "password": "guess"}
    forget_this_address()
    try:
        for i in range(8):  # eight names from this address: every name waits 4 s (real time)
            sign_in_throttle.record_failure(live.fd, f"sprayed{i}", "127.0.0.1")
        answer = client.post("/login", data=form)
        assert answer.status_code == 429
        text = answer.get_data(as_text=True)
        assert "从您的地址输错多个用户名的密码次数过多" in text
        assert re.search(r"请 [1-4] 秒后再试", text), text
    finally:
        forget_this_address()


def test_pages_name_their_icon(live):  # type: ignore[no-untyped-def]
    client = live.app.test_client()
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page).group(1)
    # inline, so the browser asks for no /favicon.ico (a 404) and no file it could abandon
    assert href.startswith("data:image/svg+xml,") and "%3Csvg" in href
