"""The UI's words in Chinese (the default) and English, from the gettext catalogues.

Pages pick the language from ``?lang=`` (remembered in the ``lang`` cookie), else the cookie,
else Chinese. The msgids are keys (``login.title``), the texts have ``{name}`` placeholders;
keys starting with ``js.`` (``admin.js.``, ``designer.js.``) are handed to the page's script as
JSON. The ``.po`` files under ``translations/`` are read once, at import: nothing to compile
before a fresh clone runs (see "Translations" in ``web/README.md``).
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "lang"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
TRANSLATIONS = Path(__file__).with_name("translations")


def load(lang: str) -> dict[str, str]:
    """``lang``'s catalogue as {key: text}. As gettext does, an untranslated or fuzzy entry is
    left out (``translate`` then falls back to Chinese, then to the key); a malformed file
    raises."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file, abort_invalid=True)
    return {message.id: message.string for message in catalogue
            if message.id and message.string and not message.fuzzy}


MESSAGES: dict[str, dict[str, str]] = {lang: load(lang) for lang in LANGUAGES}


def N_(key: str) -> str:  # noqa: N802 (gettext's name for it, a default pybabel keyword)
    """Marks a key that reaches ``t``/``translate`` later, so ``pybabel extract`` finds it."""
    return key


def normalize(value: str | None) -> str | None:
    """'en', 'en-US', 'zh_CN' → a supported language, else None."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


def translate(lang: str, key: str, **params: object) -> str:
    text = MESSAGES.get(lang, MESSAGES[DEFAULT]).get(key) or MESSAGES[DEFAULT].get(key, key)
    return text.format(**params) if params else text


def js_messages(lang: str, prefix: str = "js.") -> dict[str, str]:
    """The keys under ``prefix`` (``js.``, ``designer.js.``, ``admin.js.``) without it, for
    the page's script."""
    table = MESSAGES.get(lang, MESSAGES[DEFAULT])
    return {key[len(prefix):]: text for key, text in table.items() if key.startswith(prefix)}
