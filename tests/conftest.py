"""Shared test helpers: paths to models, building bundles."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = Path(__file__).resolve().parent / "resources"
PROCESSES = ROOT / "processes"


def _compile_url_builders_once() -> None:
    """Every test builds its own app, and werkzeug compiles two URL-builder functions (an AST
    put through ``compile()``) for each of its ~150 rules: ~55 of the ~70 ms an app took, on
    ~1,900 apps a run. Such a function depends only on the rule's text and parts (the rule
    comes in as its first argument), so the test process compiles each once. A rule with
    defaults (resolved into the code through its converters) is compiled as before."""
    from werkzeug.routing.rules import Rule
    original = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def compile_builder(self, append_unknown: bool = True):  # type: ignore[no-untyped-def]
        if self.defaults:
            return original(self, append_unknown)
        key = (self.rule, self.host, self.subdomain, tuple(self._trace), append_unknown)
        found = compiled.get(key)
        if found is None:
            found = compiled[key] = original(self, append_unknown)
        return found

    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


_compile_url_builders_once()


def bundle(folder: Path) -> dict[str, bytes]:
    """Every deployable file in a folder, keyed by its name in the bundle (as ``scripts/
    deploy`` sends them: the base name, ``i18n/en.json`` as ``i18n.en.json``)."""
    from services.definitions import _bundle_name
    return {_bundle_name(f): f.read_bytes() for f in sorted(folder.rglob("*"))
            if f.is_file() and f.suffix in (".bpmn", ".dmn", ".json") and f.name != "sla.json"}


@pytest.fixture
def three_steps() -> dict[str, bytes]:
    return bundle(RESOURCES / "three_steps")


def scripted_bundle(script: str) -> dict[str, bytes]:
    """The 'scripted' process with ``script`` in its script task."""
    from xml.sax.saxutils import escape
    text = (RESOURCES / "scripted" / "scripted.bpmn").read_text()
    return {"scripted.bpmn": text.replace("SCRIPT_PLACEHOLDER", escape(script)).encode()}


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    """A small HTTP API on 127.0.0.1 (``tests.fake_api``) for the HTTP connector to call."""
    from tests.fake_api import FakeApi
    server = FakeApi().start()
    yield server
    server.stop()
