"""The ``http`` service-task operator's parameters: what a call is, checked before it is made.

A model's ``spiffworkflow:parameter`` values are Python expressions that SpiffWorkflow
evaluates in the script sandbox (``f"https://shop.example/api/orders/{order_no}"``), so
templating over instance variables is Python itself; nothing more is added here. What is
added are secret references (``engine.secret_refs``), which stay references in everything
this module produces. The same field checks run twice: at deploy on the values that are
literals (``lint_expressions``), and on the evaluated values before a call (``HttpCall.parse``).
"""
from __future__ import annotations

import ast
import json
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import secret_refs

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PARAMETERS: dict[str, bool] = {  # name -> required (engine.host_actions.OPERATIONS["http"])
    "method": True, "url": True, "headers": False, "body": False, "result_variable": False,
    "timeout_seconds": False, "retries": False, "retry_backoff_seconds": False}
DEFAULT_TIMEOUT, MAX_TIMEOUT = 10.0, 30.0
DEFAULT_RETRIES, MAX_RETRIES = 3, 10
DEFAULT_BACKOFF, MAX_BACKOFF = 2.0, 3600.0  # the first delay; each next one doubles, up to MAX
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token
_SCHEME = re.compile(r"https?://[^/?#\s{}]", re.IGNORECASE)


class HttpCallInvalid(ValueError):
    """Parameters a call cannot be made with; ``errors`` names each field and why."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class HttpCall:
    """One call as the model asked for it, secret references still in place."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON-able; None: no body
    result_variable: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    retry_backoff_seconds: float = DEFAULT_BACKOFF

    @classmethod
    def parse(cls, params: dict[str, Any]) -> "HttpCall":
        """Check the evaluated parameters; every problem is reported at once."""
        errors = [{"field": name, "message": "not a parameter of the http operator "
                   f"(it takes {', '.join(PARAMETERS)})"} for name in params
                  if name not in PARAMETERS]
        values: dict[str, Any] = {}
        for name, check in _CHECKS.items():
            value = params.get(name)
            if value is None:
                if PARAMETERS[name]:
                    errors.append({"field": name, "message": "is required"})
                continue
            try:
                values[name] = check(value)
            except ValueError as exc:
                errors.append({"field": name, "message": str(exc)})
        if errors:
            raise HttpCallInvalid(errors)
        return cls(**values)

    def secret_names(self) -> list[str]:
        """Every secret the call refers to (URL, header values, body strings)."""
        return secret_refs.names_in_value([self.url, list(self.headers.values()), self.body])

    def retry_delay(self, failed_attempts: int) -> float | None:
        """Seconds to wait before the next attempt after ``failed_attempts`` retryable failures
        (1 after the first call failed), or None once the retries are used up."""
        if failed_attempts > self.retries:
            return None
        return min(self.retry_backoff_seconds * 2 ** (failed_attempts - 1), MAX_BACKOFF)


def _method(value: Any) -> str:
    method = value.upper() if isinstance(value, str) else value
    if method not in METHODS:
        raise ValueError(f"{value!r} is not one of {', '.join(METHODS)}")
    return method


def _text_with_references(value: str) -> str:
    """A string's secret references must name secrets legally; an f-string's leftovers of
    one (``{secret:K}``) are caught here rather than sent."""
    try:
        secret_refs.names_in(value)
    except secret_refs.BadReference as exc:
        raise ValueError(str(exc)) from None
    halved = secret_refs.halved_reference(value)
    if halved:
        raise ValueError(f"'{halved}' looks like a secret reference an f-string took a pair "
                         "of braces from: write {secret('NAME')} inside f-strings")
    return value


def _url(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {type(value).__name__}")
    if not _SCHEME.match(value):
        raise ValueError("must start with http:// or https:// and a host (no other schemes; a "
                         "secret reference cannot stand for the scheme or the host's start)")
    return _text_with_references(value)


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(f"must be a dict of header names to values, not {type(value).__name__}")
    headers: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a header name")
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ValueError(f"the value of {name} must be a string or a number")
        text = _text_with_references(str(item))
        if "\r" in text or "\n" in text:
            raise ValueError(f"the value of {name} contains a line break")
        headers[name] = text
    return headers


def _body(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"must be JSON-able: {exc}") from None
    try:
        secret_refs.names_in_value(value)
    except secret_refs.BadReference as exc:
        raise ValueError(str(exc)) from None
    return value


def _identifier(value: Any) -> str:
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value) \
            or value.startswith("_"):
        raise ValueError(f"{value!r} is not a variable name (letters, digits and '_', not "
                         "starting with '_' or a digit)")
    return value


def _number(low: float, high: float, integer: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            what = "a whole number" if integer else "a number"
            raise ValueError(f"must be {what} from {low:g} to {high:g}, not {value!r}")
        return value
    return check


def _positive_timeout(value: Any) -> float:
    value = _number(0, MAX_TIMEOUT)(value)
    if value <= 0:
        raise ValueError("must be more than 0 seconds")
    return float(value)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "method": _method, "url": _url, "headers": _headers, "body": _body,
    "result_variable": _identifier, "timeout_seconds": _positive_timeout,
    "retries": _number(0, MAX_RETRIES, integer=True),
    "retry_backoff_seconds": lambda v: float(_number(0, MAX_BACKOFF)(v)),
}


def lint_expressions(expressions: dict[str, str]) -> list[str]:
    """Problems a deployment can see in the parameter expressions of an http service task:
    literal values are checked like evaluated ones; in any expression, the secret references
    in its string constants and ``secret('NAME')`` calls must name secrets legally."""
    problems = []
    for name, expression in expressions.items():
        check = _CHECKS.get(name)
        if check is None:
            continue  # unknown parameters are reported by host_actions.check
        try:
            tree = ast.parse(expression.strip(), mode="eval")
        except SyntaxError:
            continue  # the script lint reports expressions that do not compile
        try:
            value = ast.literal_eval(tree)
        except ValueError:
            problems += [f"{name}: {p}" for p in _lint_strings(tree)]
            continue
        if value is None and PARAMETERS[name]:
            problems.append(f"{name}: is required")
        elif value is not None:
            try:
                check(value)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
    return problems


def _lint_strings(tree: ast.AST) -> list[str]:
    """Secret references written inside a non-literal expression (an f-string, a call)."""
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                _text_with_references(node.value)
            except ValueError as exc:
                problems.append(str(exc))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "secret" and node.args
              and isinstance(node.args[0], ast.Constant)):
            try:
                secret_refs.reference(node.args[0].value)
            except secret_refs.BadReference as exc:
                problems.append(str(exc))
    return problems
