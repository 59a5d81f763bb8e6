"""The admin console's users and tokens (/admin#users, #tokens) in a real browser: the admin
disables the agent after a confirm dialog and the agent's next API call with its token is a
401 (enabled again, it works), revokes one of the agent's tokens (the dialog can be dismissed;
confirmed, the token's next call is a 401), and issues a token with a lifetime, shown once and
working at once (a bad lifetime is reported beside its field)."""
from __future__ import annotations

import pytest

from .conftest import ADMIN, AGENT
from .test_admin import ADMIN_PASSWORD, admin_sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    from services.identity import set_password
    set_password(live.fd, ADMIN, ADMIN_PASSWORD)
    return live


def agent_token(live, name: str) -> str:  # type: ignore[no-untyped-def]
    from services.identity import create_token
    return create_token(live.fd, AGENT, name)


def status_with(live, token: str) -> int:  # type: ignore[no-untyped-def]
    """The status of the agent's ordinary API call (its task list) with ``token``."""
    return live.api("GET", "/tasks?assignee=me", token=token).status_code


def test_admin_disables_and_enables_the_agent(live, page):  # type: ignore[no-untyped-def]
    token = agent_token(live, "e2e-disable")
    assert status_with(live, token) == 200

    admin_sign_in(page)
    row = page.locator('#user-list tr[data-user="agent"]')
    expect(row).to_contain_text("Agent Li")
    expect(row).to_contain_text("staff")
    expect(row).to_contain_text("已启用")
    # the admin's own row offers no way to lock themselves out
    expect(page.locator('#user-list tr[data-user="admin"] button')).to_have_count(0)

    row.get_by_role("button", name="停用用户 agent").click()
    dialog = page.get_by_role("dialog", name="停用用户 agent?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="确认停用").click()
    expect(page.get_by_role("status")).to_contain_text("已停用用户 agent。")
    expect(row).to_have_attribute("data-active", "false")
    expect(row).to_contain_text("已停用")
    expect(page.locator("#token-list tr", has_text="e2e-disable")).to_contain_text("用户已停用")
    assert status_with(live, token) == 401

    row.get_by_role("button", name="启用用户 agent").click()
    expect(page.get_by_role("status")).to_contain_text("已启用用户 agent。")
    expect(row).to_have_attribute("data-active", "true")
    assert status_with(live, token) == 200


def test_admin_revokes_a_token_after_confirming(live, page):  # type: ignore[no-untyped-def]
    token = agent_token(live, "e2e-laptop")
    listed = live.ok("GET", f"/admin/tokens?username={AGENT}")
    token_id = next(k["id"] for k in listed if k["name"] == "e2e-laptop")

    admin_sign_in(page)
    row = page.locator(f'#token-list tr[data-token="{token_id}"]')
    expect(row).to_contain_text("有效")
    expect(row.locator(".col-last_used")).to_have_text("尚未使用")
    revoke = row.get_by_role("button", name=f"吊销令牌 {token_id} (e2e-laptop, agent)")

    # going back does nothing
    revoke.click()
    dialog = page.get_by_role("dialog", name="吊销 agent 的令牌「e2e-laptop」?")
    dialog.get_by_role("button", name="返回").click()
    expect(dialog).to_have_count(0)
    expect(revoke).to_be_focused()
    assert status_with(live, token) == 200

    revoke.click()
    dialog.get_by_role("button", name="确认吊销").click()
    expect(page.get_by_role("status")).to_contain_text("已吊销 agent 的令牌「e2e-laptop」。")
    expect(row).to_have_attribute("data-state", "revoked")
    expect(row.locator(".col-revoked time")).to_have_count(1)
    expect(row.locator(".col-last_used time")).to_have_count(1)  # used in the checks above
    expect(row.get_by_role("button")).to_have_count(0)
    assert status_with(live, token) == 401


def test_admin_issues_a_token_with_a_lifetime(live, page):  # type: ignore[no-untyped-def]
    admin_sign_in(page)
    form = page.locator("#token-new")
    expect(form.get_by_role("option", name=AGENT)).to_have_count(1)
    form.get_by_label("用户").select_option(AGENT)
    form.get_by_label("用途 (可选)").fill("IM bridge")
    lifetime = form.get_by_label("有效期 (可选)")
    lifetime.fill("soon")
    form.get_by_role("button", name="签发令牌").click()
    expect(lifetime).to_have_attribute("aria-invalid", "true")
    expect(lifetime).to_be_focused()
    expect(form.locator("#token-expires-error")).to_contain_text("30d")

    lifetime.fill("30d")
    form.get_by_role("button", name="签发令牌").click()
    created = page.get_by_role("region", name="agent 的新令牌「IM bridge」")
    secret = created.get_by_label("令牌")
    expect(secret).to_be_focused()
    token = secret.input_value()
    assert len(token) > 20
    assert status_with(live, token) == 200

    row = page.locator("#token-list tr", has_text="IM bridge")
    expect(row).to_contain_text("有效")
    expect(row.locator(".col-expires time")).to_have_count(1)
    issued = next(k for k in live.ok("GET", f"/admin/tokens?username={AGENT}")
                  if k["name"] == "IM bridge")
    assert issued["expires_at"] and issued["state"] == "active"

    created.get_by_role("button", name="已复制, 关闭").click()
    expect(created).to_have_count(0)
    expect(page.locator("#token-secret")).to_have_count(0)
