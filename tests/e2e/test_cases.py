"""The case search and the case page in a real browser, under the visibility rule: an agent
finds a case of their group by part of the customer's name and opens its page (labelled fields,
the customer in full, open tasks, the diagram, the history in words); a Finance-only case is
found only by the customer's exact phone, as a masked summary, and its page says it is not
theirs (the API's 403). axe-core finds nothing serious on either page; screenshots of both."""
from __future__ import annotations

import pytest

from tests.conftest import RESOURCES

from .conftest import DESKTOP, WAIT_MS, shoot, sign_in, sized_page
from .test_accessibility import _check

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

FINANCE_CUSTOMER = {"code": "TB-9001", "name": "王芳", "phone": "13812345678", "tier": "金卡"}
GROUP_CUSTOMER = {"code": "TB-9002", "name": "李雷", "phone": "13987654321", "tier": "VIP"}


@pytest.fixture(scope="module")
def cases(live):  # type: ignore[no-untyped-def]
    """A Finance-only case the agent does not work on, and a complaint in the agent's group."""
    from services.definitions import deploy_path
    deploy_path(live.fd, RESOURCES / "finance_only", "e2e")
    finance_customer = live.ok("POST", "/customers", json=FINANCE_CUSTOMER)
    group_customer = live.ok("POST", "/customers", json=GROUP_CUSTOMER)
    finance = live.ok("POST", "/instances", json={
        "process_key": "finance_only", "customer_id": finance_customer["id"],
        "variables": {"iban": "DE89370400440532013000", "order_no": "TB-ORDER-77"}})
    complaint = live.ok("POST", "/instances", json={
        "process_key": "complaint_handling", "customer_id": group_customer["id"],
        "variables": {"channel": "complaint_hotline", "customer_name": "李雷",
                      "description": "电话投诉: 电水壶底座漏水。"}})
    return {"finance": finance, "complaint": complaint}


def _search(page, q: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/cases")
    page.get_by_label("案件号、订单号、客户姓名或电话").fill(q)
    page.get_by_role("button", name="查找", exact=True).click()
    expect(page.locator("#results")).not_to_have_attribute("aria-busy", "true")


def test_an_agent_finds_a_case_of_their_group_and_opens_its_page(live, page, cases):  # type: ignore[no-untyped-def]
    sign_in(page)
    _search(page, "李")
    complaint = cases["complaint"]
    link = page.locator("#own-results").get_by_role("link", name=complaint["case_no"])
    expect(link).to_be_visible()
    expect(page.locator("#own-results")).to_contain_text("139****4321")
    link.click()

    expect(page.locator("#case-heading")).to_contain_text(complaint["case_no"])
    summary = page.locator("#summary")
    expect(summary.locator("dt", has_text="投诉渠道")).to_be_visible()
    expect(summary.locator("dd", has_text="投诉热线")).to_be_visible()
    expect(summary).not_to_contain_text("complaint_hotline")
    expect(page.locator("#customer")).to_contain_text(GROUP_CUSTOMER["phone"])
    first_task = complaint["open_tasks"][0]
    tasks = page.locator("#tasks")
    expect(tasks).to_contain_text("前台客服")  # the lane's display name, not Agent
    expect(tasks).not_to_contain_text("Agent")
    expect(page.locator("#case")).to_contain_text("投诉处理")
    expect(page.locator("#case")).not_to_contain_text("complaint_handling")
    expect(page.locator("#tasks").get_by_role("link", name=first_task["name"])).to_have_attribute(
        "href", f"/inbox?task={first_task['id']}")
    expect(page.locator("#history")).to_contain_text("admin")
    expect(page.locator("#case-diagram .djs-element").first).to_be_attached()
    expect(page.locator("#case-diagram .diagram-current")).to_contain_text(first_task["name"])
    reads = live.ok("GET", f"/instances/{complaint['id']}")["audit"]
    assert ("customer.read", "agent") in [(e["action"], e["actor"]) for e in reads]


def test_an_agent_sees_only_the_masked_summary_of_a_case_not_theirs(live, page, cases):  # type: ignore[no-untyped-def]
    sign_in(page)
    finance = cases["finance"]
    _search(page, "王")  # a part of a name never reveals a case one does not work on
    expect(page.locator("#no-own")).to_be_visible()
    expect(page.locator(".masked-case")).to_have_count(0)

    _search(page, FINANCE_CUSTOMER["phone"])
    card = page.locator(".masked-case")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(finance["case_no"])
    expect(card).to_contain_text("138****5678")
    expect(card).to_contain_text("王*")
    expect(card).to_contain_text("****3000")
    expect(card.get_by_role("link")).to_have_count(0)
    assert FINANCE_CUSTOMER["phone"] not in page.locator("main").inner_text()
    assert "DE89370400440532013000" not in page.content()
    trail = live.ok("GET", f"/instances/{finance['id']}")["audit"]
    assert ("case.looked_up", "agent") in [(e["action"], e["actor"]) for e in trail]

    page.goto(f"/cases/{finance['id']}")
    expect(page.locator("#case-refused")).to_contain_text("您未参与此案件")
    assert FINANCE_CUSTOMER["phone"] not in page.content()
    page.goto("/cases/999999")
    expect(page.locator("#case-refused")).to_contain_text("没有这个案件")


@pytest.fixture
def axe_context(browser, live):  # type: ignore[no-untyped-def]
    """As test_accessibility's: the pages' CSP lets the test inject axe."""
    ctx = browser.new_context(base_url=live.base, viewport=DESKTOP, timezone_id="Asia/Shanghai",
                              bypass_csp=True)
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


def test_the_case_pages_pass_axe(live, axe_context, cases):  # type: ignore[no-untyped-def]
    page = axe_context.new_page()
    sign_in(page)
    _search(page, cases["finance"]["case_no"])
    expect(page.locator(".masked-case")).to_have_count(1)
    _check(page, "/cases with a masked summary")
    page.goto(f"/cases/{cases['complaint']['id']}")
    expect(page.locator("#case-diagram .djs-element").first).to_be_attached()
    expect(page.locator("#case")).not_to_have_attribute("aria-busy", "true")
    _check(page, "/cases/<id>")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_case_page_screenshots(browser, live, cases, size):  # type: ignore[no-untyped-def]
    with sized_page(browser, live, size) as page:
        sign_in(page)
        _search(page, "李")
        expect(page.locator("#own-results tbody tr")).to_have_count(1)
        shoot(page, f"case-search-{size}", full_page=True)
        page.goto(f"/cases/{cases['complaint']['id']}")
        expect(page.locator("#case-diagram .djs-element").first).to_be_attached()
        shoot(page, f"case-page-{size}", full_page=True)
