"""Browser tests: a live server of ``web.app.create_app`` on a fresh migrated SQLite database,
driven by Playwright through Debian's chromium (headless).

Needs ``scripts/e2e_deps.sh`` (chromium + playwright). Without them every test here is
skipped, unless ``FLOWDESK_REQUIRE_E2E=1``: then they fail. ``FLOWDESK_CHROMIUM`` overrides
the browser path (default /usr/bin/chromium).

Each test module gets its own server and database (``live``), seeded with the
complaint-handling process, an admin (bearer token, for arranging data over the API) and
the staff user ``agent`` (group Agent) with a password, who signs in through the pages.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from host.migrate import upgrade
from tests.conftest import PROCESSES, RESOURCES
from tests.waiting import DEADLINE

CHROMIUM = os.environ.get("FLOWDESK_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("FLOWDESK_REQUIRE_E2E") == "1"
HERE = Path(__file__).resolve().parent
# Every run takes the screenshots; they replace the README's (docs/screenshots) only when asked
# with FLOWDESK_UPDATE_SCREENSHOTS=1, so a test run leaves the working tree clean.
SCREENSHOTS = (HERE.parent.parent / "docs" / "screenshots"
               if os.environ.get("FLOWDESK_UPDATE_SCREENSHOTS") == "1"
               else Path(tempfile.gettempdir()) / "flowdesk-e2e-screenshots")

AGENT, AGENT_PASSWORD = "agent", "agent-pass-2026"
ADMIN = "admin"
# How long a Playwright action or expect() may wait for its condition before failing: a last
# resort against hanging, generous because a loaded 2-core machine renders many times slower
# than a quiet one. Tests wait on what the page shows, never on a fixed sleep.
WAIT_MS = int(DEADLINE * 1000)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives a real browser (tests/e2e)")


# The test server is werkzeug's: when the browser drops a connection while a static file is
# being sent (a page left while its diagram's CSS still loads), werkzeug leaves the file to the
# garbage collector, whose ResourceWarning would fail whichever test runs then. Flowdesk serves
# with granian; this one warning of the test server is not the product's.
STATIC_FILE_LEFT_OPEN = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io.(FileIO|BufferedReader) name='[^']*/web/static/"
    r":pytest.PytestUnraisableExceptionWarning")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(STATIC_FILE_LEFT_OPEN)


try:
    from playwright.sync_api import expect as _expect
    _expect.set_options(timeout=WAIT_MS)
except ImportError:  # _e2e_available skips (or fails) every test
    pass


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed in .venv"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no chromium at {CHROMIUM}"
    return None


@pytest.fixture(scope="session", autouse=True)
def _e2e_available() -> None:
    missing = _missing()
    if missing:
        message = f"browser tests need chromium and playwright: {missing} (run scripts/e2e_deps.sh)"
        if REQUIRED:
            pytest.fail(message + "; FLOWDESK_REQUIRE_E2E=1 makes this an error", pytrace=False)
        pytest.skip(message)


# --- the live server --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def e2e_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("e2e-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


class ShiftableClock:
    """The real time, optionally shifted: arranging a case 'started hours ago' for SLA states."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


class Live:
    """The running server, its Flowdesk context and an admin API client for arranging data."""

    def __init__(self, base: str, app, clock: ShiftableClock) -> None:  # type: ignore[no-untyped-def]
        self.base = base
        self.app = app
        self.clock = clock
        self.fd = app.extensions["flowdesk"]
        self.http = requests.Session()
        self.admin_token = ""

    def api(self, method: str, path: str, token: str | None = None, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        response = self.http.request(method, f"{self.base}/api/v1{path}", headers=headers,
                                     timeout=DEADLINE, **kw)
        return response

    def ok(self, method: str, path: str, **kw) -> dict:  # type: ignore[no-untyped-def]
        response = self.api(method, path, **kw)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else {}

    def start_complaint(self, business_key: str, customer_id: int | None = None) -> dict:
        """Start a complaint case; returns the instance with its first task's id as 'task_id'."""
        body: dict = {"process_key": "complaint_handling", "business_key": business_key}
        if customer_id:
            body["customer_id"] = customer_id
        instance = self.ok("POST", "/instances", json=body)
        instance["task_id"] = instance["open_tasks"][0]["id"]
        return instance

    def started_ago(self, business_key: str, hours: float, customer_id: int | None = None) -> dict:
        """A complaint case as if it had been started ``hours`` ago."""
        self.clock.offset = -timedelta(hours=hours)
        try:
            return self.start_complaint(business_key, customer_id)
        finally:
            self.clock.offset = timedelta(0)

    def task(self, task_id: int) -> dict:
        return self.ok("GET", f"/tasks/{task_id}")

    def fire_due_work(self) -> None:
        """What the ticker would do: fire due SLA warnings/breaches and timers now."""
        from services.due_runner import run_due
        run_due(self.fd)


def _create_users(fd) -> str:  # type: ignore[no-untyped-def]
    """The lead's identity services: users, groups, a token for the admin, the agent's password."""
    from services.identity import create_token, ensure_user, set_password
    ensure_user(fd, ADMIN, ["admin", "designer", "supervisor", "staff"], ["Agent", "Supervisor"])
    ensure_user(fd, AGENT, ["staff"], ["Agent"], display_name="Agent Li")
    set_password(fd, AGENT, AGENT_PASSWORD)
    return create_token(fd, ADMIN, "e2e")


@pytest.fixture(scope="module")
def live(e2e_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from services.definitions import deploy_path
    from web.app import create_app

    path = tmp_path_factory.mktemp("e2e") / "flowdesk.db"
    shutil.copy(e2e_template, path)
    clock = ShiftableClock()
    app = create_app({"database_url": f"sqlite:///{path}", "testing": True}, clock=clock)
    fd = app.extensions["flowdesk"]
    # without its tests/: a version deployed before versions kept their scenario files (the
    # designer's coverage then runs the server's process folder, test_designer_coverage.py)
    deploy_path(fd, PROCESSES / "complaint-handling", "e2e", with_scenarios=False)
    deploy_path(fd, RESOURCES / "three_steps", "e2e")  # a second process, for the filter
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    server = Live(f"http://127.0.0.1:{httpd.server_port}", app, clock)
    server.admin_token = _create_users(fd)
    yield server
    server.http.close()
    httpd.shutdown()
    thread.join(timeout=5)
    fd.dispose()


# --- the browser ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


def new_context(browser, live: Live, size: str = "desktop",  # type: ignore[no-untyped-def]
                bypass_csp: bool = False):
    """A fresh browser profile (no cookies) at 1280×800 or phone size, on the live server;
    ``bypass_csp`` lets an accessibility test inject axe-core (an inline script)."""
    ctx = browser.new_context(base_url=live.base, viewport=DESKTOP if size == "desktop" else PHONE,
                              timezone_id="Asia/Shanghai", device_scale_factor=1,
                              bypass_csp=bypass_csp)
    ctx.set_default_timeout(WAIT_MS)
    return ctx


@contextmanager
def sized_page(browser, live: Live, size: str = "desktop") -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A page in its own profile (another user, or a screenshot size), closed afterwards."""
    ctx = new_context(browser, live, size)
    try:
        yield ctx.new_page()
    finally:
        ctx.close()


def shoot(page, name: str, **options: object) -> None:  # type: ignore[no-untyped-def]
    """Save a screenshot as SCREENSHOTS/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled", caret="hide",
                    **options)


@pytest.fixture
def context(browser, live: Live) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser profile (no cookies) at desktop size, pointed at the live server."""
    ctx = new_context(browser, live)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # A 4xx answer logs "Failed to load resource" by itself; anything else is a real error.
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
          and not msg.text.startswith("Failed to load resource") else None)
    yield pg
    assert not errors, f"the page logged errors: {errors}"


def sign_in(page, username: str = AGENT, password: str = AGENT_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the form; returns once the inbox has shown its first list, or the
    error saying it has none for this user (so a click that follows cannot race the page's
    own first load)."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/inbox**")
    from playwright.sync_api import expect
    expect(page.locator('#task-list[aria-busy="false"], #error:not([hidden])')).not_to_have_count(0)

