"""Every path through processes/negative-review (mirrors the table in its README).

A step is ``(bpmn_id, lane, data)`` for a user task, or ``(timer_id, TIMER, None)`` where the test
moves the clock past that timer's due time and runs the scheduler. ``start`` is when the case is
registered (Shanghai time; the first steps take no time on the fake clock), so the 48-hour timer
falls due exactly 48 hours later and ``phone_due`` is the phone-call task's expected SLA due time
on the ``call_windows`` calendar (09:30–10:30 and 16:00–21:00 every day, closed on CN holidays).
"""
from __future__ import annotations

TIMER = "timer"
NO_RESPONSE = ("no_response_48h", TIMER, None)
PROMISED_DAY = ("wait_promised_date", TIMER, None)

REVIEW = {"review_date": "2026-03-01", "wangwang_id": "tb_lily88", "phone": "13800001111",
          "order_no": "TB20260301001", "item": "陶瓷马克杯 两只装",
          "review_content": "杯子收到就有裂纹,客服也不回复。"}
WANGWANG = ("send_wangwang_message", "AfterSales", {
    "chat_findings": "聊天记录显示买家2月28日询问发货,未及时回复;物流签收时外箱破损。",
    "message_text": "亲,非常抱歉给您带来不好的体验,我们马上为您补发,麻烦您方便时修改一下评价,谢谢!",
    "deletion_link": "https://rate.taobao.com/modify?id=88001"})
SMS = ("send_sms", "AfterSales", {"sms_text": "【东耀】亲,杯子破损的事我们已为您补发,已在旺旺给您留言,麻烦查看,谢谢!"})


def register(severity: str, rating: str, **more: str) -> tuple[str, str, dict]:
    return ("register_review", "AfterSales", {**REVIEW, "severity": severity, "rating": rating, **more})


def reply(summary: str, channel: str = "wangwang") -> tuple[str, str, dict]:
    return ("record_customer_reply", "AfterSales", {"reply_channel": channel, "reply_summary": summary})


def call(reached: bool, notes: str) -> tuple[str, str, dict]:
    return ("phone_call", "AfterSales", {"call_reached": reached, "call_notes": notes})


def outcome(progress: str, note: str, **more: object) -> tuple[str, str, dict]:
    return ("record_outcome", "AfterSales", {"progress": progress, "outcome_note": note, **more})


def pay(amount: float, note: str) -> tuple[str, str, dict]:
    return ("pay_compensation", "AfterSales", {"amount": amount, "payment_reference": "ALI2026030500012",
                                               "signer": "国雪", "note": note})


def verify(changed: bool, note: str = "") -> tuple[str, str, dict]:
    data: dict = {"review_changed": changed}
    if note:
        data["verify_note"] = note
    return ("verify_review", "AfterSales", data)


PATHS: dict[str, dict] = {
    "A": {"title": "responded in time, review deleted/changed", "start": "2026-03-02T09:00:00+08:00",
          "phone_due": None, "priority": "urgent", "end": "end_resolved",
          "handling_status": "sms_sent", "progress": "deleted_or_modified", "case_status": "resolved",
          "steps": [register("severe", "negative"), WANGWANG, SMS,
                    reply("买家说已经改成好评了。"),
                    outcome("deleted_or_modified", "买家已把差评改为好评。")]},
    "B": {"title": "responded in time, refuses", "start": "2026-03-02T09:00:00+08:00",
          "phone_due": None, "priority": "low", "end": "end_refused",
          "handling_status": "sms_sent", "progress": "refused", "case_status": "refused",
          "steps": [register("minor", "neutral"), WANGWANG, SMS,
                    reply("买家短信回复不愿修改。", "sms"),
                    outcome("refused", "买家坚持中评,不再打扰。")]},
    "C": {"title": "responded in time, promises a date, changed by then", "start": "2026-03-02T09:00:00+08:00",
          "phone_due": None, "priority": "high", "end": "end_resolved",
          "handling_status": "sms_sent", "progress": "deleted_or_modified", "case_status": "resolved",
          "steps": [register("moderate", "negative"), WANGWANG, SMS,
                    reply("买家说这几天忙,周五前改。"),
                    outcome("promised", "买家答应3月6日前修改。", promised_date="2026-03-06"),
                    PROMISED_DAY, verify(True, "已改为好评。")]},
    "D": {"title": "responded in time, changes after compensation", "start": "2026-03-02T09:00:00+08:00",
          "phone_due": None, "priority": "medium", "end": "end_resolved",
          "handling_status": "sms_sent", "progress": "deleted_or_modified", "case_status": "resolved",
          "steps": [register("moderate", "neutral"), WANGWANG, SMS,
                    reply("买家来电要求补偿10元后修改。", "phone"),
                    outcome("awaiting_compensation", "约定补偿10元,收款后修改。", compensation_amount=10),
                    pay(10, "删除中评_慧兰"), verify(True, "已删除中评。")]},
    "E": {"title": "no response in 48 h, call, review deleted/changed", "start": "2026-03-02T22:00:00+08:00",
          "phone_due": "2026-03-05T10:00:00+08:00", "priority": "urgent", "end": "end_resolved",
          "handling_status": "phone_called", "progress": "deleted_or_modified", "case_status": "resolved",
          "steps": [register("severe", "neutral"), WANGWANG, SMS, NO_RESPONSE,
                    call(True, "买家接听,同意修改,已当场修改。"),
                    outcome("deleted_or_modified", "电话沟通后买家已修改评价。")]},
    "F": {"title": "no response in 48 h, call, refuses", "start": "2026-03-02T10:15:00+08:00",
          "phone_due": "2026-03-04T16:15:01+08:00", "priority": "medium", "end": "end_refused",
          "handling_status": "phone_called", "progress": "refused", "case_status": "refused",
          "steps": [register("minor", "negative"), WANGWANG, SMS, NO_RESPONSE,
                    call(True, "买家接听,表示不会修改。"),
                    outcome("refused", "买家拒绝修改。")]},
    "G": {"title": "no response in 48 h, call, promises a date, not changed", "start": "2026-03-02T13:00:00+08:00",
          "phone_due": "2026-03-04T16:30:00+08:00", "priority": "high", "end": "end_not_modified",
          "handling_status": "phone_called", "progress": "promised", "case_status": "not_modified",
          "steps": [register("moderate", "negative"), WANGWANG, SMS, NO_RESPONSE,
                    call(True, "买家说周末修改。"),
                    outcome("promised", "买家答应3月8日修改。", promised_date="2026-03-08"),
                    PROMISED_DAY, verify(False, "评价未变,周一例会讨论。")]},
    "H": {"title": "no response in 48 h, call, changes after compensation", "start": "2026-03-02T20:45:00+08:00",
          "phone_due": "2026-03-05T09:45:01+08:00", "priority": "urgent", "end": "end_resolved",
          "handling_status": "phone_called", "progress": "deleted_or_modified", "case_status": "resolved",
          "steps": [register("severe", "negative"), WANGWANG, SMS, NO_RESPONSE,
                    call(True, "买家要求补偿20元。"),
                    outcome("awaiting_compensation", "补偿20元后删除差评。", compensation_amount=20),
                    pay(20, "删除差评_慧兰"), verify(True)]},
    "I": {"title": "no response in 48 h over National Day, call not answered", "start": "2026-09-29T22:00:00+08:00",
          "phone_due": "2026-10-08T10:00:00+08:00", "priority": "low", "end": "end_unreachable",
          "handling_status": "phone_called", "progress": "pending", "case_status": "unreachable",
          "steps": [register("minor", "neutral"), WANGWANG, SMS, NO_RESPONSE,
                    call(False, "10:00 与 16:30 两次拨打均无人接听。")]},
}

# (task, payload, the field the 422 names, why). The test tries these on paths D and H.
REJECTED: list[tuple[str, dict, str, str]] = [
    ("register_review", {**REVIEW, "rating": "good", "severity": "minor"}, "rating", "`rating` not in the enum"),
    ("register_review", {**REVIEW, "rating": "neutral"}, "severity", "`severity` missing"),
    ("register_review", {**REVIEW, "review_date": "2026-02-30", "rating": "neutral", "severity": "minor"},
     "review_date", "`review_date` not a date"),
    ("register_review", {**REVIEW, "phone": "call me", "rating": "neutral", "severity": "minor"},
     "phone", "`phone` not a phone number"),
    ("register_review", {**REVIEW, "wangwang_id": "  ", "rating": "neutral", "severity": "minor"},
     "wangwang_id", "blank `wangwang_id`"),
    ("register_review", {**REVIEW, "rating": "neutral", "severity": "minor", "priority": "urgent"},
     "(form)", "`priority` is set by the decision, not the form"),
    ("send_wangwang_message", {**WANGWANG[2], "deletion_link": "see chat"}, "deletion_link",
     "deletion link is not a URL"),
    ("send_wangwang_message", {"message_text": "亲", "deletion_link": "https://rate.taobao.com/x"},
     "chat_findings", "`chat_findings` missing"),
    ("send_sms", {}, "sms_text", "`sms_text` missing"),
    ("record_customer_reply", {"reply_channel": "email", "reply_summary": "x"}, "reply_channel",
     "`reply_channel` not in the enum"),
    ("record_customer_reply", {"reply_channel": "sms"}, "reply_summary", "`reply_summary` missing"),
    ("phone_call", {"call_reached": "yes", "call_notes": "x"}, "call_reached", "`call_reached` not a boolean"),
    ("phone_call", {"call_reached": True}, "call_notes", "`call_notes` missing"),
    ("record_outcome", {"progress": "promised", "outcome_note": "x"}, "promised_date",
     "promised without `promised_date`"),
    ("record_outcome", {"progress": "promised", "outcome_note": "x", "promised_date": "06/03/2026"},
     "promised_date", "`promised_date` not YYYY-MM-DD"),
    ("record_outcome", {"progress": "awaiting_compensation", "outcome_note": "x"}, "compensation_amount",
     "waiting for compensation without an amount"),
    ("record_outcome", {"progress": "awaiting_compensation", "outcome_note": "x", "compensation_amount": 0},
     "compensation_amount", "compensation amount 0"),
    ("record_outcome", {"progress": "deleted", "outcome_note": "x"}, "progress", "`progress` not in the enum"),
    ("record_outcome", {"progress": "refused"}, "outcome_note", "`outcome_note` missing"),
    ("record_outcome", {"progress": "refused", "outcome_note": "x", "handling_status": "phone_called"},
     "(form)", "`handling_status` is set by the process, not the form"),
    ("pay_compensation", {"amount": 10, "payment_reference": "ALI1", "signer": "国雪", "note": "删除中评"},
     "note", "note not in 内容_客服姓名 form"),
    ("pay_compensation", {"amount": 10, "payment_reference": "ALI1", "signer": "国雪", "note": "_慧兰"},
     "note", "note has no content before the name"),
    ("pay_compensation", {"amount": 10, "payment_reference": "ALI1", "note": "删除中评_慧兰"}, "signer",
     "`signer` missing"),
    ("pay_compensation", {"amount": 0, "payment_reference": "ALI1", "signer": "国雪", "note": "删除中评_慧兰"},
     "amount", "amount 0"),
    ("verify_review", {"verify_note": "x"}, "review_changed", "`review_changed` missing"),
]
