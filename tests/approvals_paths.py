"""Every path through processes/approvals (mirrors the tables in its README).

Each step is (user task, lane, who completes it, payload). "Who" is a key of the test's token
table: agent (the applicant), agent2 and agent3 (substitutes), supervisor, guoxue (Finance).
Tasks in ASSIGNED go straight to the user named in a process variable (``assigneeVariable``);
the others wait in their lane until someone claims them.
"""
from __future__ import annotations

ASSIGNED: dict[str, str] = {
    "leave_request": "applicant", "leave_handover": "applicant", "confirm_takeover": "substitute",
    "shift_swap_request": "applicant", "overtime_request": "applicant",
    "submit_money_list": "applicant", "correct_money_list": "applicant",
}

LEAVE = {"leave_type": "personal", "start_date": "2026-01-12", "end_date": "2026-01-13",
         "reason": "家中有事需要处理", "document_reference": "请假条 QJ-2026-001"}
HANDOVER = {"open_tasks": "订单 TB1001 待补发;TB1002 退款待审核", "customers_transferred": "王芳(旺旺 wangfang88):换货跟进中",
            "urgent_matters": "TB1003 客户要求今天回电", "potential_customers": "李伟咨询大促套餐"}
CHOOSE_LEAVE = ("choose_request_type", "Agent", "agent", {"request_type": "leave", "applicant": "agent"})
LEAVE_STEP = ("leave_request", "Agent", "agent", LEAVE)
ITEMS = [
    {"order_no": "TB20260105001", "amount": 30, "direction": "refund", "alipay_note": "删除中评_慧兰"},
    {"order_no": "TB20260105002", "amount": 15.5, "direction": "compensation", "alipay_note": "运费补偿_慧兰",
     "description": "到货延迟补偿运费"},
]
WRONG_ITEMS = ITEMS + [{"order_no": "TB20260105001", "amount": 30, "direction": "refund", "alipay_note": "删除中评_慧兰"}]
MONEY_LIST = {"items": WRONG_ITEMS, "signer": "慧兰"}
CHOOSE_MONEY = ("choose_request_type", "Agent", "agent", {"request_type": "money_list", "applicant": "agent"})


def _return(reason: str) -> tuple:
    return ("sign_money_list", "Supervisor", "supervisor", {"approved": False, "rejection_reason": reason})


PATHS: dict[str, dict] = {
    "LV-A": {
        "title": "leave approved, handed over, substitute takes over", "end": "end_leave_granted",
        "expect": {"request_status": "granted", "leave_status": "granted", "covered_by": "agent2",
                   "substitute_declines": 0},
        "steps": [
            CHOOSE_LEAVE, LEAVE_STEP,
            ("approve_leave", "Supervisor", "supervisor", {"approved": True, "substitute": "agent2", "supervisor_note": "agent2 补 12、13 日白班"}),
            ("leave_handover", "Agent", "agent", HANDOVER),
            ("confirm_takeover", "Agent", "agent2", {"takes_over": True, "takeover_note": "已阅读交接本"}),
        ],
    },
    "LV-B": {
        "title": "leave rejected by the supervisor", "end": "end_leave_rejected",
        "expect": {"request_status": "rejected", "leave_status": "rejected",
                   "rejection_reason": "大促期间不批事假,请改期"},
        "steps": [
            CHOOSE_LEAVE, LEAVE_STEP,
            ("approve_leave", "Supervisor", "supervisor", {"approved": False, "rejection_reason": "大促期间不批事假,请改期"}),
        ],
    },
    "LV-C": {
        "title": "leave with the end date before the start date: closed as invalid", "end": "end_leave_invalid",
        "expect": {"request_status": "invalid", "leave_status": "invalid", "leave_dates_ok": False},
        "steps": [
            CHOOSE_LEAVE,
            ("leave_request", "Agent", "agent", {**LEAVE, "start_date": "2026-01-13", "end_date": "2026-01-12"}),
        ],
    },
    "LV-D": {
        "title": "substitute declines once, the supervisor names another", "end": "end_leave_granted",
        "expect": {"request_status": "granted", "leave_status": "granted", "covered_by": "agent3",
                   "substitute_declines": 1, "declined_substitutes": ["agent2"]},
        "steps": [
            CHOOSE_LEAVE,
            ("leave_request", "Agent", "agent", {**LEAVE, "leave_type": "sick", "start_date": "2026-01-12", "end_date": "2026-01-12"}),
            ("approve_leave", "Supervisor", "supervisor", {"approved": True, "substitute": "agent2"}),
            ("leave_handover", "Agent", "agent", {k: v for k, v in HANDOVER.items() if k != "potential_customers"}),
            ("confirm_takeover", "Agent", "agent2", {"takes_over": False, "decline_reason": "当天已排晚班"}),
            ("choose_substitute", "Supervisor", "supervisor", {"substitute": "agent3"}),
            ("confirm_takeover", "Agent", "agent3", {"takes_over": True}),
        ],
    },
    "LV-E": {
        "title": "three declines: the leave is not granted", "end": "end_leave_no_substitute",
        "expect": {"request_status": "no_substitute", "leave_status": "no_substitute",
                   "substitute_declines": 3, "declined_substitutes": ["agent2", "agent3", "agent2"]},
        "steps": [
            CHOOSE_LEAVE, LEAVE_STEP,
            ("approve_leave", "Supervisor", "supervisor", {"approved": True, "substitute": "agent2"}),
            ("leave_handover", "Agent", "agent", HANDOVER),
            ("confirm_takeover", "Agent", "agent2", {"takes_over": False, "decline_reason": "当天已排晚班"}),
            ("choose_substitute", "Supervisor", "supervisor", {"substitute": "agent3"}),
            ("confirm_takeover", "Agent", "agent3", {"takes_over": False, "decline_reason": "已请年假"}),
            ("choose_substitute", "Supervisor", "supervisor", {"substitute": "agent2", "supervisor_note": "请调整晚班"}),
            ("confirm_takeover", "Agent", "agent2", {"takes_over": False, "decline_reason": "仍无法调整"}),
        ],
    },
    "SW-A": {
        "title": "shift swap approved", "end": "end_swap_approved",
        "expect": {"request_status": "approved", "swap_with": "agent2"},
        "steps": [
            ("choose_request_type", "Agent", "agent", {"request_type": "shift_swap", "applicant": "agent"}),
            ("shift_swap_request", "Agent", "agent", {"shift_date": "2026-01-10", "shift": "evening", "swap_with": "agent2", "swap_with_date": "2026-01-17", "colleague_agreed": True, "reason": "周六有事", "handover_note": "晚班注意 TB1003 回电"}),
            ("approve_shift_swap", "Supervisor", "supervisor", {"approved": True}),
        ],
    },
    "SW-B": {
        "title": "shift swap rejected", "end": "end_swap_rejected",
        "expect": {"request_status": "rejected", "rejection_reason": "两人同为晚班,换班后当天无白班"},
        "steps": [
            ("choose_request_type", "Agent", "agent", {"request_type": "shift_swap", "applicant": "agent"}),
            ("shift_swap_request", "Agent", "agent", {"shift_date": "2026-01-10", "shift": "day", "swap_with": "agent3", "swap_with_date": "2026-01-11", "colleague_agreed": True, "reason": "家人就医", "handover_note": "无特别事项"}),
            ("approve_shift_swap", "Supervisor", "supervisor", {"approved": False, "rejection_reason": "两人同为晚班,换班后当天无白班"}),
        ],
    },
    "OT-A": {
        "title": "overtime approved", "end": "end_overtime_approved",
        "expect": {"request_status": "approved", "hours": 3},
        "steps": [
            ("choose_request_type", "Agent", "agent", {"request_type": "overtime", "applicant": "agent"}),
            ("overtime_request", "Agent", "agent", {"overtime_date": "2026-01-09", "start_time": "18:00", "hours": 3, "reason": "大促预热,咨询量翻倍"}),
            ("approve_overtime", "Supervisor", "supervisor", {"approved": True, "supervisor_note": "按公司加班政策调休"}),
        ],
    },
    "OT-B": {
        "title": "overtime rejected", "end": "end_overtime_rejected",
        "expect": {"request_status": "rejected", "rejection_reason": "晚班人员已足够"},
        "steps": [
            ("choose_request_type", "Agent", "agent", {"request_type": "overtime", "applicant": "agent"}),
            ("overtime_request", "Agent", "agent", {"overtime_date": "2026-01-09", "start_time": "17:30", "hours": 1.5, "reason": "整理售后台账"}),
            ("approve_overtime", "Supervisor", "supervisor", {"approved": False, "rejection_reason": "晚班人员已足够"}),
        ],
    },
    "MN-A": {
        "title": "money list signed and received by Finance", "end": "end_money_received",
        "expect": {"request_status": "received", "money_list_round": 1, "item_count": 2,
                   "total_amount": 45.5, "finance_reference": "CW-2026-0105-01",
                   "money_list_returns": []},
        "steps": [
            CHOOSE_MONEY,
            ("submit_money_list", "Agent", "agent", {"items": ITEMS, "signer": "慧兰"}),
            ("sign_money_list", "Supervisor", "supervisor", {"approved": True, "supervisor_signature": "刘主管"}),
            ("finance_receive", "Finance", "guoxue", {"finance_reference": "CW-2026-0105-01"}),
        ],
    },
    "MN-B": {
        "title": "money list returned once, corrected, then signed and received", "end": "end_money_received",
        "expect": {"request_status": "received", "money_list_round": 2, "item_count": 2,
                   "total_amount": 45.5, "items": ITEMS,
                   "money_list_returns": [{"round": 1, "reason": "TB20260105001 重复登记"}]},
        "steps": [
            CHOOSE_MONEY,
            ("submit_money_list", "Agent", "agent", MONEY_LIST),
            _return("TB20260105001 重复登记"),
            ("correct_money_list", "Agent", "agent", {"items": ITEMS, "signer": "慧兰", "correction_note": "删除重复的一行"}),
            ("sign_money_list", "Supervisor", "supervisor", {"approved": True, "supervisor_signature": "刘主管"}),
            ("finance_receive", "Finance", "guoxue", {"finance_reference": "CW-2026-0105-02", "finance_note": "已入账"}),
        ],
    },
    "MN-C": {
        "title": "money list returned three times: closed as rejected", "end": "end_money_rejected",
        "expect": {"request_status": "rejected", "money_list_round": 3, "total_amount": 75.5,
                   "money_list_returns": [{"round": 1, "reason": "重复登记"}, {"round": 2, "reason": "仍有重复"},
                                          {"round": 3, "reason": "第三次仍错,请重新申请"}]},
        "steps": [
            CHOOSE_MONEY,
            ("submit_money_list", "Agent", "agent", MONEY_LIST),
            _return("重复登记"),
            ("correct_money_list", "Agent", "agent", MONEY_LIST),
            _return("仍有重复"),
            ("correct_money_list", "Agent", "agent", MONEY_LIST),
            _return("第三次仍错,请重新申请"),
        ],
    },
}

# (user task, payload, field named in the 422, why it is refused)
REJECTED: list[tuple[str, dict, str, str]] = [
    ("choose_request_type", {"request_type": "vacation", "applicant": "agent"}, "request_type", "type not in the enum"),
    ("choose_request_type", {"request_type": "leave"}, "applicant", "`applicant` missing"),
    ("choose_request_type", {"request_type": "leave", "applicant": "li wei"}, "applicant", "user name with a space"),
    ("leave_request", {**LEAVE, "start_date": "2026/01/12"}, "start_date", "date not in YYYY-MM-DD"),
    ("leave_request", {**LEAVE, "end_date": "2026-02-30"}, "end_date", "no such date"),
    ("leave_request", {k: v for k, v in LEAVE.items() if k != "document_reference"}, "document_reference", "no leave note or document"),
    ("leave_request", {**LEAVE, "reason": "   "}, "reason", "blank reason"),
    ("leave_request", {**LEAVE, "leave_type": "holiday"}, "leave_type", "leave type not in the enum"),
    ("approve_leave", {"approved": True}, "substitute", "approved without a substitute"),
    ("approve_leave", {"approved": True, "substitute": " "}, "substitute", "blank substitute"),
    ("approve_leave", {"approved": False}, "rejection_reason", "rejected without a reason"),
    ("approve_leave", {"approved": "yes", "substitute": "agent2"}, "approved", "not a boolean"),
    ("leave_handover", {"open_tasks": "无", "customers_transferred": "无"}, "urgent_matters", "`urgent_matters` missing"),
    ("leave_handover", {"open_tasks": "无", "customers_transferred": "", "urgent_matters": "无"}, "customers_transferred", "blank customers"),
    ("confirm_takeover", {"takes_over": False}, "decline_reason", "declined without a reason"),
    ("confirm_takeover", {"takeover_note": "ok"}, "takes_over", "`takes_over` missing"),
    ("choose_substitute", {"supervisor_note": "x"}, "substitute", "no new substitute"),
    ("shift_swap_request", {"shift_date": "2026-01-10", "shift": "day", "swap_with": "agent2", "swap_with_date": "2026-01-11", "colleague_agreed": False, "reason": "x", "handover_note": "x"}, "colleague_agreed", "colleague has not agreed"),
    ("shift_swap_request", {"shift_date": "2026-01-10", "shift": "night", "swap_with": "agent2", "swap_with_date": "2026-01-11", "colleague_agreed": True, "reason": "x", "handover_note": "x"}, "shift", "shift not in the enum"),
    ("shift_swap_request", {"shift_date": "2026-01-10", "shift": "day", "swap_with": "agent2", "swap_with_date": "2026-01-11", "colleague_agreed": True, "reason": "x"}, "handover_note", "nothing handed over (交代清楚)"),
    ("approve_shift_swap", {"approved": False, "rejection_reason": ""}, "rejection_reason", "rejected with a blank reason"),
    ("overtime_request", {"overtime_date": "2026-01-09", "start_time": "18:00", "hours": 0, "reason": "x"}, "hours", "0 hours"),
    ("overtime_request", {"overtime_date": "2026-01-09", "start_time": "18:00", "hours": 13, "reason": "x"}, "hours", "more than 12 hours"),
    ("overtime_request", {"overtime_date": "2026-01-09", "start_time": "25:00", "hours": 2, "reason": "x"}, "start_time", "no such time"),
    ("overtime_request", {"overtime_date": "tomorrow", "start_time": "18:00", "hours": 2, "reason": "x"}, "overtime_date", "not a date"),
    ("approve_overtime", {"approved": False}, "rejection_reason", "rejected without a reason"),
    ("submit_money_list", {"items": [], "signer": "慧兰"}, "items", "empty list"),
    ("submit_money_list", {"items": [{**ITEMS[0], "amount": 0}], "signer": "慧兰"}, "items/0/amount", "amount 0"),
    ("submit_money_list", {"items": [ITEMS[0], {**ITEMS[1], "amount": -5}], "signer": "慧兰"}, "items/1/amount", "negative amount"),
    ("submit_money_list", {"items": [{**ITEMS[0], "direction": "cash"}], "signer": "慧兰"}, "items/0/direction", "direction not in the enum"),
    ("submit_money_list", {"items": [{**ITEMS[0], "alipay_note": "删除中评"}], "signer": "慧兰"}, "items/0/alipay_note", "Alipay note without _客服姓名"),
    ("submit_money_list", {"items": [{**ITEMS[0], "alipay_note": "_慧兰"}], "signer": "慧兰"}, "items/0/alipay_note", "Alipay note without content"),
    ("submit_money_list", {"items": [{k: v for k, v in ITEMS[0].items() if k != "order_no"}], "signer": "慧兰"}, "items/0/order_no", "order number missing"),
    ("submit_money_list", {"items": ITEMS}, "signer", "list not signed"),
    ("correct_money_list", {"items": [{**ITEMS[0], "amount": "30"}], "signer": "慧兰"}, "items/0/amount", "amount as text"),
    ("sign_money_list", {"approved": True}, "supervisor_signature", "signed without a signature"),
    ("sign_money_list", {"approved": False}, "rejection_reason", "returned without a reason"),
    ("finance_receive", {"finance_note": "x"}, "finance_reference", "no finance reference"),
    ("finance_receive", {"finance_reference": " "}, "finance_reference", "blank finance reference"),
]
