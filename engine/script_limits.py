"""Size guards for sandboxed scripts: no single operation may build a huge value.

RestrictedPython stops names and attributes, not ``'a' * 10**9`` or ``2 ** 10**10``. The compile
policy in ``scripting`` rewrites risky operators and methods into the checks below, and results are
checked for cycles and explosive sharing before they are written back into task data.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from typing import Any

from RestrictedPython.Guards import safer_getattr_raise

MAX_CHARS = 10_000_000        # longest str/bytes one operation may build
MAX_ITEMS = 1_000_000         # longest list/tuple one operation may build; longer ranges are lazy
MAX_INT_BITS = 65_536         # about 20,000 digits: far beyond any business number
MAX_RESULT_NODES = 1_000_000  # values written back; stops cyclic and self-sharing structures
MAX_RESULT_DEPTH = 100


class ScriptLimitExceeded(Exception):
    """A script hit a resource budget; the task data is left as it was."""


class ValueTooLarge(ScriptLimitExceeded):
    """One operation would have built a value past the size caps, so it was refused."""


# -- run time: size guards ------------------------------------------------------------------------
_TEXT = (str, bytes, bytearray)
_SEQUENCES = (*_TEXT, list, tuple)
_PERCENT_WIDTH = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d{7,}|\d*\.(?:\*|\d{7,}))")
_BINARY = {"+": operator.add, "*": operator.mul, "**": operator.pow, "<<": operator.lshift,
           "%": operator.mod}
_INPLACE = {symbol + "=": getattr(operator, "i" + name) for symbol, name in (
    ("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("//", "floordiv"), ("%", "mod"),
    ("**", "pow"), ("<<", "lshift"), (">>", "rshift"), ("|", "or"), ("^", "xor"), ("&", "and"),
    ("@", "matmul"))}
_GROWING_TEXT_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "replace",
                                   "translate", "join"})


def _refuse_len(length: int, like: Any) -> None:
    cap = MAX_CHARS if isinstance(like, _TEXT) else MAX_ITEMS
    if length > cap:
        raise ValueTooLarge(f"refusing to build a {type(like).__name__} longer than {cap:,}")


def _refuse_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise ValueTooLarge(f"refusing to build an integer of more than {MAX_INT_BITS:,} bits")


def _check_binop(op: str, a: Any, b: Any) -> None:
    """Refuse single operations whose result would be huge, before Python allocates it."""
    ints = isinstance(a, int) and isinstance(b, int)
    if op == "*":
        if isinstance(a, int) and isinstance(b, _SEQUENCES):
            a, b = b, a
        if isinstance(a, _SEQUENCES) and isinstance(b, int):
            _refuse_len(len(a) * max(b, 0), a)
        elif ints:
            _refuse_bits(a.bit_length() + b.bit_length())
    elif op == "+" and isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _refuse_len(len(a) + len(b), a)
    elif op == "**" and ints and b > 0 and abs(a) > 1:
        _refuse_bits(a.bit_length() * b)
    elif op == "<<" and ints and a and b > 0:
        _refuse_bits(a.bit_length() + b)
    elif op == "%" and isinstance(a, (str, bytes)):
        if _PERCENT_WIDTH.search(a if isinstance(a, str) else a.decode("latin-1")):
            raise ValueTooLarge("'%' formatting with '*' or a width of 1,000,000+ is not allowed")


def guarded_binop(op: str, a: Any, b: Any) -> Any:
    _check_binop(op, a, b)
    return _BINARY[op](a, b)


def guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    _check_binop(op[:-1], target, value)
    return _INPLACE[op](target, value)


def _predicted_len(text: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """Upper bound of a growing str/bytes method's result (0 when the method will raise anyway)."""
    first = args[0] if args else kwargs.get("tabsize")  # the only keyword these methods take
    if name in ("ljust", "rjust", "center", "zfill"):
        return first if isinstance(first, int) else 0
    if name == "expandtabs":
        size = first if isinstance(first, int) else 8
        return len(text) + text.count("\t" if isinstance(text, str) else b"\t") * size
    if name == "replace" and len(args) >= 2 and all(isinstance(a, type(text)) for a in args[:2]):
        hits = text.count(first) if first else len(text) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            hits = min(hits, args[2])
        return len(text) + hits * (len(args[1]) - len(first))
    if name == "translate" and isinstance(first, dict):
        return len(text) * max((len(v) for v in first.values() if isinstance(v, _TEXT)), default=1)
    return len(text)


def _sized_method(obj: Any, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a method that can multiply memory (``'x'.ljust(10**9)``) to check the size first."""
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if name in ("join", "extend") and len(args) == 1 and not kwargs:
            items = list(args[0])
            if name == "join":
                _refuse_len(sum(len(i) for i in items if isinstance(i, _TEXT))
                            + len(obj) * max(len(items) - 1, 0), obj)
            else:
                _refuse_len(len(obj) + len(items), obj)
            return method(items)
        _refuse_len(_predicted_len(obj, name, args, kwargs), obj)
        return method(*args, **kwargs)
    return guarded


def guarded_getattr(obj: Any, name: str) -> Any:
    """RestrictedPython's safer getattr (no _names, no str.format) plus size-checked methods."""
    value = safer_getattr_raise(obj, name)
    if name in _GROWING_TEXT_METHODS or name == "extend":
        if isinstance(obj, type) and issubclass(obj, (str, bytes, list)):
            raise AttributeError(f"call {name}() on a value, not on {obj.__name__}")
        if (isinstance(obj, (str, bytes)) and name != "extend") or isinstance(obj, list):
            return _sized_method(obj, name, value)
    return value


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def guarded_sum(iterable: Iterable[Any], /, start: Any = 0) -> Any:
    """sum() of numbers only: sum(lists, []) is quadratic copying that no tick can interrupt."""
    if not isinstance(start, (int, float)):
        raise TypeError("sum() in scripts adds numbers only")
    return sum(iterable, start)


def check_result(value: Any) -> None:
    """Refuse cyclic, very deep or self-sharing structures before they reach the task data."""
    budget, stack = MAX_RESULT_NODES, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0 or depth > MAX_RESULT_DEPTH:
            raise ValueTooLarge("the script's data is too large, too deeply nested or circular")
        if isinstance(item, dict):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend((part, depth + 1) for part in item)
