"""The UI's gettext catalogues: both languages have the same keys, none empty or fuzzy, the same
placeholders, and exactly the keys that ``pybabel extract`` finds in the code (a key used but
missing would show as the raw key; an entry extraction no longer finds would be retired by
``pybabel update``)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch

from web import i18n

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _catalogue(lang: str) -> Catalog:
    with (WEB / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, abort_invalid=True)


def _entries(lang: str) -> dict[str, str]:
    return {message.id: message.string for message in _catalogue(lang) if message.id}


def _mapping() -> tuple[list, dict]:
    with (WEB / "babel.cfg").open() as file:
        return parse_mapping_cfg(file, filename=str(WEB / "babel.cfg"))


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[str]]:
    """Key → the files that use it, as ``pybabel extract -F web/babel.cfg ... .`` finds them."""
    method_map, options_map = _mapping()
    found: dict[str, list[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map):
        assert isinstance(message, str), (filename, message)
        found.setdefault(message, []).append(filename)
    return found


def test_both_languages_have_the_same_keys() -> None:
    zh, en = _entries("zh"), _entries("en")
    assert sorted(set(zh) - set(en)) == [], "keys only in zh"
    assert sorted(set(en) - set(zh)) == [], "keys only in en"
    assert len(zh) > 300


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_entry_is_empty_fuzzy_or_obsolete(lang: str) -> None:
    catalogue = _catalogue(lang)
    messages = [message for message in catalogue if message.id]
    assert [m.id for m in messages if not m.string or not m.string.strip()] == []
    assert [m.id for m in messages if m.fuzzy] == []
    assert list(catalogue.obsolete) == []


def test_placeholders_are_the_same_in_both_languages() -> None:
    zh, en = _entries("zh"), _entries("en")
    different = {key: (sorted(set(PLACEHOLDER.findall(text))),
                       sorted(set(PLACEHOLDER.findall(en.get(key, "")))))
                 for key, text in zh.items()
                 if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(en.get(key, "")))}
    assert different == {}


def test_every_key_the_code_uses_is_in_both_catalogues(extracted: dict[str, list[str]]) -> None:
    for lang in i18n.LANGUAGES:
        entries = _entries(lang)  # read once: parsing the catalogue per key took half a minute
        missing = {key: files for key, files in extracted.items() if key not in entries}
        assert missing == {}, f"used but missing from {lang}/LC_MESSAGES/messages.po"


def test_every_catalogue_entry_is_found_by_extraction(extracted: dict[str, list[str]]) -> None:
    assert sorted(set(_entries("zh")) - set(extracted)) == []


def test_extraction_sees_each_kind_of_use(extracted: dict[str, list[str]]) -> None:
    """Literal keys in Python, templates and page scripts (with the page's prefix), ternaries,
    run-time keys under a literal prefix, and common.js's keys under every page's prefix."""
    expected = {
        "login.slowed": "web/views.py",                    # _login_page("login.slowed", ...)
        "login.unavailable": "web/views.py",               # N_("login.unavailable")
        "login.title": "web/templates/web/login.html",
        "view.overdue": "web/templates/web/inbox.html",    # t('view.' ~ name)
        "js.claimed": "web/static/inbox.js",               # t(a ? "claimed" : "unclaimed")
        "js.sla.paused": "web/static/common.js",           # t("sla." + name)
        "js.action.timer.fired": "web/static/inbox.js",    # MESSAGES["action." + ...]
        "js.diagram.zoom_in": "web/static/inbox_diagram.js",   # button("in", "diagram.zoom_in")
        "admin.js.pages": "web/static/admin_cases.js",     # makePager(..., "pages", ...)
        "admin.js.calendar.heading": "web/static/admin.js",
        "designer.js.open": "web/static/designer.js",
    }
    for key, filename in expected.items():
        assert filename in extracted.get(key, []), key
    for prefix in ("js.", "admin.js.", "designer.js."):
        assert "web/static/common.js" in extracted[prefix + "error.network"]
    assert "js.key" not in extracted  # common.js's comment shows t("key", ...)


def test_every_page_script_and_template_is_mapped() -> None:
    method_map, _ = _mapping()
    files = [*WEB.glob("static/*.js"), *WEB.glob("templates/**/*.html"), *WEB.glob("*.py")]
    unmapped = [str(path.relative_to(ROOT)) for path in files
                if not any(pathmatch(pattern, str(path.relative_to(ROOT)))
                           for pattern, _method in method_map)]
    assert unmapped == []


def test_the_loader_serves_the_catalogues() -> None:
    for lang in i18n.LANGUAGES:
        assert i18n.MESSAGES[lang] == _entries(lang)
    assert i18n.translate("zh", "login.title") == "登录"
    assert i18n.translate("en", "login.title") == "Sign in"
    assert i18n.translate("en", "login.slowed", seconds=3).endswith("3 second(s).")
    assert i18n.translate("fr", "login.title") == "登录"  # unknown language: Chinese
    assert i18n.translate("en", "no.such.key") == "no.such.key"  # unknown key: the key
    assert i18n.js_messages("en")["sla.breached"] == "Breached"
    assert i18n.js_messages("en", "admin.js.")["saved"] == _entries("en")["admin.js.saved"]

