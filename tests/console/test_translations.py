"""Chinese by default on every page: every text the console's code and templates can show has its Chinese."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api.console import i18n

CONSOLE = Path(i18n.__file__).parent
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _texts_in_the_code() -> dict[str, str]:
    found: dict[str, str] = {}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(CONSOLE), METHOD_MAP, OPTIONS, keywords=keywords
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, f"{filename}:{lineno}")
    return found


def test_every_text_of_the_console_has_its_chinese() -> None:
    texts = _texts_in_the_code()
    assert len(texts) > 30, "the extraction found too little to mean anything"
    chinese = i18n.catalogue("zh")
    missing = sorted(f"{where}: {text!r}" for text, where in texts.items() if not chinese.get(text))
    assert not missing, "no Chinese for:\n" + "\n".join(missing)


def test_the_catalogue_holds_no_text_the_console_no_longer_shows() -> None:
    texts = _texts_in_the_code()
    stale = sorted(m.id for m in i18n.catalogue("zh") if m.id and not m.context and m.id not in texts)
    assert not stale, f"translated but never shown (remove them from locale/zh): {stale}"


def test_a_text_is_translated_in_one_file_only() -> None:
    """The parts' files are merged into one catalogue, so a text in two files would be translated by whichever came
    first: texts several parts show belong in console.po."""

    files_of: dict[tuple[str | None, str], list[str]] = {}
    for path in sorted((i18n.LOCALE_DIR / "zh").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    files_of.setdefault((message.context, message.id), []).append(path.name)
    repeated = {key: files for key, files in files_of.items() if len(files) > 1}
    assert not repeated, f"translated in more than one file (move them to console.po): {repeated}"
