"""The language a response speaks: Chinese unless the request's ``Accept-Language`` prefers
English (pages send their own ``lang``), and the API's words that depend on it: problem titles,
the details the API itself writes (415, a rejected model, the database), marshmallow's messages
about fields. A service's coded refusals have their own catalogues (``services.error_texts``)."""
from __future__ import annotations

import functools
import re

from flask import has_request_context, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

SUPPORTED = ("zh", "en")


def request_language() -> str:
    """``en`` when the client prefers English to Chinese, else ``zh`` (the default)."""
    if not has_request_context():
        return "zh"
    return language_of(request.headers.get("Accept-Language", ""))


@functools.lru_cache(maxsize=256)
def language_of(accept_language: str) -> str:
    """What an ``Accept-Language`` header picks. Cached: clients send a handful of distinct
    headers, and parsing one on every call cost more than the rest of a task list's words."""
    if not accept_language:
        return "zh"
    best = parse_accept_header(accept_language, LanguageAccept).best_match(
        ["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best.lower().startswith("en") else "zh"


TITLES = {
    "zh": {400: "请求有误", 401: "未登录", 403: "无权操作", 404: "未找到", 405: "不支持该方法",
           406: "无法提供所要的格式", 409: "冲突", 410: "已不存在", 411: "缺少内容长度",
           412: "前提条件不成立", 413: "请求内容过大", 414: "网址过长", 415: "不支持的内容类型",
           422: "提交的内容未通过校验", 428: "缺少前提条件", 429: "请求过于频繁",
           431: "请求头过大", 500: "服务器内部错误", 501: "尚未实现", 503: "服务暂不可用"},
    "en": {422: "Validation failed", 415: "Unsupported media type"},
}
# titles more telling than their status's, by their English words
NAMED_TITLES = {
    "zh": {"Task not ready": "任务尚未就绪", "Illegal user status change": "不允许的用户状态变更",
           "Task no longer open": "任务已不能办理", "Database unavailable": "数据库暂不可用"},
    "en": {},
}


def title(status: int, default: str) -> str:
    """The title in the request's language: every 422 the same words, a few causes their own
    (``NAMED_TITLES``), else the status's; English keeps the title it was given."""
    lang = request_language()
    if status in TITLES["en"]:
        return TITLES[lang][status]
    return NAMED_TITLES[lang].get(default) or (TITLES[lang].get(status) if lang == "zh"
                                                else None) or default


DETAILS = {
    "zh": {"fields": "以下字段有误：{fields}", "form": "提交的数据不符合任务表单。",
           "variables": "以下变量不能保存：{fields}",
           "json_only": "请求体必须是 JSON：请设置 Content-Type: application/json（收到的是 {got}）。",
           "model": "部署被拒绝：发现 {count} 个问题。",
           "integrity": "此修改与已保存的内容冲突（某个值必须唯一，或引用了不存在的内容）。",
           "database": "数据库没有及时响应，请稍后再试。",
           "server": "服务器出错了，已记录在日志中。",
           "auth.none": "请登录，或发送 Authorization: Bearer <令牌>（用 flowdesk tokens create 用户名 创建）。",
           "auth.bearer": "请发送 Authorization: Bearer <令牌>（用 flowdesk tokens create 用户名 创建）。",
           "auth.bad_token": "令牌不存在、已吊销或已过期，或其用户已停用。",
           "auth.csrf": "此修改需要带上本次会话的 X-CSRF-Token 请求头。",
           "auth.session_ended": "会话已结束（已退出、已过期或账号已停用）；请重新登录。",
           "auth.wrong_password": "用户名或密码不正确。",
           "path_range": "路径中的数字超出范围：{names}",
           "path_range_field": "必须是能存入该列的整数（最大 2147483647，64 位编号最大 9223372036854775807）。",
           "files": "请用 multipart/form-data 上传模型，包含一个或多个 files 部分。",
           "files_field": "缺少文件"},
    "en": {"fields": "The request has invalid fields: {fields}",
           "form": "The submitted data does not satisfy the task's form.",
           "variables": "These variables cannot be stored: {fields}",
           "json_only": "The request body must be JSON: send Content-Type: application/json "
                        "(got {got}).",
           "model": "The deployment was rejected: {count} problem(s) found.",
           "integrity": "The change clashes with what is already stored (a value that must be "
                        "unique, or a reference to something missing).",
           "database": "The database did not answer in time. Try again in a moment.",
           "server": "Something went wrong on the server; it has been logged.",
           "auth.none": "Send 'Authorization: Bearer <token>' (create one with 'flowdesk tokens "
                        "create USER'), or sign in.",
           "auth.bearer": "Send 'Authorization: Bearer <token>'; create one with "
                          "'flowdesk tokens create USER'.",
           "auth.bad_token": "The bearer token is unknown, revoked or expired, or its user is "
                             "disabled.",
           "auth.csrf": "This change needs the X-CSRF-Token header of your session.",
           "auth.session_ended": "Your session has ended (signed out, expired or the account "
                                 "is disabled); sign in again.",
           "auth.wrong_password": "Unknown user or wrong password.",
           "path_range": "The path has a number out of range: {names}",
           "path_range_field": "Must be a whole number that fits its column (at most "
                               "2147483647, or 9223372036854775807 for 64-bit ids).",
           "files": "Send the model as multipart/form-data with one or more 'files' parts.",
           "files_field": "missing"},
}


# werkzeug's descriptions of a status, in Chinese (English keeps werkzeug's)
HTTP_DETAILS_ZH = {
    400: "服务器无法理解这个请求。", 401: "请先登录。", 403: "你没有权限访问这里。",
    404: "没有这个地址；请检查网址。", 405: "这个地址不支持该请求方法。",
    406: "服务器无法按所要的格式回答。", 409: "请求与当前状态冲突。", 413: "请求内容过大。",
    414: "网址过长。", 415: "不支持的内容类型。", 429: "请求过于频繁，请稍后再试。",
    500: "服务器出错了，已记录在日志中。", 503: "服务暂不可用，请稍后再试。",
}


def http_detail(status: int, default: str) -> str:
    """The description of a status werkzeug raised, in the request's language."""
    return HTTP_DETAILS_ZH.get(status, default) if request_language() == "zh" else default


# the engine's refusals (technical English, kept for English) in Chinese words
ENGINE_ZH = {
    "task_not_ready": "该任务现在还不能办理（流程尚未走到这一步，或正在处理中）；请刷新后再试。",
    "task_gone": "该任务已不在流程中等待（可能已被他人完成或流程已改变）；请刷新。",
}


def said(key: str, english: str) -> str:
    """An engine refusal: Chinese words for it, or the engine's own English."""
    return ENGINE_ZH[key] if request_language() == "zh" else english


def detail(key: str, **values: str) -> str:
    text = DETAILS[request_language()][key]
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


# marshmallow's and webargs' own messages -> (code, Chinese); patterns carry parameters.
_FIELD_MESSAGES = {
    "Missing data for required field.": ("required", "必须填写此字段。"),
    "Field may not be null.": ("null", "此字段不能为空。"),
    "Unknown field.": ("unknown", "不认识的字段。"),
    "Not a valid integer.": ("type", "必须是整数。"),
    "Not a valid number.": ("type", "必须是数字。"),
    "Not a valid string.": ("type", "必须是文本。"),
    "Not a valid boolean.": ("type", "必须是 true 或 false。"),
    "Not a valid datetime.": ("type", "必须是 ISO 8601 日期时间（如 2026-12-01T09:00:00+08:00）。"),
    "Not a valid aware datetime.": ("type", "必须是带时区的 ISO 8601 日期时间（如 2026-12-01T09:00:00+08:00）。"),
    "Not a valid naive datetime.": ("type", "必须是不带时区的日期时间（如 2026-12-01T09:00:00）。"),
    "Not a valid date.": ("type", "必须是日期（如 2026-12-01）。"),
    "Not a valid time.": ("type", "必须是时间（如 09:00）。"),
    "Not a valid list.": ("type", "必须是列表。"),
    "Not a valid mapping type.": ("type", "必须是 JSON 对象。"),
    "Not a valid email address.": ("format", "必须是电子邮件地址。"),
    "Not a valid URL.": ("format", "必须是网址。"),
    "Invalid input type.": ("type", "类型不正确。"),
    "Invalid value.": ("invalid", "值无效。"),
    "Invalid input.": ("invalid", "输入无效。"),
    "Not a valid UUID.": ("type", "必须是 UUID。"),
    "Not a valid tuple.": ("type", "必须是列表。"),
    "Not a valid period of time.": ("type", "必须是时长。"),
    "Shorter than minimum length 1.": ("minLength", "不能为空。"),
    "Invalid JSON body.": ("json", "请求体不是有效的 JSON。"),
    "Must be a time between the years 1900 and 8999.": ("range", "必须是 1900 年到 8999 年之间的时间。"),
    "JSON nested too deeply (at most 64 levels of objects and arrays).": ("depth", "JSON 嵌套过深（对象和数组最多嵌套 64 层）。"),
    "Text holds U+0000 or a lone surrogate, which cannot be stored.":
        ("text", "文本含有无法保存的字符（U+0000 或单独的代理项）。"),
}
_PATTERNS = [
    (re.compile(r"^Must be one of: (.*)\.$"), "enum", "必须是以下之一：{0}。"),
    (re.compile(r"^One or more of the choices you made was not in: (.*)\.$"), "enum",
     "只能从以下选择：{0}。"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     "range", "必须在 {0} 到 {1} 之间。"),
    (re.compile(r"^Must be greater than (\S+) and less than or equal to (\S+)\.$"),
     "range", "必须大于 {0}，且不能大于 {1}。"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than (\S+)\.$"),
     "range", "不能小于 {0}，且必须小于 {1}。"),
    (re.compile(r"^Must be greater than (\S+) and less than (\S+)\.$"),
     "range", "必须大于 {0} 且小于 {1}。"),
    (re.compile(r"^Must be greater than or equal to (.+)\.$"), "minimum", "不能小于 {0}。"),
    (re.compile(r"^Must be less than or equal to (.+)\.$"), "maximum", "不能大于 {0}。"),
    (re.compile(r"^Must be greater than (.+)\.$"), "exclusiveMinimum", "必须大于 {0}。"),
    (re.compile(r"^Must be less than (.+)\.$"), "exclusiveMaximum", "必须小于 {0}。"),
    (re.compile(r"^Must be equal to (.+)\.$"), "const", "必须等于 {0}。"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "length", "长度必须在 {0} 到 {1} 之间。"),
    (re.compile(r"^Length must be (\d+)\.$"), "length", "长度必须是 {0}。"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "minLength", "至少需要 {0} 个字。"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "maxLength", "最多 {0} 个字。"),
    (re.compile(r"^String does not match expected pattern\.$"), "pattern", "格式不正确。"),
    # our own schemas' and fields' words (api/fields.py, schemas_events.py, schemas_external.py,
    # schemas_task_actions.py)
    (re.compile(r"^Must be a whole number between (\S+) and (\S+)\.$"), "range",
     "必须是 {0} 到 {1} 之间的整数。"),
    (re.compile(r"^(.*) is longer than a duration can be\.$"), "maximum", "{0} 超出了时长的上限。"),
    (re.compile(r"^must be a string or an integer$"), "type", "必须是文本或整数。"),
    (re.compile(r"^each topic once: (.*) appear\(s\) twice$"), "uniqueItems",
     "每个主题只能出现一次：{0} 重复了。"),
    (re.compile(r"^give either ids or filter$"), "oneOf", "请给出 ids 或 filter，二者选一。"),
]


def field_message(message: str) -> tuple[str | None, str]:
    """A field message of marshmallow's in the request's language, with its code if known."""
    known = _FIELD_MESSAGES.get(message)
    zh = request_language() == "zh"
    if known:
        return known[0], known[1] if zh else message
    for pattern, code, text in _PATTERNS:
        match = pattern.match(message)
        if match:
            return code, text.format(*match.groups()) if zh else message
    return None, message
