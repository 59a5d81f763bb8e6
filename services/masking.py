"""Masking personal data for summaries shown to staff who do not work on the case.

One place for the rules: a phone keeps its first 3 and last 4 digits (``138****5678``), a name
its first character, an address its first 6 characters (province and city), a bank account or
IBAN its last 4, an id number its first 3 and last 4, an e-mail its first character and domain.
Which variables are personal is told by their key (``personal_kind``).
"""
from __future__ import annotations

import re
from typing import Any

STAR = "*"


def phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 7:
        return STAR * len(digits)
    return f"{digits[:3]}{STAR * 4}{digits[-4:]}"


def name(value: str) -> str:
    value = value.strip()
    return value[:1] + STAR * max(len(value) - 1, 1) if value else value


def address(value: str) -> str:
    return value[:6] + STAR * 4 if len(value) > 6 else STAR * 4


def bank(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    return f"{STAR * 4}{compact[-4:]}" if len(compact) > 4 else STAR * 4


def id_number(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    return f"{compact[:3]}{STAR * (len(compact) - 7)}{compact[-4:]}" if len(compact) > 8 \
        else STAR * len(compact)


def email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}{STAR * 3}@{domain}" if domain else name(value)


_RULES = {"phone": phone, "name": name, "address": address, "bank": bank, "id": id_number,
          "email": email}
_KINDS = (("email", ("email", "mail", "邮箱")),
          ("phone", ("phone", "mobile", "tel", "手机", "电话")),
          ("bank", ("iban", "bank", "account", "card_no", "银行", "账号", "卡号")),
          ("id", ("id_no", "id_number", "id_card", "passport", "身份证")),
          ("address", ("address", "addr", "地址")),
          ("name", ("name", "姓名", "联系人")))


def personal_kind(key: str) -> str | None:
    """Which rule a variable's value needs, told by its key; None if not personal data."""
    lowered = key.lower()
    return next((kind for kind, words in _KINDS if any(w in lowered for w in words)), None)


def mask(kind: str, value: Any) -> Any:
    """The value masked by the rule for ``kind``; non-strings come back as stars."""
    return _RULES[kind](value) if isinstance(value, str) else (None if value is None else STAR * 4)


def customer(record: dict) -> dict:
    """A customer's summary: who (masked), tier and class; no notes, birthday or IM id."""
    return {"id": record.get("id"), "code": record.get("code"),
            "name": mask("name", record.get("name")), "tier": record.get("tier"),
            "abc_class": record.get("abc_class"), "phone": mask("phone", record.get("phone")),
            "email": mask("email", record.get("email")), "masked": True}


def personal_variables(variables: dict) -> dict:
    """Only the variables that are personal data, each masked (free text is left out)."""
    return {k: mask(kind, v) for k, v in variables.items()
            if (kind := personal_kind(k)) is not None and not isinstance(v, (dict, list))}
