"""The console's languages: Chinese by default, English by choice (a cookie), from gettext catalogues.

The message ids are the English texts; `locale/zh/*.po` hold the Chinese, one file per part of the console, read
with Babel when the process starts (no compile step, so `make run` needs nothing more).
"""

import functools
import gettext
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "svcdir_console_lang"
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:  # noqa: N802  (the gettext convention for a text marked now, translated when shown)
    return message


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def catalogue(language: str) -> Catalog:
    """Every message of every part of the console in this language (the parts' files merged)."""
    merged = Catalog(locale="zh_Hans_CN" if language == "zh" else "en")
    for path in sorted((LOCALE_DIR / language).glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=merged.locale):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    return merged


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    if not (LOCALE_DIR / language).is_dir():
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def text(request: Request, message: str) -> str:
    """A text of the console's Python code (marked with `N_` where it is defined) in the reader's language."""
    return translations(language_of(request)).gettext(message)


def problem_text(language: str, code: str | None, fallback: str) -> str:
    """A service's error in the reader's language: its stable code translated where the catalogue has it (context
    "problem"), else the service's own English words."""
    if code:
        translated = translations(language).pgettext("problem", code)
        if translated != code:
            return translated
    return fallback
