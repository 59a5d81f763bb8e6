"""The customers and rounds of processes/monthly-callback (mirrors the tables in its README).

Times are UTC. The fake clock starts at 2026-01-05 09:00; the schedule "R/2026-01-01T09:00:00+08:00/P1M"
fires on 2026-02-01 01:00 and, P1M being read today as the 31 days of January, again on 2026-03-04 01:00
(2026-03-01 once StartSchedule steps calendar months, as proposed; both are accepted).
"""
from __future__ import annotations

from datetime import datetime, timezone

OLD = datetime(2025, 10, 1, 2, 0, tzinfo=timezone.utc)      # customers from before: not "new"
COMPLAINTS_AT = datetime(2026, 1, 10, 2, 0, tzinfo=timezone.utc)
NEW = datetime(2026, 1, 20, 2, 0, tzinfo=timezone.utc)      # new in February, not in March
FEBRUARY_ROUND = datetime(2026, 2, 1, 1, 0, tzinfo=timezone.utc)
MARCH_ROUND = datetime(2026, 3, 4, 1, 0, tzinfo=timezone.utc)
MARCH_ROUND_CALENDAR = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)  # with calendar months

# code -> (created at, record, complaints started on COMPLAINTS_AT)
CUSTOMERS: dict[str, tuple[datetime, dict, int]] = {
    "HF-C1": (OLD, {"name": "王芳", "tier": "VIP", "abc_class": "A", "phone": "13800001111"}, 0),
    "HF-C2": (OLD, {"name": "李伟", "tier": "普通", "abc_class": "B", "phone": "13900002222"}, 2),
    "HF-C3": (OLD, {"name": "赵敏", "tier": "普通", "abc_class": "C"}, 1),
    "HF-C4": (OLD, {"name": "陈杰", "tier": "银卡", "abc_class": "A"}, 0),
    "HF-C5": (OLD, {"name": "孙浩", "tier": "银卡", "abc_class": "B"}, 0),
    "HF-C6": (NEW, {"name": "刘洋", "tier": "普通"}, 0),
}

# Round A (2026-02): first round, nothing to follow up; four customers, one not reached.
# Round B (2026-03): checks round A's actions (first incompletely, so the check comes back);
#                    刘洋 is no longer new, so three customers.
ROUNDS: dict[str, dict] = {
    "A": {
        "at": [FEBRUARY_ROUND], "round": "2026-02", "previous_improvement_actions": [],
        "selected": {"HF-C1": ["high_value"], "HF-C2": ["many_complaints"],
                     "HF-C4": ["high_value"], "HF-C6": ["new"]},
        "priority": {"HF-C1": 90, "HF-C2": 50, "HF-C4": 50, "HF-C6": 50},
        "checks": [],
        "calls": {
            "HF-C1": {"reached": True, "channel": "phone", "satisfaction": 5,
                      "issues": "", "suggestions": "希望VIP专线晚上也有人接。"},
            "HF-C2": {"reached": True, "channel": "phone", "satisfaction": 2,
                      "issues": "两次投诉都是物流慢,退款也拖了三天。",
                      "suggestions": "退款进度请主动短信告知。"},
            "HF-C4": {"reached": False, "channel": "phone",
                      "note": "电话三次无人接听,下周二上午再打。"},
            "HF-C6": {"reached": True, "channel": "wechat", "satisfaction": 4,
                      "issues": "不会用积分。", "suggestions": ""},
        },
        "report": {"report": "本月回访4位客户,联系上3位,平均满意度3.67。主要问题:物流慢、退款进度不透明、"
                             "新客户不了解积分规则。",
                   "improvement_actions": ["退款进度每日短信通知客户", "新客户首单附积分使用说明"]},
        "expected": {"reached_count": 3, "not_reached_count": 1, "satisfied_percent": 66,
                     "average_satisfaction": 11 / 3},
    },
    "B": {
        "at": [MARCH_ROUND, MARCH_ROUND_CALENDAR], "round": "2026-03",
        "previous_improvement_actions": ["退款进度每日短信通知客户", "新客户首单附积分使用说明"],
        "selected": {"HF-C1": ["high_value"], "HF-C2": ["many_complaints"],
                     "HF-C4": ["high_value"]},
        "priority": {"HF-C1": 90, "HF-C2": 50, "HF-C4": 50},
        "checks": [
            # first submission forgets the second action: the task comes back
            {"action_checks": [{"action": "退款进度每日短信通知客户", "done": True,
                                "note": "3月1日起由售后组每日发送。"}]},
            {"action_checks": [{"action": "退款进度每日短信通知客户", "done": True,
                                "note": "3月1日起由售后组每日发送。"},
                               {"action": "新客户首单附积分使用说明", "done": False,
                                "note": "说明卡还在印刷,预计3月中旬。"}]},
        ],
        "calls": {
            "HF-C1": {"reached": True, "channel": "visit", "satisfaction": 5,
                      "issues": "", "suggestions": ""},
            "HF-C2": {"reached": True, "channel": "phone", "satisfaction": 4,
                      "issues": "", "suggestions": "短信通知很好。"},
            "HF-C4": {"reached": True, "channel": "phone", "satisfaction": 3,
                      "issues": "新品上架太慢。", "suggestions": ""},
        },
        "report": {"report": "本月回访3位客户,全部联系上,平均满意度4.0。退款短信通知已落实,积分说明卡未完成,继续跟进。",
                   "improvement_actions": ["新客户首单附积分使用说明"]},
        "expected": {"reached_count": 3, "not_reached_count": 0, "satisfied_percent": 66,
                     "average_satisfaction": 4.0},
    },
}

# Round C: no customer at all -> the supervisor writes the report directly.
EMPTY_REPORT = {"report": "本月没有符合条件的回访对象,未进行回访。", "improvement_actions": []}
