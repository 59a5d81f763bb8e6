"""Input that parses but cannot be stored or walked is a 4xx naming where it is, never a 500:
JSON nested deeper than the server walks, text holding U+0000 (PostgreSQL's text cannot) or a
lone UTF-16 surrogate (not UTF-8 at all), in a body, a query string or a path."""
from __future__ import annotations

import json

import pytest

from web.app import create_app

JSON = {"Content-Type": "application/json"}


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    """The problem details of a requests or a Flask test client response."""
    text = response.get_data(as_text=True) if hasattr(response, "get_data") else response.text
    assert response.status_code == status, text
    assert response.headers["Content-Type"] == "application/problem+json"
    return json.loads(text)


@pytest.mark.parametrize("depth", [200, 5000, 100_000])
def test_json_nested_too_deeply_is_400_in_words(server, tokens, depth: int) -> None:  # type: ignore[no-untyped-def]
    for body in ('{"name": "x", "code": ' + "[" * depth + "]" * depth + "}",
                 '{"code": "C", "name": ' + '{"a": ' * depth + "1" + "}" * depth + "}"):
        response = server.post("/api/v1/customers", tokens["agent"], data=body, headers=JSON)
        problem = _problem(response, 400)
        assert problem["errors"][0]["location"] == "json"
        assert "嵌套" in problem["errors"][0]["message"]


def test_json_nested_as_deep_as_a_form_needs_is_fine(server, tokens) -> None:  # type: ignore[no-untyped-def]
    nested = '{"a": ' * 30 + "1" + "}" * 30
    response = server.post("/api/v1/customers", tokens["agent"], headers=JSON,
                           data='{"code": "C-30", "name": "甲", "notes": "' + "x" + '"}')
    assert response.status_code == 201, response.text
    # a deep but reasonable value in a body that takes any JSON (a what-if with variables)
    too = server.post("/api/v1/me/subscriptions", tokens["agent"], headers=JSON,
                      data='{"channel": "in_app", "events": ["incident"], "target": ' + nested + "}")
    assert too.status_code == 201, too.text


@pytest.mark.parametrize("text", ["\\u0000", "a\\u0000b", "\\ud800", "x\\udfff"])
def test_text_that_cannot_be_stored_is_422_naming_the_field(server, tokens, text: str) -> None:  # type: ignore[no-untyped-def]
    body = '{"code": "C-1", "name": "' + text + '", "notes": "fine"}'
    problem = _problem(server.post("/api/v1/customers", tokens["agent"], data=body,
                                   headers=JSON), 422)
    assert [e["field"] for e in problem["errors"]] == ["name"]
    nested = '{"channel": "in_app", "events": ["incident"], "target": {"a": ["ok", "' + text + '"]}}'
    problem = _problem(server.post("/api/v1/me/subscriptions", tokens["agent"], data=nested,
                                   headers=JSON), 422)
    assert [e["field"] for e in problem["errors"]] == ["target/a/1"]
    assert server.get("/api/v1/customers?q=C-1", tokens["agent"]).json()["total"] == 0


def test_a_nul_in_a_query_or_path_is_4xx(server, tokens) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    problem = _problem(server.get("/api/v1/customers?q=a%00b", admin), 422)
    assert [e["field"] for e in problem["errors"]] == ["q"]
    for path in ("/api/v1/admin/calendars/a%00b", "/api/v1/admin/sla-policies/a%00b"):
        response = server.get(path, admin)
        assert 400 <= response.status_code < 500, (path, response.text)


def test_a_nul_in_a_sign_in_name_is_a_failed_sign_in(database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    site = create_app({"database_url": database_url, "testing": True,
                       "secrets_key_file": str(tmp_path / "secrets.key")})
    try:
        browser = site.test_client()
        page = browser.get("/login").get_data(as_text=True)
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        answer = browser.post("/login", data={"csrf_token": csrf, "username": "age\x00nt",
                                              "password": "whatever"})
        assert answer.status_code == 401, answer.get_data(as_text=True)[:300]
        api = browser.post("/api/v1/auth/session", json={"username": "a\x00", "password": "x"})
        assert _problem(api, 422)["errors"][0]["field"] == "username"
    finally:
        site.extensions["flowdesk"].dispose()
