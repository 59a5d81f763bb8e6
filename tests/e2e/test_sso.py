"""Single sign-on in the browser: the sign-in page's button, the small OIDC provider on
127.0.0.1 (tests/oidc_provider.py), and back in the inbox as the provider's user."""
from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.e2e.conftest import Live, ShiftableClock
from tests.oidc_provider import OidcProvider


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    started = OidcProvider().start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def live(e2e_template: Path, tmp_path_factory: pytest.TempPathFactory,  # type: ignore[no-untyped-def]
         provider: OidcProvider) -> Iterator[Live]:
    """The site with single sign-on at the test's provider (no processes, no users yet)."""
    from web.app import create_app

    path = tmp_path_factory.mktemp("e2e-sso") / "flowdesk.db"
    shutil.copy(e2e_template, path)
    clock = ShiftableClock()
    app = create_app({"database_url": f"sqlite:///{path}", "testing": True,
                      "oidc_issuer": provider.issuer, "oidc_client_id": provider.client_id,
                      "oidc_client_secret": provider.client_secret}, clock=clock)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    server = Live(f"http://127.0.0.1:{httpd.server_port}", app, clock)
    yield server
    server.http.close()
    httpd.shutdown()
    thread.join(timeout=5)
    app.extensions["flowdesk"].dispose()


def test_the_button_signs_in_through_the_provider(page, provider) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    provider.user = {"sub": "e2e-7", "preferred_username": "han.meimei", "name": "韩梅梅",
                     "groups": ["Agent"]}
    page.goto("/login")
    page.get_by_role("link", name="使用单点登录").click()
    page.wait_for_url("**/inbox**")
    expect(page.locator(".whoami .username")).to_have_text("han.meimei")
    expect(page.locator('#task-list[aria-busy="false"], #error:not([hidden])')).not_to_have_count(0)


def test_a_refused_sign_on_comes_back_with_a_message(page, provider) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    provider.deny = True
    try:
        page.goto("/login?lang=en")
        page.get_by_role("link", name="Sign in with single sign-on").click()
        expect(page.get_by_role("alert")).to_contain_text("refused this sign-in")
        expect(page.get_by_label("Username")).to_be_visible()  # the password form is still there
    finally:
        provider.deny = False
