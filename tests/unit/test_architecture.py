"""The house's import rules (``[importlinter]`` in setup.cfg) hold, and a bad import breaks them.

Dependencies point one way: host -> web -> api -> services -> (engine, store); nothing imports
host; the engine imports no web framework and no database library; services and the store
speak no HTTP. ``lint-imports`` (import-linter) reads the real imports of the tree.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("engine", "store", "services", "api", "web", "host", "migrations")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT), "--config", str(tree / "setup.cfg"), "--no-cache"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=300)


def _not_python(_folder: str, names: list[str]) -> list[str]:
    """What copytree leaves out: files other than .py, and installed or cached folders."""
    return [n for n in names if n in ("node_modules", "__pycache__")
            or ("." in n and not n.endswith(".py"))]


def copy_of_the_tree(tmp_path: Path) -> Path:
    """The packages' Python files and setup.cfg, where a test may plant an import."""
    tree = tmp_path / "tree"
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=_not_python)
    shutil.copy(ROOT / "setup.cfg", tree / "setup.cfg")
    return tree


def test_the_tree_keeps_every_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "bad_import", "broken"), [
    ("services/audit.py", "import flask", "Services and the store speak no HTTP"),
    ("store/queries.py", "import werkzeug", "Services and the store speak no HTTP"),
    ("engine/clock.py", "import sqlalchemy", "The engine is pure"),
    ("engine/http_call.py", "import httpx", "The engine is pure"),
    ("store/queries.py", "import services.audit", "Layers"),
    ("services/tasks.py", "import api.errors", "Layers"),
    ("api/errors.py", "import web.views", "Layers"),
    ("web/views.py", "import host.cli", "Nothing imports host"),
    ("migrations/env.py", "import services.audit", "Migrations use only the store"),
])
def test_a_deliberate_bad_import_breaks_the_contract(tmp_path: Path, module: str,
                                                     bad_import: str, broken: str) -> None:
    tree = copy_of_the_tree(tmp_path)
    target = tree / module
    target.write_text(target.read_text() + f"\n{bad_import}  # planted by the test\n")
    result = lint(tree)
    assert result.returncode != 0, result.stdout
    broken_lines = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(broken) for line in broken_lines), result.stdout
