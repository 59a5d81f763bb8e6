"""The language a response speaks: Chinese unless the request's ``Accept-Language`` prefers
English (pages send their own ``lang``), and the API's words that depend on it: problem titles,
the 415, marshmallow's messages about fields."""
from __future__ import annotations

import re

from flask import has_request_context, request

SUPPORTED = ("zh", "en")


def request_language() -> str:
    """``en`` when the client prefers English to Chinese, else ``zh`` (the default)."""
    if not has_request_context():
        return "zh"
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best.lower().startswith("en") else "zh"


TITLES = {
    "zh": {400: "请求有误", 401: "未登录", 403: "无权操作", 404: "未找到", 405: "不支持该方法",
           409: "冲突", 413: "请求内容过大", 415: "不支持的内容类型", 422: "提交的内容未通过校验",
           429: "请求过于频繁", 500: "服务器内部错误", 503: "服务暂不可用"},
    "en": {422: "Validation failed", 415: "Unsupported media type"},
}


def title(status: int, default: str) -> str:
    """One title per status in the request's language; every 422 gets the same words."""
    lang = request_language()
    return TITLES[lang].get(status) or (TITLES["en"].get(status) if lang == "en" else None) \
        or default


DETAILS = {
    "zh": {"fields": "以下字段有误：{fields}", "form": "提交的数据不符合任务表单。",
           "json_only": "请求体必须是 JSON：请设置 Content-Type: application/json（收到的是 {got}）。"},
    "en": {"fields": "The request has invalid fields: {fields}",
           "form": "The submitted data does not satisfy the task's form.",
           "json_only": "The request body must be JSON: send Content-Type: application/json "
                        "(got {got})."},
}


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
    "Not a valid date.": ("type", "必须是日期（如 2026-12-01）。"),
    "Not a valid time.": ("type", "必须是时间（如 09:00）。"),
    "Not a valid list.": ("type", "必须是列表。"),
    "Not a valid mapping type.": ("type", "必须是 JSON 对象。"),
    "Not a valid email address.": ("format", "必须是电子邮件地址。"),
    "Not a valid URL.": ("format", "必须是网址。"),
    "Invalid input type.": ("type", "类型不正确。"),
    "Invalid value.": ("invalid", "值无效。"),
    "Shorter than minimum length 1.": ("minLength", "不能为空。"),
    "Invalid JSON body.": ("json", "请求体不是有效的 JSON。"),
}
_PATTERNS = [
    (re.compile(r"^Must be one of: (.*)\.$"), "enum", "必须是以下之一：{0}。"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     "range", "必须在 {0} 到 {1} 之间。"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "minimum", "不能小于 {0}。"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "maximum", "不能大于 {0}。"),
    (re.compile(r"^Must be greater than (\S+)\.$"), "exclusiveMinimum", "必须大于 {0}。"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "length", "长度必须在 {0} 到 {1} 之间。"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "minLength", "至少需要 {0} 个字。"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "maxLength", "最多 {0} 个字。"),
    (re.compile(r"^String does not match expected pattern\.$"), "pattern", "格式不正确。"),
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
