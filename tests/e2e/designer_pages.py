"""What the designer's browser tests share: the modeler's demo designer, the bundles deployed
for them (``live``: import it into a test module to use it there), and the moves on the page."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PROCESSES

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test that uses these
    expect = None

DESIGNER, DESIGNER_PASSWORD = "dora", "designer-pass-2026"
BUNDLE = Path(__file__).resolve().parent / "resources" / "simple_review"


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    from services.definitions import deploy_path
    from services.identity import ensure_user, set_password
    from services.principal import system
    from services.process_group_admin import add_default_designers
    deploy_path(live.fd, BUNDLE, "e2e")
    deploy_path(live.fd, BUNDLE.parent / "no_layout", "e2e")  # no diagram layout (DI)
    deploy_path(live.fd, PROCESSES / "shift-handover", "e2e")  # laid out by scripts
    deploy_path(live.fd, PROCESSES / "negative-review", "e2e")  # timers, conditions, forms
    deploy_path(live.fd, PROCESSES / "customer-care", "e2e")  # multi-instance loops
    ensure_user(live.fd, DESIGNER, ["designer"], [], display_name="Dora Designer")
    set_password(live.fd, DESIGNER, DESIGNER_PASSWORD)
    add_default_designers(live.fd, system("e2e", "admin"), [DESIGNER])  # the group of all above
    live.ok("POST", "/instances", json={"process_key": "simple_review"})  # one running on v1
    return live


def open_modeler(page, key: str = "simple_review") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/designer/{key}")
    expect(page.locator("main[data-ready=true]")).to_have_count(1)


def latest(live, key: str) -> dict:  # type: ignore[no-untyped-def]
    rows = [r for r in live.ok("GET", f"/definitions?all_versions=true&key={key}")
            if r["key"] == key]
    return live.ok("GET", f"/definitions/{max(rows, key=lambda r: r['version'])['id']}")


def select(page, element_id: str) -> None:  # type: ignore[no-untyped-def]
    element = page.locator(f'.djs-element[data-element-id="{element_id}"]')
    if "djs-connection" in (element.get_attribute("class") or ""):
        # A flow is clicked on its hit line, which Playwright sees as invisible (no fill).
        element.locator(".djs-hit").click(force=True)
    else:
        element.click()
    expect(page.locator("#bio-properties-panel-id")).to_have_value(element_id)


def deploy(page, version: int) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="部署新版本").click()
    expect(page.get_by_role("status")).to_have_text(f"已部署版本 {version}。")
    expect(page.locator(f'#versions li[data-version="{version}"]')).to_contain_text(
        f"版本 {version}")
