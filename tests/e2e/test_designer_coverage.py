"""The designer's 场景覆盖率 in a real browser: a designer opens complaint-handling, whose
bundle folder on the server holds only one of its scenarios; 场景覆盖率 runs it on the server
and the diagram marks every element and flow it never reached as such (the same ones
``flowdesk test --coverage-json`` lists), the panel listing them; a coverage file written by
``flowdesk test --coverage-json`` with all the scenarios loads into the modeler at 100 % with
nothing marked missing."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.routes.dry_runs import install
from host.cli import main
from store.throwaway import ThrowawayStores
from tests.conftest import PROCESSES

from .conftest import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

DESIGNER, DESIGNER_PASSWORD = "cora", "designer-pass-2026"
COMPLAINTS = PROCESSES / "complaint-handling"
ONE_SCENARIO = "path_a.yaml"


def flowdesk_coverage(folder: Path, report: Path) -> dict:
    result = CliRunner().invoke(main, ["test", str(folder), "--coverage-json", str(report)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(report.read_text(encoding="utf-8"))["complaint_handling"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's process folder: complaint-handling with only one of its scenarios."""
    root = tmp_path_factory.mktemp("processes")
    shutil.copytree(COMPLAINTS, root / "complaint-handling",
                    ignore=lambda _d, names: [n for n in names
                                              if n.endswith(".yaml") and n != ONE_SCENARIO])
    return root


@pytest.fixture(scope="module")
def live(live, folder: Path):  # type: ignore[no-untyped-def]
    """A designer, the folder above as the server's process folder, and the throwaway stores
    `flowdesk serve` offers."""
    from services.identity import ensure_user, set_password
    from services.principal import system
    from services.process_group_admin import add_default_designers
    live.fd.settings.processes_dir = str(folder)
    ensure_user(live.fd, DESIGNER, ["designer"], [], display_name="Cora Designer")
    set_password(live.fd, DESIGNER, DESIGNER_PASSWORD)
    add_default_designers(live.fd, system("e2e", "admin"), [DESIGNER])
    stores = ThrowawayStores()
    runs = install(live.app, stores)
    yield live
    runs.close()
    stores.close()


def _open(page, key: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, DESIGNER, DESIGNER_PASSWORD)
    page.goto(f"/designer/{key}")
    expect(page.locator("main[data-ready=true]")).to_have_count(1)


def test_the_diagram_marks_what_no_scenario_reaches(live, page, folder: Path,
                                                    tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    expected = flowdesk_coverage(folder / "complaint-handling", tmp_path / "one.json")
    missed = expected["elements"]["never_reached"] + expected["flows"]["never_reached"]
    assert expected["elements"]["never_reached"] and expected["flows"]["percent"] < 100.0
    _open(page, "complaint_handling")
    page.get_by_role("button", name="场景覆盖率").click()
    panel = page.locator("#coverage")
    expect(panel).to_be_visible()
    expect(page.locator("#coverage-summary")).to_contain_text(
        f"连线 {expected['flows']['percent']:g}%")
    expect(page.locator(".djs-element.fd-missed")).to_have_count(len(missed))
    for ident in missed:
        expect(page.locator(f'.djs-element.fd-missed[data-element-id="{ident}"]')).to_have_count(1)
        expect(panel.locator(f'li[data-element-id="{ident}"]')).to_have_count(1)
    start = expected["elements"]["visited"][0]
    expect(page.locator(f'.djs-element.fd-covered[data-element-id="{start}"]')).to_have_count(1)
    expect(page.locator("#coverage-notes")).to_contain_text("已部署流程文件夹")

    page.get_by_role("button", name="清除覆盖率标记").click()
    expect(panel).to_be_hidden()
    expect(page.locator(".djs-element.fd-missed")).to_have_count(0)


def test_a_coverage_file_loads_onto_the_diagram(live, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "coverage.json"
    assert flowdesk_coverage(COMPLAINTS, report)["flows"]["percent"] == 100.0
    _open(page, "complaint_handling")
    page.get_by_role("button", name="场景覆盖率").click()  # the server's one scenario first
    expect(page.locator(".djs-element.fd-missed").first).to_be_visible()
    page.locator("#coverage-file").set_input_files(str(report))
    expect(page.locator("#coverage")).to_be_visible()
    expect(page.locator("#coverage-summary")).to_contain_text("连线 100%（")
    expect(page.locator("#coverage-notes")).to_contain_text("coverage.json")
    expect(page.locator(".djs-element.fd-covered").first).to_be_visible()
    expect(page.locator(".djs-element.fd-missed")).to_have_count(0)
    expect(page.locator("#coverage-missed")).to_contain_text("全部到达")
