"""Shared test helpers: paths to models, building bundles."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = Path(__file__).resolve().parent / "resources"
PROCESSES = ROOT / "processes"


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
