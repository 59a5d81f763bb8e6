"""Reading scenario files: YAML (or JSON) into plain ``Scenario`` values, with a clear error
naming the file and the step when a file is not a scenario at all (a typo in a step's kind
should fail loudly, not run as nothing)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.problem_texts import CATALOGUE

STEP_KINDS = ("complete", "message", "signal", "advance", "external", "expect")
SUFFIXES = (".yaml", ".yml", ".json")


class _Loader(yaml.SafeLoader):
    """YAML without its implicit dates: ``2026-03-01`` stays the text a form or the API would
    send (the scenario's times are read in its time zone by the session)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class ScenarioFileError(ValueError):
    """The file cannot be read as a scenario. ``key`` and ``params`` say why in any language
    (``engine.problem_texts``, ``scenario_file.*``); the message is the English, after the file."""

    def __init__(self, file: Path, key: str, **params: Any) -> None:
        self.file, self.key, self.params = file, f"scenario_file.{key}", params
        super().__init__(f"{file}: {CATALOGUE.render(self.key, params, 'en')}")


@dataclass(frozen=True)
class Step:
    number: int  # 1-based, as the report names it
    kind: str
    args: dict[str, Any]

    def describe(self) -> str:
        """``complete register_complaint``, ``advance PT48H``: how the report names the step."""
        value = self.args.get(self.kind)
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        return f"{self.kind} {value}" if value not in (None, "") else self.kind


@dataclass(frozen=True)
class ScriptTest:
    element: str
    inputs: dict[str, Any]
    expect: dict[str, Any]
    name: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    file: Path
    bundle: Path  # the process folder the file tests
    process: str | None
    start: dict[str, Any]
    steps: list[Step]
    mocks: dict[str, Any] = field(default_factory=dict)
    script_tests: list[ScriptTest] = field(default_factory=list)


def bundle_of(file: Path) -> Path:
    """``processes/x/tests/a.yaml`` tests ``processes/x``."""
    folder = file.resolve().parent
    return folder.parent if folder.name == "tests" else folder


def load(file: Path) -> Scenario:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(file, "unreadable", detail=str(exc)) from None
    return parse(text, file)


def parse(text: str, file: Path) -> Scenario:
    """A scenario from its text; ``file`` names it (and its suffix says JSON or YAML), so a
    bundle's scenario files are checked on deployment before they are ever written out."""
    try:
        raw = json.loads(text) if file.suffix == ".json" else yaml.load(text, Loader=_Loader)  # noqa: S506 - safe
    except (ValueError, yaml.YAMLError) as exc:
        raise ScenarioFileError(file, "unreadable", detail=str(exc)) from None
    if not isinstance(raw, dict):
        raise ScenarioFileError(file, "not_mapping")
    unknown = set(raw) - {"name", "process", "start", "steps", "mocks", "script_tests"}
    if unknown:
        raise ScenarioFileError(file, "unknown_keys", keys=sorted(unknown))
    steps = raw.get("steps") or []
    if not isinstance(steps, list):
        raise ScenarioFileError(file, "step_kind", number=1, kinds=STEP_KINDS, got=repr(steps))
    return Scenario(name=str(raw.get("name") or file.stem), file=file, bundle=bundle_of(file),
                    process=raw.get("process"), start=_mapping(file, raw, "start"),
                    steps=[_step(file, n, s) for n, s in enumerate(steps, 1)],
                    mocks=_mapping(file, raw, "mocks"),
                    script_tests=[_script_test(file, t) for t in raw.get("script_tests") or []])


def _mapping(file: Path, raw: dict, key: str) -> dict[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise ScenarioFileError(file, "field_not_mapping", field=key)
    return value


def _step(file: Path, number: int, raw: Any) -> Step:
    """A step's kind is its first key (an external task's answer may carry a ``message``)."""
    first = next(iter(raw), None) if isinstance(raw, dict) else None
    if first not in STEP_KINDS:
        raise ScenarioFileError(file, "step_kind", number=number, kinds=STEP_KINDS, got=repr(raw))
    return Step(number, str(first), dict(raw))


def _script_test(file: Path, raw: Any) -> ScriptTest:
    if not isinstance(raw, dict) or "element" not in raw:
        raise ScenarioFileError(file, "script_test")
    return ScriptTest(element=str(raw["element"]), inputs=dict(raw.get("inputs") or {}),
                      expect=dict(raw.get("expect") or {}), name=str(raw.get("name") or ""))


def discover(paths: list[Path]) -> list[Path]:
    """Scenario files under ``paths``: a file as given, else every ``tests/*.yaml`` (or
    ``.yml``/``.json``) inside the folder, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
            continue
        found += sorted(f for f in path.rglob("*") if f.suffix in SUFFIXES and f.is_file()
                        and (f.parent.name == "tests" or path.name == "tests"))
    return found
