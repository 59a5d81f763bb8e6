"""A bundle's scenario files (``tests/<name>.yaml``, ``.yml`` or ``.json``): kept with the
version whose model they test, so a version's files download carries its tests and the
designer's draft of it brings them along.

They are not the model: never parsed as forms, not part of the version's ``sha256`` nor of
the "same content" check (a bundle that differs only in its tests is the same version, whose
scenario files it then replaces; see ``services.definitions``). They are checked with the
runner's own parser on deployment, so a broken one is refused naming the file.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath

from engine.errors import InvalidModel, Problem
from engine.problem_texts import problem
from services.scenarios.spec import SUFFIXES, ScenarioFileError, parse

TESTS_FOLDER = "tests"


def is_scenario_file(name: str) -> bool:
    """``tests/a.yaml`` (or ``.yml``/``.json``) in a bundle: a scenario file, not the model."""
    path = PurePosixPath(name)
    return TESTS_FOLDER in path.parts[:-1] and path.suffix.lower() in SUFFIXES


def stored_name(name: str) -> str:
    """``tests/<base name>``: how a version keeps a scenario file, wherever it came from."""
    return f"{TESTS_FOLDER}/{PurePosixPath(name).name}"


def split(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(the model's files, the scenario files under their stored names)."""
    scenarios = {stored_name(n): d for n, d in files.items() if is_scenario_file(n)}
    model = {n: d for n, d in files.items() if not is_scenario_file(n)}
    return model, scenarios


def model_only(files: dict[str, str]) -> dict[str, str]:
    """A stored version's files without its scenarios: what the engine parses."""
    return {n: t for n, t in files.items() if not is_scenario_file(n)}


def scenarios_of(files: dict[str, str]) -> dict[str, str]:
    """A stored version's scenario files."""
    return {n: t for n, t in files.items() if is_scenario_file(n)}


def checked(scenarios: dict[str, bytes]) -> dict[str, str]:
    """The scenario files as text; InvalidModel naming every file that is not a scenario (not
    UTF-8, not YAML or JSON, an unknown key or step kind)."""
    texts, problems = {}, []
    for name, data in sorted(scenarios.items()):
        found = _problem(name, data)
        if found is not None:
            problems.append(found)
        else:
            texts[name] = data.decode("utf-8")
    if problems:
        raise InvalidModel(problems)
    return texts


def _problem(name: str, data: bytes) -> Problem | None:
    try:
        parse(data.decode("utf-8"), Path(name))
    except UnicodeDecodeError as exc:
        return problem("not_utf8", None, name, detail=exc.reason)
    except ScenarioFileError as exc:
        return problem(exc.key, None, name, code="invalid_scenario", **exc.params)
    return None


def folder_scenarios(folder: Path) -> dict[str, bytes]:
    """A process folder's ``tests/`` scenario files under their stored names."""
    tests = folder / TESTS_FOLDER
    if not tests.is_dir():
        return {}
    return {stored_name(f.name): f.read_bytes() for f in sorted(tests.iterdir())
            if f.is_file() and f.suffix.lower() in SUFFIXES}
