"""Reports as files: CSV (UTF-8 with a BOM, the rows' own keys as headings) and Excel .xlsx
(openpyxl; Chinese column headings, dates and times as real Excel dates in the team's time zone).

HTTP formatting only: the rows come from ``services.reports*`` as lists of flat dicts.

Text in the rows is what staff and customers typed (names, addresses, descriptions), so a
spreadsheet must never run it: a CSV cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe (OWASP's defence against CSV injection), and every
text cell of an .xlsx is written as text, never as a formula (openpyxl takes a string starting
with ``=`` for one).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")

# Column headings of the Excel files (a key not listed keeps its own name).
HEADINGS = {
    "status": "状态", "process_key": "流程", "day": "日期", "user_status": "用户状态",
    "open_cases": "未结案件", "agent": "客服账号", "agent_name": "客服",
    "tasks_served": "受理任务",
    "tasks_resolved": "解决任务", "median_first_response_min": "首次响应中位数（分钟）",
    "median_resolution_min": "解决时长中位数（分钟）", "sla_met": "SLA 达标",
    "sla_breached": "SLA 超时", "met_pct": "达标率（%）", "period": "日期（周一为周）",
    "month": "月份", "complaints": "投诉数", "orders": "订单数", "per_100_orders": "每百单投诉",
    "closed_with_answer": "已回访结案", "satisfied": "满意", "satisfied_pct": "满意率（%）",
    "average_score": "平均评分", "case_no": "案件编号", "task_id": "任务编号", "task": "任务",
    "order_no": "订单号", "amount": "金额", "direction": "资金方向", "note": "备注",
    "signer": "签字人", "completed_by": "经办人", "completed_at": "完成时间",
    "started_at": "开始时间", "review_date": "评价日期", "wangwang_id": "旺旺号",
    "phone": "电话", "item": "商品", "rating": "评价", "severity": "严重程度",
    "review_content": "评价内容", "handling_status": "处理状态", "progress": "进度",
    "promised_date": "承诺日期", "group": "处理组代码", "group_name": "处理组", "under_1d": "1 天内", "d1_3": "1–3 天",
    "d3_7": "3–7 天", "over_7d": "7 天以上", "total": "合计",
    "responsibility_centre": "责任中心", "notification_type": "通知类型",
    "system_status": "系统状态", "urgent": "紧急", "short_description": "简述",
    "customer_name": "客户", "object_address": "地址", "main_work_centre": "主工作中心",
    "technician": "技术员", "planned_visit_date": "计划上门日期", "planned_start": "计划开始",
    "planned_end": "计划结束",
}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _csv_text(value: Any) -> Any:
    """A value for a CSV cell: text a spreadsheet would take for a formula made inert."""
    value = _plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def json_rows(rows: list[dict]) -> list[dict]:
    """Dates and times as ISO 8601 strings (Flask's JSON would write RFC 1123)."""
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _attachment(name: str, ext: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{name}.{ext}"'}


def csv_response(rows: list[dict], name: str) -> Response:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_text(v) for k, v in row.items()})
    # a BOM so that Excel opens the Chinese text as UTF-8
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers=_attachment(name, "csv"))


def _cell(value: Any, zone: ZoneInfo) -> tuple[Any, str | None]:
    """A value Excel understands, and its number format (Excel has no time zones: local)."""
    if isinstance(value, datetime):
        return value.astimezone(zone).replace(tzinfo=None), "yyyy-mm-dd hh:mm"
    if isinstance(value, date):
        return value, "yyyy-mm-dd"
    if isinstance(value, str) and _DAY.match(value):
        try:
            return date.fromisoformat(value), "yyyy-mm-dd"
        except ValueError:
            return value, None
    if isinstance(value, str) and _MONTH.match(value):
        return date.fromisoformat(value + "-01"), "yyyy-mm"
    if isinstance(value, (dict, list)):
        return str(value), None
    return value, None


def xlsx_response(rows: list[dict], name: str, title: str, timezone: str) -> Response:
    # imported here: openpyxl is ~9 MB in every server worker, for the odd Excel download
    from openpyxl import Workbook
    from openpyxl.styles import Font
    zone = ZoneInfo(timezone)
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    keys = list(rows[0]) if rows else []
    sheet.append([HEADINGS.get(k, k) for k in keys])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = [_cell(row[k], zone) for k in keys]
        sheet.append([v for v, _ in values])
        for cell, (value, number_format) in zip(sheet[sheet.max_row], values):
            if number_format:
                cell.number_format = number_format
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
    for index, key in enumerate(keys, start=1):
        width = max(len(HEADINGS.get(key, key)) * 2, 10)
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width, 40)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE,
                    headers=_attachment(name, "xlsx"))
