"""Every path through processes/service-notification (mirrors the table in its README).

A step is ``(bpmn_id, lane, data)`` for a user task, or ``(timer_id, TIMER, None)`` where the test
moves the clock past that timer's due time and runs the scheduler. ``start`` is when the
notification is created (Shanghai time; steps take no time on the fake clock). ``history`` is the
expected ``user_status_history`` as (status, task that set it).

Users (created by the test): ``zhaoli`` (ServiceAssistant), ``wangmin`` and ``liqiang``
(Technician), ``zhangjing`` (Supervisor), ``huadong`` (RegionalLogistics), ``zongbu`` (HQ).
Technician tasks are assigned to ``technician`` (the Z1 person responsible, or the technician
the work plan names).
"""
from __future__ import annotations

TIMER = "timer"
SA, TE, SU, RL, HQ = "ServiceAssistant", "Technician", "Supervisor", "RegionalLogistics", "HQ"
QUOTE_EXPIRED = ("quote_expired", TIMER, None)

ITEM = {"product_category": "06", "product_subcategory": "活动柜", "colour_main": "A",
        "colour_secondary": "B", "material_no": "100056", "quantity": 1, "reason_code": "1",
        "oem": False}
OEM_ITEM = {"product_category": "02", "product_subcategory": "办公桌", "colour_main": "W",
            "material_no": "200311", "quantity": 4, "reason_code": "3", "oem": True,
            "oem_vendor": "华美家具(OEM)"}
HEADER = {"short_description": "活动柜锁坏", "long_text": "活动柜被反锁,抽屉打不开。",
          "customer_name": "申齐保健食品有限公司", "contact": "王先生 021-62345678",
          "ship_to": "2110050007", "sold_to": "2110050007", "reporter": "赵丽",
          "po_date": "2026-02-20", "responsibility_centre": "4002", "sales_org": "F011",
          "sales_group": "002", "items": [ITEM]}
Z1 = {**HEADER, "notification_type": "Z1", "payment_status": "paid_in_full", "po_number": "30000075",
      "main_work_centre": "S4002", "person_responsible": "wangmin",
      "customer_requested_start": "2026-03-07", "estimated_closure_date": "2026-03-08"}
Z2 = {**HEADER, "notification_type": "Z2", "payment_status": "not_paid_in_full",
      "short_description": "组装延误,桌板色差", "long_text": "原定3月7日组装完成,送到的4张办公桌桌板颜色与订单不符。",
      "po_number": "80001234", "main_work_centre": "F011", "person_responsible": "kesu01",
      "original_assembly_completion": "2026-03-07", "complaint_estimated_completion": "2026-03-14",
      "items": [ITEM, OEM_ITEM]}


def create_z1(urgent: bool, kind: str = "paid_service", **more: object) -> tuple[str, str, dict]:
    return ("create_notification", SA, {**Z1, "urgent": urgent, "request_kind": kind, **more})


def create_z2(**more: object) -> tuple[str, str, dict]:
    return ("create_notification", SA, {**Z2, "urgent": False, **more})


def plan(visit: str = "2026-03-05", **more: object) -> tuple[str, str, dict]:
    return ("schedule_work_plan", SA, {"planned_visit_date": visit, **more})


def survey(handling: str, status: str = "KCJS", **more: object) -> tuple[str, str, dict]:
    return ("onsite_survey", TE, {"survey_date": "2026-03-05", "user_status": status,
                                  "survey_findings": "锁芯损坏,抽屉被反锁。", "handling": handling, **more})


def quote(days: int = 3, amount: float = 280) -> tuple[str, str, dict]:
    return ("create_quote", TE, {"zffw_order_no": "30000188", "quote_amount": amount,
                                 "quote_valid_days": days, "quote_note": "更换锁芯含上门费"})


def confirm(decision: str, **more: object) -> tuple[str, str, dict]:
    return ("confirm_quote", TE, {"customer_decision": decision, **more})


def chase(decision: str, note: str) -> tuple[str, str, dict]:
    return ("chase_quote", SA, {"customer_decision": decision, "chase_note": note})


def service(form_no: str = "FS-4002-0311") -> tuple[str, str, dict]:
    return ("perform_service", TE, {"service_form_no": form_no, "service_date": "2026-03-06",
                                    "work_done": "更换锁芯,调试抽屉。", "parts_used": "锁芯 x1"})


def accept(ok: bool = True, score: int = 5, **more: object) -> tuple[str, str, dict]:
    return ("customer_acceptance", TE, {"accepted": ok, "satisfaction_score": score, **more})


def close() -> tuple[str, str, dict]:
    return ("close_notification", SA, {"actual_end_date": "2026-03-08", "closing_note": "客户已验收,通知单结案。"})


def close_without(note: str) -> tuple[str, str, dict]:
    return ("close_without_service", SA, {"actual_end_date": "2026-03-09", "closing_note": note})


INVOICE = ("create_invoice", SA, {"zfw_invoice_no": "90000412", "invoice_amount": 280,
                                  "invoice_date": "2026-03-08"})
UPDATE_FROM_SERVICE_FORM = ("update_from_service_form", SA, {
    "long_text": "客户要求加装两组吊柜,需总部报价。", "hq_request": "吊柜 2 组,色码 A/B,含安装。"})
COMPLAINT_FORM = ("fill_complaint_form", SA, {
    "complaint_form_no": "KS-4002-017", "complaint_category": "product_quality",
    "complaint_description": "桌面开裂,客户要求总部派员鉴定。", "hq_request": "请总部派质检人员鉴定并支援更换。",
    "long_text": "桌面开裂,需总部支援。"})


def approve(status: str, note: str, after: str | None = None) -> tuple[str, str, dict]:
    data: dict = {"user_status": status, "approval_note": note}
    if after:
        data["after_rejection"] = after
    return ("supervisor_approval", SU, data)


NOTIFY = ("notify_logistics", SA, {"logistics_region": "华东区物流", "payment_status": "paid_in_full",
                                   "handoff_note": "请协助总部报价并安排安装人员。"})
ARRANGE = ("logistics_arrange", RL, {"arrangement": "安排两名安装人员配合。", "forwarded_to_hq_on": "2026-03-06"})
HQ_QUOTE = ("hq_quote_reply", HQ, {"user_status": "ZBHF", "hq_reply": "吊柜报价已出,含安装。",
                                   "hq_quote_amount": 5600})
HQ_SUPPORT = ("hq_support_reply", HQ, {"user_status": "ZBHF", "hq_reply": "判定为板材质量问题,总部免费更换桌面。",
                                       "support_date": "2026-03-10"})
Z2_TO_LOGISTICS = ("send_complaint_to_logistics", SA, {
    "complaint_form_no": "KS-4002-018", "complaint_category": "delivery",
    "complaint_description": "4张办公桌桌板颜色与订单不符,组装未完成。", "requested_solution": "replacement",
    "logistics_region": "华东区物流", "payment_status": "not_paid_in_full", "outstanding_amount": 12800})
REPLY_SALES = ("logistics_reply_sales", RL, {"user_status": "HFYY", "reply_to_sales": "已向厂商补订桌板,3月12日送达。",
                                            "planned_delivery_date": "2026-03-12"})


def deliver(return_to_vendor: bool) -> tuple[str, str, dict]:
    return ("logistics_deliver", RL, {"user_status": "DDKH", "delivered_on": "2026-03-12",
                                      "return_to_vendor": return_to_vendor})


RETURN_VENDOR = ("logistics_return_vendor", RL, {"user_status": "THCS", "returned_on": "2026-03-13",
                                                 "vendor": "华美家具"})

START = "2026-03-02T09:00:00+08:00"
Z1_LOCAL = [("TZJL", "create_notification"), ("KCJS", "onsite_survey")]

PATHS: dict[str, dict] = {
    "A1": {"title": "Z1 urgent, local service without a quote (survey reported as KCWB)",
           "start": START, "technician": "wangmin", "priority": "urgent", "end": "end_closed",
           "user_status": "KCJS", "history": Z1_LOCAL, "system_status": "completed",
           "close_reason": "completed", "chargeable": False, "quote_status": "none",
           "steps": [create_z1(True, "complaint"), survey("local_service", "KCWB"), service(),
                     accept(), close()]},
    "A2": {"title": "Z1 work plan (another technician), local quote confirmed, rework once, invoice",
           "start": START, "technician": "liqiang", "priority": "normal", "end": "end_closed_invoiced",
           "user_status": "KCJS", "history": Z1_LOCAL, "system_status": "completed",
           "close_reason": "completed", "chargeable": True, "quote_status": "confirmed",
           "steps": [create_z1(False), plan(technician="liqiang", work_plan_note="周四上午"),
                     survey("local_quote"), quote(), confirm("confirmed", confirmation_note="客户电话确认"),
                     service(), accept(False, 2, rework_reason="抽屉仍卡顿"), service("FS-4002-0312"),
                     accept(True, 4), close(), INVOICE]},
    "A3": {"title": "Z1 local quote declined by the customer",
           "start": START, "technician": "wangmin", "priority": "normal", "end": "end_closed_without_service",
           "user_status": "KCJS", "history": Z1_LOCAL, "system_status": "completed",
           "close_reason": "quote_declined", "chargeable": False, "quote_status": "declined",
           "steps": [create_z1(False), plan(), survey("local_quote"), quote(),
                     confirm("declined", decline_reason="价格太高"),
                     close_without("客户拒绝报价,ZFFW 订单已取消。")]},
    "T1": {"title": "quote not confirmed in time, the reminder gets a confirmation",
           "start": START, "technician": "wangmin", "priority": "normal", "end": "end_closed_invoiced",
           "user_status": "KCJS", "history": Z1_LOCAL, "system_status": "completed",
           "close_reason": "completed", "chargeable": True, "quote_status": "confirmed",
           "quote_due": "2026-03-05T23:59:59+08:00",
           "steps": [create_z1(False), plan(), survey("local_quote"), quote(3), QUOTE_EXPIRED,
                     chase("confirmed", "3月6日电话催促,客户确认报价。"), service(), accept(), close(),
                     INVOICE]},
    "T2": {"title": "quote not confirmed in time, still no reply: closed as not confirmed",
           "start": START, "technician": "wangmin", "priority": "normal", "end": "end_closed_without_service",
           "user_status": "KCJS", "history": Z1_LOCAL, "system_status": "completed",
           "close_reason": "quote_not_confirmed", "chargeable": False, "quote_status": "not_confirmed",
           "quote_due": "2026-03-09T23:59:59+08:00",
           "steps": [create_z1(False), plan(), survey("local_quote"), quote(7), QUOTE_EXPIRED,
                     chase("no_reply", "3月10日两次致电未接通,短信亦无回复。"),
                     close_without("报价逾期未确认,ZFFW 订单已取消,已短信告知客户。")]},
    "B1": {"title": "Z1 paid service, HQ quote approved (ZGPZ), HQ replies (ZBHF), quote confirmed, invoice",
           "start": START, "technician": "wangmin", "priority": "normal", "end": "end_closed_invoiced",
           "user_status": "ZBHF",
           "history": Z1_LOCAL + [("ZGPZ", "supervisor_approval"), ("ZBHF", "hq_quote_reply")],
           "system_status": "completed", "close_reason": "completed", "chargeable": True,
           "quote_status": "confirmed",
           "steps": [create_z1(False), plan(), survey("hq_quote", service_form_no="FS-4002-0400"),
                     UPDATE_FROM_SERVICE_FORM, approve("ZGPZ", "同意向总部询价。"), NOTIFY, ARRANGE, HQ_QUOTE,
                     quote(5, 5600), confirm("confirmed"), service(), accept(), close(), INVOICE]},
    "B2": {"title": "Z1 paid service, supervisor rejects (BPZ) and closes",
           "start": START, "technician": "wangmin", "priority": "normal", "end": "end_closed_without_service",
           "user_status": "BPZ", "history": Z1_LOCAL + [("BPZ", "supervisor_approval")],
           "system_status": "completed", "close_reason": "rejected", "chargeable": False,
           "quote_status": "none",
           "steps": [create_z1(False), plan(), survey("hq_quote", service_form_no="FS-4002-0401"),
                     UPDATE_FROM_SERVICE_FORM, approve("BPZ", "非标准品,不向总部询价。", "close"),
                     close_without("主管不批准,已告知客户不提供非标准吊柜。")]},
    "B3": {"title": "Z1 paid service, supervisor rejects (BPZ), the centre quotes itself",
           "start": START, "technician": "wangmin", "priority": "normal", "end": "end_closed_invoiced",
           "user_status": "BPZ", "history": Z1_LOCAL + [("BPZ", "supervisor_approval")],
           "system_status": "completed", "close_reason": "completed", "chargeable": True,
           "quote_status": "confirmed",
           "steps": [create_z1(False), plan(), survey("hq_quote", service_form_no="FS-4002-0402"),
                     UPDATE_FROM_SERVICE_FORM, approve("BPZ", "责任中心可自行报价。", "local_quote"),
                     quote(), confirm("confirmed"), service(), accept(), close(), INVOICE]},
    "C1": {"title": "Z1 complaint, HQ support approved (ZGPZ), HQ replies (ZBHF), free service",
           "start": START, "technician": "wangmin", "priority": "urgent", "end": "end_closed",
           "user_status": "ZBHF",
           "history": Z1_LOCAL + [("ZGPZ", "supervisor_approval"), ("ZBHF", "hq_support_reply")],
           "system_status": "completed", "close_reason": "completed", "chargeable": False,
           "quote_status": "none",
           "steps": [create_z1(True, "complaint"), survey("hq_support"), COMPLAINT_FORM,
                     approve("ZGPZ", "同意请总部支援。"), NOTIFY, ARRANGE, HQ_SUPPORT, service(),
                     accept(), close()]},
    "C2": {"title": "Z1 complaint, supervisor rejects (BPZ), the centre handles it itself",
           "start": START, "technician": "wangmin", "priority": "normal", "end": "end_closed",
           "user_status": "BPZ", "history": Z1_LOCAL + [("BPZ", "supervisor_approval")],
           "system_status": "completed", "close_reason": "completed", "chargeable": False,
           "quote_status": "none",
           "steps": [create_z1(False, "complaint"), plan(), survey("hq_support"), COMPLAINT_FORM,
                     approve("BPZ", "可由责任中心自行更换。", "local_service"), service(), accept(), close()]},
    "D1": {"title": "Z2 before full payment: logistics replies (HFYY), delivers (DDKH), returns to vendor (THCS)",
           "start": START, "technician": None, "priority": "normal", "end": "end_closed",
           "user_status": "THCS",
           "history": [("TZJL", "create_notification"), ("HFYY", "logistics_reply_sales"),
                       ("DDKH", "logistics_deliver"), ("THCS", "logistics_return_vendor")],
           "system_status": "completed", "close_reason": "completed", "chargeable": False,
           "quote_status": "none",
           "steps": [create_z2(), Z2_TO_LOGISTICS, REPLY_SALES, deliver(True), RETURN_VENDOR, close()]},
    "D2": {"title": "Z2 urgent, delivered (DDKH), nothing goes back to the vendor",
           "start": START, "technician": None, "priority": "urgent", "end": "end_closed",
           "user_status": "DDKH",
           "history": [("TZJL", "create_notification"), ("HFYY", "logistics_reply_sales"),
                       ("DDKH", "logistics_deliver")],
           "system_status": "completed", "close_reason": "completed", "chargeable": False,
           "quote_status": "none",
           "steps": [create_z2(urgent=True), Z2_TO_LOGISTICS, REPLY_SALES, deliver(False), close()]},
}

# (task, payload, the field the 422 names, why). Tried on every task of paths CHECKED.
REJECTED: list[tuple[str, dict, str, str]] = [
    ("create_notification", {k: v for k, v in Z1.items() if k != "customer_requested_start"}
     | {"urgent": False, "request_kind": "paid_service"}, "customer_requested_start",
     "Z1 needs the service start the customer requested"),
    ("create_notification", {k: v for k, v in Z1.items() if k != "estimated_closure_date"}
     | {"urgent": False, "request_kind": "paid_service"}, "estimated_closure_date",
     "Z1 needs the assistant's estimated closure date"),
    ("create_notification", {**Z1, "urgent": False}, "request_kind", "Z1 needs the initial type determination"),
    ("create_notification", {k: v for k, v in Z2.items() if k != "complaint_estimated_completion"}
     | {"urgent": False}, "complaint_estimated_completion",
     "Z2 needs the complaint department's estimated completion"),
    ("create_notification", {k: v for k, v in Z2.items() if k != "original_assembly_completion"}
     | {"urgent": False}, "original_assembly_completion", "Z2 needs the original assembly-completion date"),
    ("create_notification", {**Z1, "urgent": False, "request_kind": "paid_service",
                             "payment_status": "not_paid_in_full"}, "payment_status",
     "Z1 is created after full payment"),
    ("create_notification", {**Z2, "urgent": False, "payment_status": "paid_in_full"}, "payment_status",
     "Z2 is created before full payment"),
    ("create_notification", {**Z1, "urgent": False, "request_kind": "paid_service",
                             "original_assembly_completion": "2026-03-07"}, "original_assembly_completion",
     "a Z2 date on a Z1 notification"),
    ("create_notification", {**Z1, "urgent": False, "request_kind": "paid_service", "items": []}, "items",
     "at least one item"),
    ("create_notification", {**Z1, "urgent": False, "request_kind": "paid_service",
                             "items": [{**ITEM, "oem": True}]}, "items/0/oem_vendor",
     "an OEM item names its vendor"),
    ("create_notification", {**Z1, "urgent": False, "request_kind": "paid_service",
                             "items": [ITEM, {**ITEM, "quantity": 0}]}, "items/1/quantity",
     "quantity at least 1"),
    ("create_notification", {**Z1, "urgent": False, "request_kind": "paid_service", "ship_to": "21100"},
     "ship_to", "ship-to is a 10-digit SAP customer number"),
    ("create_notification", {**Z1, "request_kind": "paid_service"}, "urgent", "urgency is required"),
    ("create_notification", {**Z1, "urgent": False, "request_kind": "paid_service", "user_status": "KCJS"},
     "(form)", "TZJL is not picked by hand: no user_status on creation"),
    ("onsite_survey", {"survey_date": "2026-03-05", "survey_findings": "x", "handling": "local_service",
                       "user_status": "TZJL"}, "user_status", "the survey must move the status"),
    ("onsite_survey", {"survey_date": "2026-03-05", "survey_findings": "x", "handling": "local_service",
                       "user_status": "KCXX"}, "user_status", "not a user status"),
    ("onsite_survey", {"survey_date": "2026-03-05", "survey_findings": "x", "handling": "hq_quote",
                       "user_status": "KCJS"}, "service_form_no", "an HQ quote needs the 家具服务单"),
    ("supervisor_approval", {"user_status": "BPZ", "approval_note": "不批准"}, "after_rejection",
     "a rejection says what happens next"),
    ("supervisor_approval", {"user_status": "ZGPZ", "approval_note": "同意", "after_rejection": "close"},
     "after_rejection", "an approval has no after-rejection decision"),
    ("notify_logistics", {"logistics_region": "华东区物流", "handoff_note": "x"}, "payment_status",
     "the hand-written form states the payment status"),
    ("send_complaint_to_logistics", {k: v for k, v in Z2_TO_LOGISTICS[2].items() if k != "outstanding_amount"},
     "outstanding_amount",
     "an unpaid notification states the outstanding amount"),
    ("send_complaint_to_logistics", {k: v for k, v in Z2_TO_LOGISTICS[2].items() if k != "payment_status"},
     "payment_status", "the hand-written form states the payment status"),
    ("create_quote", {"zffw_order_no": "30000188", "quote_amount": 280, "quote_valid_days": 0},
     "quote_valid_days", "a quote is valid 1-30 days"),
    ("create_quote", {"zffw_order_no": "30000188", "quote_amount": 0, "quote_valid_days": 3},
     "quote_amount", "a quote has an amount"),
    ("confirm_quote", {"customer_decision": "declined"}, "decline_reason", "why the customer declined"),
    ("customer_acceptance", {"accepted": False, "satisfaction_score": 2}, "rework_reason",
     "a rejected service says what to rework"),
    ("customer_acceptance", {"accepted": True, "satisfaction_score": 6}, "satisfaction_score", "1-5"),
    ("hq_quote_reply", {"user_status": "ZBHF", "hq_reply": "x"}, "hq_quote_amount", "HQ quotes an amount"),
    ("logistics_deliver", {"user_status": "DDKH", "delivered_on": "2026-03-12"}, "return_to_vendor",
     "say whether goods go back to the vendor"),
]

# (task, user_status sent, why): the form accepts it, the status profile refuses it (409).
ILLEGAL: list[tuple[str, str, str]] = [
    ("onsite_survey", "ZGPZ", "Z1 cannot skip the survey status KCJS"),
    ("onsite_survey", "HFYY", "HFYY is a Z2 status"),
    ("supervisor_approval", "ZBHF", "HQ cannot reply before the supervisor approves"),
    ("hq_quote_reply", "BPZ", "an approved notification cannot become rejected"),
    ("logistics_reply_sales", "DDKH", "Z2 cannot skip HFYY"),
    ("logistics_reply_sales", "KCJS", "KCJS is a Z1 status"),
    ("logistics_deliver", "THCS", "Z2 cannot skip DDKH"),
]

CHECKED = ("A2", "B1", "D1")
