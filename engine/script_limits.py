"""Size guards for sandboxed scripts: no single operation may build a huge value.

RestrictedPython stops names and attributes, not ``'a' * 10**9`` or ``2 ** 10**10``. The compile
policy in ``scripting`` rewrites risky operators and methods into the checks below, and results are
checked for cycles, explosive sharing and total text before they are written back into task data.

Some single C-level calls cost far more than the values they are given: ``repr`` or ``'%s' %`` of
a list that holds one long string many times, ``t in [s] * 3000`` comparing long strings, sorting
them. No CPU tick runs inside such a call, so each is priced before it runs, by the text it
would have to produce or compare (``expanded_size``: shared references counted every time, as
``repr`` and comparisons meet them), and refused past ``MAX_CHARS`` / ``MAX_COMPARE_CHARS``.
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
MAX_RESULT_CHARS = 2_000_000  # text (strings, keys, bytes) a script may leave in the task data
MAX_COMPARE_CHARS = 20_000_000  # characters one comparison, search or sort may have to compare


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
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge, "is": operator.is_, "is not": operator.is_not}
_SEARCHING_LIST_METHODS = frozenset({"count", "index", "remove", "sort"})
_GROWING_TEXT_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "replace",
                                   "translate", "join"})


def expanded_size(value: Any, cap: int = MAX_CHARS) -> int:
    """About how many characters ``repr(value)`` has, counting a shared value at each place it
    appears; stops counting past ``cap`` (or after MAX_ITEMS values) and then returns cap + 1."""
    if isinstance(value, _TEXT):
        return len(value)
    if not isinstance(value, (list, tuple, dict, set, frozenset)):
        return 8 if isinstance(value, (bool, float, type(None))) else (
            value.bit_length() // 3 + 1 if isinstance(value, int) else 64)
    total, visits, stack = 0, 0, [value]
    while stack:
        item = stack.pop()
        visits += 1
        if isinstance(item, _TEXT):
            total += len(item) + 2
        elif isinstance(item, dict):
            total += 2
            stack.extend(part for pair in item.items() for part in pair)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2
            stack.extend(item)
        else:
            total += expanded_size(item)
        if total > cap or visits > MAX_ITEMS:
            return cap + 1
    return total


def refuse_large_text(value: Any, what: str = "text") -> Any:
    """``repr``/``str``/f-strings/``print`` of ``value``: refused if the text would be huge."""
    if not isinstance(value, (str, int, float, bool, type(None))) and \
            expanded_size(value) > MAX_CHARS:
        raise ValueTooLarge(f"refusing to turn a value into {what} of more than "
                            f"{MAX_CHARS:,} characters")
    return value


def _refuse_comparing(count: int, needle: Any) -> None:
    """``count`` comparisons of ``needle`` with items each cost up to its size."""
    if count and count * (expanded_size(needle, MAX_COMPARE_CHARS) + 1) > MAX_COMPARE_CHARS:
        raise ValueTooLarge(f"refusing to compare more than {MAX_COMPARE_CHARS:,} characters "
                            "in one operation")


def guarded_compare(op: str, a: Any, b: Any) -> Any:
    """One comparison, priced first: ``in`` on a list or tuple compares the needle with every
    item; ``==``/``<`` of containers walk both, at most the smaller."""
    if op in ("in", "not in"):
        if isinstance(b, (list, tuple)):
            _refuse_comparing(len(b), a)
        return (a in b) if op == "in" else (a not in b)
    if isinstance(a, (list, tuple, dict)) and isinstance(b, (list, tuple, dict)) and \
            min(expanded_size(a, MAX_COMPARE_CHARS),
                expanded_size(b, MAX_COMPARE_CHARS)) > MAX_COMPARE_CHARS:
        _refuse_comparing(1, a)
    return _COMPARE[op](a, b)


def compared(value: Any) -> Any:
    """An operand of a chained comparison (``a < b < c``): refused if it alone is too big."""
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        _refuse_comparing(1, value)
    return value


def _sorting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """sorted/min/max compare items with each other (n log n times for sorted)."""
    def guarded(*args: Any, **kwargs: Any) -> Any:
        items = args[0] if len(args) == 1 else args
        if isinstance(items, (list, tuple, dict, set, frozenset)):
            rounds = max(len(items).bit_length(), 1) if name in ("sorted", "sort") else 1
            _refuse_comparing(rounds, items)
        return function(*args, **kwargs)
    guarded.__name__ = name
    return guarded


guarded_sorted, guarded_min, guarded_max = (_sorting(n, f) for n, f in (
    ("sorted", sorted), ("min", min), ("max", max)))


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
        if len(a) + expanded_size(b) > MAX_CHARS:
            _refuse_len(MAX_CHARS + 1, a)


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


def _searching(items: list, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """list.count/index/remove/sort compare items: priced like ``in`` and ``sorted``."""
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if name == "sort":
            _refuse_comparing(max(len(items).bit_length(), 1), items)
        elif args:
            _refuse_comparing(len(items), args[0])
        return method(*args, **kwargs)
    return guarded


def guarded_getattr(obj: Any, name: str) -> Any:
    """RestrictedPython's safer getattr (no _names, no str.format) plus size-checked methods."""
    value = safer_getattr_raise(obj, name)
    if name in _SEARCHING_LIST_METHODS and isinstance(obj, list):
        return _searching(obj, name, value)
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
    """Refuse cyclic, very deep or self-sharing structures, and more than MAX_RESULT_CHARS of
    text, before they reach the task data (and the database)."""
    budget, chars, stack = MAX_RESULT_NODES, MAX_RESULT_CHARS, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0 or depth > MAX_RESULT_DEPTH:
            raise ValueTooLarge("the script's data is too large, too deeply nested or circular")
        if isinstance(item, _TEXT):
            chars -= len(item)
            if chars < 0:
                raise ValueTooLarge(f"the script's data holds more than {MAX_RESULT_CHARS:,} "
                                    "characters of text")
        elif isinstance(item, dict):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend((part, depth + 1) for part in item)
