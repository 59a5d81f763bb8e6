"""Phone numbers in one form (``services.phones``): however staff type a number, the same
number is stored and looked up."""
from __future__ import annotations

import pytest

from services import phones


@pytest.mark.parametrize(("typed", "stored"), [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"), ("+86 138 1234 5678", "13812345678"),
    ("0086 13812345678", "13812345678"), ("8613812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese input method
    ("(021) 6123-4567", "02161234567"), ("+49 30 1234567", "+49301234567"),
    ("400-820-8820", "4008208820"),
])
def test_a_number_typed_any_way_is_stored_one_way(typed: str, stored: str) -> None:
    assert phones.normalised(typed) == stored


@pytest.mark.parametrize("typed", ["abc", "'; drop", "12", "138 1234 5678 ext", "", "++86138"])
def test_what_is_no_phone_number_is_none(typed: str) -> None:
    assert phones.normalised(typed) is None
    assert phones.as_looked_up("abc") == "abc"  # matches no stored phone
