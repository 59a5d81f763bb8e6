"""Phone numbers in one form, so a look-up by phone finds the customer however it was typed.

Staff type ``138 1234 5678``, ``138-1234-5678``, ``+86 138 1234 5678``, full-width digits
from a Chinese input method, or ``(021) 6123-4567``. A customer's record keeps digits only
(with a leading ``+`` for a foreign number), a Chinese mobile without its country code; the
exact look-ups (case search, the look-up by phone) compare that form, and the customer search
looks for the typed digits in it.
"""
from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-().·/]")  # what people put between groups of digits
_PHONE = re.compile(r"\+?\d{3,20}")
_CN_MOBILE = re.compile(r"(?:\+86|0086|86)?(1\d{10})")


def compact(text: str) -> str:
    """``text`` with full-width characters made ASCII and digit-group separators dropped."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def normalised(text: str | None) -> str | None:
    """The stored form of a phone number as typed; None when ``text`` is not one."""
    if text is None:
        return None
    number = compact(text)
    mobile = _CN_MOBILE.fullmatch(number)
    if mobile:
        return mobile.group(1)
    return number if _PHONE.fullmatch(number) else None


def as_looked_up(text: str) -> str:
    """What an exact look-up compares a customer's phone with: the normalised number, or the
    text itself when it is no phone number (it then matches no stored phone)."""
    return normalised(text) or text
