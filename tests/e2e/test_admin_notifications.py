"""The admin console's notifications section (/admin#notifications) in a real browser: a dead
notification (seeded through the services: a subscription, a case in its group's queue, a
mail server that refuses) is listed with its last error, and its resend, confirmed in the
dialog, puts it back in the queue; a group subscription added through the form is stored."""
from __future__ import annotations

import pytest

from .conftest import AGENT
from .test_admin import admin_ready, admin_sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None

REFUSAL = "550 mailbox unavailable"
HOOK = "https://qyapi.example.com/cgi-bin/webhook/send?key=e2e"


@pytest.fixture(scope="module")
def live(live):  # type: ignore[no-untyped-def]
    return admin_ready(live)


def _outbox_row(live, notification_id: int) -> dict:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from store.tables import Notification
    table = Notification.__table__
    with live.fd.uow(read_only=True) as uow:
        return dict(uow.execute(select(table).where(table.c.id == notification_id))
                    .mappings().one())


@pytest.fixture
def dead(live) -> dict:  # type: ignore[no-untyped-def]
    """The agent's e-mail about a new task in the Agent queue, refused for good by the mail
    server: dead after one try, with that error."""
    from services.authentication import principal_for_token
    from services.notify import subscriptions
    from services.notify.channels import DeliveryFailed
    from services.notify.fanout import fan_out_all
    from services.notify.sender import send_due

    agent = principal_for_token(live.fd, live.agent_token)
    subscriptions.create(live.fd, agent, "user", AGENT, {
        "channel": "email", "target": {"address": "agent@example.com"},
        "events": ["group_queue"]})
    live.start_complaint("TB-DEAD-1")
    fan_out_all(live.fd)

    def refuses(*_args) -> None:  # type: ignore[no-untyped-def]
        raise DeliveryFailed(REFUSAL, retry=False)
    assert send_due(live.fd, send=refuses) == 0
    [row] = [n for n in live.ok("GET", "/admin/notifications?state=dead")["items"]
             if n["recipient"] == AGENT and n["channel"] == "email"]
    return row


def test_dead_letters_show_their_error_and_are_resent(live, page, dead):  # type: ignore[no-untyped-def]
    admin_sign_in(page)
    row = page.locator(f'#dead-list tr[data-notification="{dead["id"]}"]')
    expect(row).to_contain_text(REFUSAL)
    expect(row).to_contain_text("agent")

    row.get_by_role("button", name="重新发送").click()
    dialog = page.get_by_role("dialog", name="重新发送通知")
    expect(dialog).to_contain_text(f"#{dead['id']}")
    dialog.get_by_role("button", name="重新发送").click()
    expect(page.get_by_role("status")).to_contain_text(f"通知 #{dead['id']} 已重新排队发送")
    expect(row).to_have_count(0)  # no longer dead
    again = _outbox_row(live, dead["id"])
    assert (again["state"], again["attempts"]) == ("pending", 0)


def test_a_group_subscription_is_added(live, page):  # type: ignore[no-untyped-def]
    admin_sign_in(page)
    form = page.locator("#group-sub-form")
    form.get_by_label("用户组").fill("Agent")
    form.get_by_label("渠道").select_option("webhook")
    form.get_by_label("邮箱地址或 Webhook 地址").fill(HOOK)
    form.get_by_label("机器人格式").select_option("wecom")
    form.get_by_label("我所在组的新任务").check()
    form.get_by_label("已超时").check()
    form.get_by_role("button", name="添加订阅").click()
    expect(page.get_by_role("status")).to_contain_text("订阅已添加")

    [made] = [s for s in live.ok("GET", "/admin/group-subscriptions") if s["owner"] == "Agent"]
    assert (made["channel"], made["target"]["url"], made["target"]["format"]) == (
        "webhook", HOOK, "wecom")
    assert sorted(made["events"]) == ["group_queue", "sla_breach"]
    listed = page.locator(f'#group-sub-list tr[data-subscription="{made["id"]}"]')
    expect(listed).to_contain_text("Agent")
    expect(listed).to_contain_text(HOOK)
