"""The case operations' dialogs as a browser test drives them: the admin console's case panel
and a supervisor's case page open the same ones (``static/case_operate.js``), so both tests
go through them here."""
from __future__ import annotations

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every browser test
    expect = None


def suspend_with_reason(page, operations, case_no: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    """Click 挂起 in ``operations``; the dialog refuses a missing reason at its field, then
    suspends with ``reason``: the status line says so and the dialog closes."""
    operations.get_by_role("button", name="挂起").click()
    dialog = page.get_by_role("dialog", name=f"挂起案件 {case_no}")
    field = dialog.get_by_label("原因 (必填)")
    expect(field).to_be_focused()
    dialog.get_by_role("button", name="挂起").click()  # no reason: refused at the field
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#dialog-reason-error")).to_have_text("请填写原因。")
    field.fill(reason)
    dialog.get_by_role("button", name="挂起").click()
    expect(page.get_by_role("status")).to_have_text(f"已挂起案件 {case_no}。")
    expect(dialog).to_have_count(0)
