"""The reports and admin pages name things as people read them, on SQLite and PostgreSQL: the
reports page's agent filter shows display names (and still filters by username), and its
processes, like the definitions the admin pages list, are in English on English pages where
the process's catalogue has an English name (Chinese stays the model's own)."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from services.identity import ensure_user, set_password
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import deploy
from web.app import create_app

EN = {"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.5"}


@pytest.fixture
def app(database_url: str, tmp_path) -> Iterator:  # type: ignore[no-untyped-def]
    """The whole site, pages too."""
    application = create_app({"database_url": database_url, "testing": True,
                              "secrets_key_file": str(tmp_path / "secrets.key")})
    yield application
    application.extensions["flowdesk"].dispose()


def _signed_in(app, username: str, password: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    answer = client.post("/login", data={"csrf_token": token, "username": username,
                                         "password": password})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return client


def _options(html: str, select_id: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)">([^<]*)</option>', select)


def test_report_filters_show_names_in_the_page_language(app, fd, server, tokens) -> None:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(PROCESSES / "complaint-handling")).ok
    ensure_user(fd, "li.wei", ["supervisor", "staff"], ["Agent"], display_name="李伟")
    set_password(fd, "li.wei", "li-wei-pass-2026")
    client = _signed_in(app, "li.wei", "li-wei-pass-2026")

    chinese = client.get("/reports?lang=zh").get_data(as_text=True)
    agents = _options(chinese, "f-agent")
    assert ("li.wei", "李伟") in agents and ("agent", "agent") in agents  # no name: the username
    assert ("complaint_handling", "投诉处理") in _options(chinese, "f-process")
    english = client.get("/reports?lang=en").get_data(as_text=True)
    assert ("complaint_handling", "Complaint handling") in _options(english, "f-process")
    assert ("li.wei", "李伟") in _options(english, "f-agent")  # a person's name is theirs

    # the admin pages name processes from the definitions list, in the request's language
    named = {d["key"]: d["name"] for d in server.get("/api/v1/definitions", tokens["admin"],
                                                     headers=EN).json()}
    assert named["complaint_handling"] == "Complaint handling"
    every = server.get("/api/v1/definitions?all_versions=true", tokens["admin"], headers=EN)
    assert [d["name"] for d in every.json()] == ["Complaint handling"]
    assert every.json()[0]["files"]  # the list keeps its file names
    chinese_list = server.get("/api/v1/definitions", tokens["admin"]).json()
    assert [d["name"] for d in chinese_list] == ["投诉处理"]
