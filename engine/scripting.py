"""Sandboxed Python for script tasks, conditions, timer/DMN expressions and pre/post scripts.

Spiff's default engine runs model code with plain exec/eval, so whoever deploys a model could run
``__import__('os').system(...)`` on the server. Here every source is compiled by RestrictedPython
under our policy (no imports, classes or ``_`` names, CPU ticks in loops and calls, size-checked
operators) and runs against a builtin whitelist, on a deep copy of the task data that is written
back only when the script succeeds. C-level calls that no tick interrupts are priced before they
run (``script_limits``: text from ``repr``/``str``/``%``/f-strings/``print``, comparisons, ``in``,
sorting), and the CPU clock is read once more when the script ends. Not covered, so cap the
worker process itself: total memory across many allowed allocations.
"""
from __future__ import annotations

import ast
import builtins
import copy
import functools
import operator
import re
import textwrap
import time
import types
from collections.abc import Iterable, Iterator
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import secret_refs
from .script_limits import (MAX_ITEMS, ScriptLimitExceeded, ValueTooLarge, check_result,
                            compared, guarded_apply, guarded_binop, guarded_compare,
                            guarded_getattr, guarded_inplacevar, guarded_max, guarded_min,
                            guarded_sorted, guarded_sum, refuse_large_text)

__all__ = ["ForbiddenScript", "SandboxEnvironment", "ScriptLimitExceeded", "ScriptTimeout",
           "ValueTooLarge", "check_script", "make_script_engine"]

_CHECK_EVERY = 0.001          # wall seconds between CPU clock reads (wall time >= thread CPU time)



class ScriptTimeout(ScriptLimitExceeded):
    """The script used more CPU time than its budget."""


class ForbiddenScript(SyntaxError):
    """Rejected at compile time; a SyntaxError so Spiff's WorkflowTaskException gets the line."""

    def __init__(self, message: str, line_number: int = 0) -> None:
        super().__init__(message, ("<string>", line_number, 0, None))

    @property
    def line_number(self) -> int:
        return self.lineno or 0


# -- compile time ---------------------------------------------------------------------------------
_GUARDED_OPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
_COMPARE_SYMBOLS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
                    ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
                    ast.NotIn: "not in"}
_ERROR = re.compile(r"Line (\d+|None): (.*)", re.DOTALL)


def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    """A call to one of our guards, placed on the line of the code it guards."""
    node = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    return ast.fix_missing_locations(ast.copy_location(node, like))


def _tick_stmt(like: ast.AST) -> ast.Expr:
    return ast.fix_missing_locations(ast.copy_location(ast.Expr(_call("_tick_", [], like)), like))


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's rules, plus: no imports or classes, CPU ticks, size-checked operators."""

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> ast.AST:
        self.error(node, "import statements are not allowed; scripts get no modules.")
        return node

    visit_ImportFrom = visit_Import  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed in scripts.")
        return node

    def visit_While(self, node: ast.While) -> ast.AST:
        node = self.node_contents_visit(node)
        node.body.insert(0, _tick_stmt(node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node = super().visit_FunctionDef(node)  # a tick per call stops try/except recursion bombs
        node.body.insert(0, _tick_stmt(node))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        symbol = _GUARDED_OPS.get(type(node.op))
        return node if symbol is None else _call(
            "_binop_", [ast.Constant(symbol), node.left, node.right], node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        """``a op b`` becomes a priced ``_compare_``; in a chain each operand is checked."""
        node = self.node_contents_visit(node)
        if len(node.ops) == 1:
            return _call("_compare_", [ast.Constant(_COMPARE_SYMBOLS[type(node.ops[0])]),
                                       node.left, node.comparators[0]], node)
        node.left = _call("_compared_", [node.left], node.left)
        node.comparators = [_call("_compared_", [c], c) for c in node.comparators]
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node = self.node_contents_visit(node)
        node.value = _call("_text_", [node.value], node.value)
        parts = node.format_spec.values if isinstance(node.format_spec, ast.JoinedStr) else []
        if not all(isinstance(part, ast.Constant) for part in parts):
            self.error(node, "computed format specs (f'{x:{width}}') are not allowed.")
        elif re.search(r"\d{7,}", "".join(str(part.value) for part in parts)):
            self.error(node, "format widths of 1,000,000 or more are not allowed.")
        return node


def _normalise(mode: str, source: str) -> str:
    """Spiff hands over XML text: dedent scripts, strip expressions, keep the line numbers."""
    if mode == "exec":
        return textwrap.dedent(source)
    return "\n" * source[:len(source) - len(source.lstrip())].count("\n") + source.strip()


@functools.lru_cache(maxsize=2048)
def _compile(mode: str, source: str) -> tuple[types.CodeType, frozenset[str]]:
    """Compile once per (mode, source); code objects are immutable, so sharing is thread-safe."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(_normalise(mode, source), filename="<string>", policy=_Policy)
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ForbiddenScript(f"too complex to compile: {exc}") from None
    if result.errors:
        match = _ERROR.match(result.errors[0])
        line = int(match.group(1)) if match and match.group(1) != "None" else 0
        # Spiff indexes source.splitlines() with this number, so keep it inside the source.
        raise ForbiddenScript(match.group(2) if match else result.errors[0],
                              min(line, len(source.splitlines())))
    assert result.code is not None
    return result.code, frozenset(result.used_names)


def check_script(source: str, mode: str = "exec") -> None:
    """Raise ForbiddenScript if the sandbox would reject ``source`` (for deploy-time linting)."""
    _compile(mode, source)


# -- run time: CPU budget -------------------------------------------------------------------------
class _Budget:
    """One call's CPU allowance; its methods become the script's _tick_, _getiter_ and range."""

    __slots__ = ("cpu_seconds", "deadline", "next_check", "expired")

    def __init__(self, cpu_seconds: float) -> None:
        self.cpu_seconds = cpu_seconds
        self.deadline = time.thread_time() + cpu_seconds
        self.next_check = 0.0
        self.expired = False

    def tick(self) -> None:
        """Read the CPU clock at most once a millisecond; once expired, always raise."""
        if not self.expired:
            now = time.perf_counter()
            if now < self.next_check:
                return
            self.next_check = now + _CHECK_EVERY
            if time.thread_time() <= self.deadline:
                return
            self.expired = True
        raise ScriptTimeout(f"script used more than {self.cpu_seconds:g} s of CPU time")

    def finish(self) -> None:
        """Read the CPU clock once more: a last C-level call may have run past the budget
        without a tick (or the script caught ScriptTimeout and carried on)."""
        if self.expired or time.thread_time() > self.deadline:
            self.expired = True
            self.tick()

    def getiter(self, obj: Any) -> Iterator[Any]:
        return self._ticking(iter(obj))

    def _ticking(self, iterator: Iterator[Any]) -> Iterator[Any]:
        tick = self.tick
        for item in iterator:
            tick()
            yield item

    def range(self, *args: int) -> Iterable[int]:
        """A real range when small, else lazy and ticking so list()/sum() over it stop too."""
        numbers = range(*args)
        try:
            small = len(numbers) <= MAX_ITEMS
        except OverflowError:
            small = False
        return numbers if small else self._ticking(iter(numbers))


class _TextType(type):
    """``isinstance(x, str)`` keeps working on the guarded ``str`` below."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, str)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, str)


class _GuardedStr(str, metaclass=_TextType):
    """The scripts' ``str``: ``str(x)`` of a value whose text would be huge is refused."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
        if len(args) == 1 and not kwargs:
            refuse_large_text(args[0])
        return str(*args, **kwargs)


def _guarded_repr(value: Any) -> str:
    return repr(refuse_large_text(value))


class _GuardedPrint(PrintCollector):
    """``print`` writes text too."""

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        for value in objects:
            refuse_large_text(value)
        super()._call_print(*objects, **kwargs)


_SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in (
    "abs", "all", "any", "bool", "chr", "dict", "divmod", "enumerate", "filter", "float",
    "frozenset", "int", "isinstance", "len", "list", "map", "max", "min", "next", "ord", "repr",
    "reversed", "round", "set", "sorted", "str", "tuple", "zip", "None", "True", "False",
    "ArithmeticError", "AssertionError", "AttributeError", "Exception", "IndexError", "KeyError",
    "LookupError", "NameError", "OverflowError", "RuntimeError", "StopIteration", "TypeError",
    "ValueError", "ZeroDivisionError")} | {
    "sum": guarded_sum, "str": _GuardedStr, "repr": _guarded_repr, "sorted": guarded_sorted,
    "min": guarded_min, "max": guarded_max}


def _copy_visible(value: Any) -> Any:
    """External context is shown, not owned: copy it when possible so scripts cannot change it."""
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - e.g. a helper object that cannot be copied
        return value


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff's script environment, running everything through RestrictedPython with a CPU budget."""

    def __init__(self, cpu_seconds: float = 1.0,
                 extra_globals: dict[str, Any] | None = None) -> None:
        extra = dict(extra_globals or {})
        for name, value in extra.items():
            if name.startswith("_") or isinstance(value, types.ModuleType):
                raise ValueError(f"extra global {name!r}: expose plain functions, not modules "
                                 "or names starting with '_'")
        if cpu_seconds <= 0:
            raise ValueError("cpu_seconds must be positive")
        super().__init__(extra)
        self.cpu_seconds = cpu_seconds
        self._builtins = {**_SAFE_BUILTINS, **extra}

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate on copies of just the names the expression reads: no side effects."""
        code, names = _compile("eval", expression)
        external = external_context or {}
        namespace = {name: copy.deepcopy(context[name]) if name in context
                     else _copy_visible(external[name])
                     for name in names if name in context or name in external}
        result = self._run(code, namespace)
        check_result(result)
        return result

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        """Run on a deep copy; only a successful run writes back (changes and deletions)."""
        code, _ = _compile("exec", script)
        external = external_context or {}
        namespace = {key: _copy_visible(value) for key, value in external.items()}
        namespace.update(copy.deepcopy(context))
        self._run(code, namespace)
        updates = {key: value for key, value in namespace.items()  # data only: no guards/functions
                   if not key.startswith("_") and not callable(value)
                   and not isinstance(value, (types.ModuleType, types.GeneratorType))
                   and (key in context or key not in external)}
        check_result(updates)
        for key in [k for k in context if not k.startswith("_") and k not in namespace]:
            del context[key]
        context.update(updates)
        return True

    def _run(self, code: types.CodeType, namespace: dict[str, Any]) -> Any:
        """Add this call's guards (they win over data keys of the same name) and run the code."""
        budget = _Budget(self.cpu_seconds)
        namespace.update({
            "__builtins__": {**self._builtins, "range": budget.range},
            "_getattr_": guarded_getattr, "_getitem_": operator.getitem, "_getiter_": budget.getiter,
            "_write_": full_write_guard, "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence, "_inplacevar_": guarded_inplacevar,
            "_binop_": guarded_binop, "_tick_": budget.tick, "_apply_": guarded_apply,
            "_print_": _GuardedPrint, "_compare_": guarded_compare, "_compared_": compared,
            "_text_": refuse_large_text,
        })
        result = eval(code, namespace)  # noqa: S307 - restricted code; exec-mode code gives None
        budget.finish()
        return result


def time_helpers(clock: Any, timezone: str) -> dict[str, Any]:
    """Dates for scripts, from the injected clock (so tests can move it), as ISO strings:
    ``now()`` (UTC instant), ``today()`` (the local date), ``days_between(a, b)`` (whole days
    from date ``a`` to date ``b``), ``add_days(d, n)``."""
    from datetime import date, timedelta
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(timezone)

    def as_date(value: Any) -> date:
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])

    return {
        "now": lambda: clock.now().isoformat(),
        "today": lambda: clock.now().astimezone(zone).date().isoformat(),
        "days_between": lambda a, b: (as_date(b) - as_date(a)).days,
        "add_days": lambda d, n: (as_date(d) + timedelta(days=int(n))).isoformat(),
    }


def make_script_engine(cpu_seconds: float = 1.0, clock: Any = None,
                       timezone: str = "Asia/Shanghai") -> PythonScriptEngine:
    """The engine Flowdesk passes to every BpmnWorkflow. ``secret('NAME')`` gives the text of
    a reference to a stored secret (never its value: see ``engine.secret_refs``)."""
    extra = {"secret": secret_refs.reference,
             **(time_helpers(clock, timezone) if clock is not None else {})}
    return FlowdeskScriptEngine(environment=SandboxEnvironment(cpu_seconds=cpu_seconds,
                                                               extra_globals=extra))


class FlowdeskScriptEngine(PythonScriptEngine):
    """Spiff's engine, with service tasks turned into requests to the host (host_actions)."""

    def call_service(self, task: Any, **kwargs: Any) -> str:
        from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

        from . import host_actions
        params = {name: spec.get("value") if isinstance(spec, dict) else spec
                  for name, spec in (kwargs.get("operation_params") or {}).items()}
        try:
            return host_actions.request(kwargs.get("operation_name", ""), params,
                                        task.task_spec.bpmn_id)
        except (ValueError, RuntimeError) as exc:
            raise WorkflowTaskException(str(exc), task=task) from None
