"""A form error's (or a business calendar's) code and parameters said in words, in Chinese
(the default) or English.

Messages name the field by its form ``title`` ("金额必须大于 0", "必须填写：联系电话"); a
``const: true`` on a checkbox is a confirmation ("请确认客户已同意"). Codes without a sentence of
their own fall back to a general one, never to jsonschema's English.
"""
from __future__ import annotations

from typing import Any

LANGUAGES = ("zh", "en")

_TYPES = {
    "zh": {"string": "文本", "number": "数字", "integer": "整数", "boolean": "是或否",
           "array": "列表", "object": "对象", "null": "空值"},
    "en": {"string": "text", "number": "a number", "integer": "a whole number",
           "boolean": "yes or no", "array": "a list", "object": "an object", "null": "empty"},
}

_FORMATS = {
    "zh": {"date": "日期（如 2026-12-01）", "date-time": "日期时间（如 2026-12-01T09:00:00+08:00）",
           "time": "时间（如 09:00:00+08:00）", "email": "电子邮件地址", "uri": "网址",
           "duration": "时长（如 PT4H）"},
    "en": {"date": "a date (e.g. 2026-12-01)", "date-time": "a date and time "
           "(e.g. 2026-12-01T09:00:00+08:00)", "time": "a time (e.g. 09:00:00+08:00)",
           "email": "an e-mail address", "uri": "a web address", "duration": "a duration (e.g. PT4H)"},
}

_TEXTS = {
    "zh": {
        "required": "必须填写：{label}",
        "customer_required": "请选择客户：这个流程的案件必须关联一位客户",
        "type": "{label}必须是{expected}",
        "minimum": "{label}不能小于 {limit}",
        "exclusiveMinimum": "{label}必须大于 {limit}",
        "maximum": "{label}不能大于 {limit}",
        "exclusiveMaximum": "{label}必须小于 {limit}",
        "multipleOf": "{label}必须是 {limit} 的整数倍",
        "minLength": "{label}至少需要 {limit} 个字",
        "minLength1": "必须填写：{label}",
        "maxLength": "{label}最多 {limit} 个字",
        "pattern": "{label}的格式不正确",
        "format": "{label}必须是{format}",
        "confirm": "请确认{label}",
        "const": "{label}必须是「{expected}」",
        "enum": "{label}必须是以下之一：{allowed}",
        "oneOf": "{label}的选择无效",
        "minItems": "{label}至少需要 {limit} 项",
        "maxItems": "{label}最多 {limit} 项",
        "uniqueItems": "{label}不能有重复项",
        "additionalProperties": "表单没有这些字段：{names}",
        "not_object": "表单数据必须是 JSON 对象",
        "variable_name": "变量名「{label}」不可用：须以字母或汉字开头，只含字母、汉字、数字和下划线",
        "too_large": "{label}太大：变量的文字合计不能超过 {limit} 个字符",
        "invalid": "{label}无效",
        "form": "表单",
        "sep": "、",
    },
    "en": {
        "required": "Required: {label}",
        "customer_required": "Choose a customer: this process's cases belong to one",
        "type": "{label} must be {expected}",
        "minimum": "{label} must be at least {limit}",
        "exclusiveMinimum": "{label} must be greater than {limit}",
        "maximum": "{label} must be at most {limit}",
        "exclusiveMaximum": "{label} must be less than {limit}",
        "multipleOf": "{label} must be a multiple of {limit}",
        "minLength": "{label} needs at least {limit} characters",
        "minLength1": "Required: {label}",
        "maxLength": "{label} takes at most {limit} characters",
        "pattern": "{label} is not in the expected form",
        "format": "{label} must be {format}",
        "confirm": "Please confirm: {label}",
        "const": "{label} must be \u201c{expected}\u201d",
        "enum": "{label} must be one of: {allowed}",
        "oneOf": "{label}: choose one of the options",
        "minItems": "{label} needs at least {limit} items",
        "maxItems": "{label} takes at most {limit} items",
        "uniqueItems": "{label} must not repeat an item",
        "additionalProperties": "The form has no such fields: {names}",
        "not_object": "The form data must be a JSON object",
        "variable_name": "'{label}' cannot be a variable's name: start with a letter, then "
                         "letters, digits and underscores only",
        "too_large": "{label} is too large: variables hold at most {limit} characters of text",
        "invalid": "{label} is not valid",
        "form": "the form",
        "sep": ", ",
    },
}


# A business calendar's problems (engine/calendars.py), said beside the admin console's fields.
_CALENDAR = {
    "zh": {
        "calendar.not_object": "日历必须是 JSON 对象",
        "calendar.invalid": "设置无效",
        "calendar.unknown_setting": "没有「{name}」这项设置",
        "calendar.title": "名称最多 {limit} 个字",
        "calendar.timezone": "请填写有效的时区，如 Asia/Shanghai",
        "calendar.mode": "模式只能是「工作时间」或「7×24」",
        "calendar.country": "不认识的国家代码「{value}」；请用 CN、DE 这样的 ISO 3166 代码，或留空",
        "calendar.never_open": "日历在 {days} 天内没有任何工作时间（每天都休息）",
        "calendar.beyond_horizon": "{days} 天内按这个日历的工作时间算不到头；请缩短时长或增加工作时间",
        "calendar.windows": "工作时间的格式不正确",
        "calendar.weekday": "不认识的星期「{value}」",
        "calendar.pairs": "请按「09:00-12:00, 13:00-18:00」填写时间段，不上班请留空",
        "calendar.pair": "「{value}」不是一个时间段；请写成「09:00-12:00」",
        "calendar.start": "开始时间「{value}」不是 00:00 到 23:59 之间的时间（写成 HH:MM，如 09:00）",
        "calendar.end": "结束时间「{value}」不是 00:00 到 24:00 之间的时间（写成 HH:MM，如 18:00）",
        "calendar.empty": "开始和结束都是 {value}；时间段需要有长度（全天为 00:00-24:00）",
        "calendar.overlap": "{window} 与 {other} 重叠",
        "calendar.overlap_night": "{window} 与前一天跨夜的 {other} 重叠（到 {until} 为止）",
        "calendar.dates": "请填写 YYYY-MM-DD 格式的日期，用逗号分隔",
        "calendar.date": "「{value}」不是 YYYY-MM-DD 格式的日期",
    },
    "en": {
        "calendar.not_object": "A calendar must be a JSON object",
        "calendar.invalid": "Invalid setting",
        "calendar.unknown_setting": "There is no setting “{name}”",
        "calendar.title": "The title is at most {limit} characters",
        "calendar.timezone": "Enter a valid time zone such as Asia/Shanghai",
        "calendar.mode": "The mode is business hours or 24x7",
        "calendar.country": "Unknown country code “{value}”; use an ISO 3166 code such "
                            "as CN or DE, or leave it empty",
        "calendar.never_open": "The calendar has no open time in {days} days (every day closed)",
        "calendar.beyond_horizon": "This calendar's open time in {days} days is shorter than "
                                   "the duration; shorten it or add open hours",
        "calendar.windows": "The opening hours are not in the expected form",
        "calendar.weekday": "Unknown weekday “{value}”",
        "calendar.pairs": "Write the hours as 09:00-12:00, 13:00-18:00; leave a day off empty",
        "calendar.pair": "“{value}” is not a window; write it as 09:00-12:00",
        "calendar.start": "Start “{value}” is not a time of day between 00:00 and 23:59 "
                          "(HH:MM, e.g. 09:00)",
        "calendar.end": "End “{value}” is not a time between 00:00 and 24:00 "
                        "(HH:MM, e.g. 18:00)",
        "calendar.empty": "Start and end are both {value}; a window needs a length "
                          "(00:00-24:00 is the whole day)",
        "calendar.overlap": "{window} overlaps {other}",
        "calendar.overlap_night": "{window} overlaps the night before's {other} (until {until})",
        "calendar.dates": "Enter dates as YYYY-MM-DD, separated by commas",
        "calendar.date": "“{value}” is not a date in YYYY-MM-DD form",
    },
}


def _calendar(error: dict, lang: str) -> str:
    text = _CALENDAR[lang].get(error["code"], _CALENDAR[lang]["calendar.invalid"])
    for name, value in (error.get("params") or {}).items():
        text = text.replace("{" + name + "}", str(value))
    return text


def _word(value: Any, lang: str) -> str:
    if value is True:
        return "是" if lang == "zh" else "yes"
    if value is False:
        return "否" if lang == "zh" else "no"
    return str(value)


def render(error: dict, lang: str = "zh") -> str:
    """The sentence for one error of engine.forms.form_errors in ``lang`` (zh or en)."""
    lang = lang if lang in LANGUAGES else "zh"
    if str(error.get("code", "")).startswith("calendar."):
        return _calendar(error, lang)
    texts = _TEXTS[lang]
    code, params = error.get("code", "invalid"), dict(error.get("params") or {})
    label = error.get("label") or texts["form"]
    labels = params.get("labels")
    key = code if code in texts else "invalid"
    values: dict[str, Any] = {"label": label}
    if code == "type":
        expected = params.get("expected")
        names = expected if isinstance(expected, list) else [expected]
        values["expected"] = texts["sep"].join(_TYPES[lang].get(str(n), str(n)) for n in names)
    elif code in ("minLength",) and params.get("limit") == 1:
        key = "minLength1"
    elif code == "pattern" and params.get("pattern") in ("\\S", "\\S+", ".*\\S.*"):
        key = "minLength1"
    elif code == "format":
        values["format"] = _FORMATS[lang].get(str(params.get("format")), str(params.get("format")))
    elif code == "const":
        if params.get("expected") is True:
            key = "confirm"
        values["expected"] = labels[0] if labels else _word(params.get("expected"), lang)
    elif code == "enum":
        allowed = labels or [_word(v, lang) for v in params.get("allowed") or []]
        values["allowed"] = texts["sep"].join(allowed)
    elif code == "additionalProperties":
        values["names"] = texts["sep"].join(params.get("names") or [])
    if "limit" in params:
        values["limit"] = params["limit"]
    text = texts[key]
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def localized(errors: list[dict], lang: str, forms: bool = True) -> list[dict]:
    """The errors as the API sends them: field, code, params and the message in ``lang``;
    with ``forms`` False only calendar codes are rendered (other services' errors keep their
    message)."""
    out = []
    for error in errors:
        item = {k: v for k, v in error.items() if k != "label"}
        code = str(error.get("code", ""))
        if code and (forms or code.startswith("calendar.")):
            item["message"] = render(error, lang)
        out.append(item)
    return out
