"""The message catalogues (issue 13): every Ukrainian entry translated and not fuzzy, the
placeholders of each translation the same as its English original's, Ukrainian plural
forms one / few / many, and the public pages rendered in Ukrainian without English left in
them (a text node with Latin letters means a string that is not marked or not translated)."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from civwatch.i18n import LOCALE_DIR, gettext, ngettext, translations, use_language

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
#: Words a Ukrainian page may show in Latin letters: names, formats, codes and units.
ALLOWED_LATIN = re.compile(
    r"^(civwatch|JavaScript|API|Atom|JSON|Feed|CSV|KML|GeoJSON|PNG|PDF|UTC|SHA-256|RSS|"
    r"[A-Z]{2,5}|\d[\w.,:–-]*|[\w.-]+@[\w.-]+|https?://\S+|/\S*|v?\d+(\.\d+)*)$"
)


def _catalogue(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "civwatch.po").open("rb") as f:
        return read_po(f, locale=language)


def _entries(catalogue: Catalog) -> list[tuple[str, str]]:
    pairs = []
    for m in catalogue:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        pairs.extend((ids[min(i, len(ids) - 1)], s) for i, s in enumerate(strings))
    return pairs


def test_every_marked_string_is_in_the_catalogues(tmp_path: Path) -> None:
    """Extraction (as ``make extract`` runs it) finds nothing the catalogues lack: a string
    marked in the code or a template but never merged would be shown in English."""
    root = Path(__file__).resolve().parents[2]
    template = tmp_path / "civwatch.pot"
    extract = "from babel.messages.frontend import main; main()"
    subprocess.run(
        [
            sys.executable,
            "-c",
            extract,
            "extract",
            "-F",
            "pyproject.toml",
            "-o",
            str(template),
            "--no-wrap",
            "src/civwatch",
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as f:
        marked = {(m.id, m.context) for m in read_po(f) if m.id}
    for language in ("uk", "en"):
        present = {(m.id, m.context) for m in _catalogue(language) if m.id}
        missing = sorted(str(key[0]) for key in marked - present)
        assert missing == [], f"run `make extract`; {language} lacks: {missing[:10]}"


def test_every_ukrainian_entry_is_translated_and_not_fuzzy() -> None:
    catalogue = _catalogue("uk")
    missing = [m.id for m in catalogue if m.id and (m.fuzzy or not all(_strings(m.string)))]
    assert missing == [], f"{len(missing)} entries of uk are untranslated or fuzzy"


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_translations_keep_the_placeholders_of_the_original(language: str) -> None:
    wrong = [
        (source, text)
        for source, text in _entries(_catalogue(language))
        if text and set(PLACEHOLDER.findall(text)) - set(PLACEHOLDER.findall(source))
    ]
    assert wrong == []


def test_ukrainian_has_three_plural_forms_chosen_right() -> None:
    assert _catalogue("uk").num_plurals == 3
    with use_language("uk"):
        assert gettext("Casualties") == "Жертви"
        forms = {
            n: ngettext("copy of %(num)s other item", "copy of %(num)s other items", n)
            for n in (1, 2, 5, 21, 11)
        }
    # one / few / many: 1 and 21 take the first form, 2 and 22 the second, 5 and 11 the third
    plural = translations("uk").plural
    assert [plural(n) for n in (1, 21, 2, 22, 5, 11)] == [0, 0, 1, 1, 2, 2]
    assert forms[21] == "копія 21 іншого елемента" and forms[11] == "копія 11 інших елементів"


class _Text(HTMLParser):
    """The text nodes of a page, outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._skipped: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        other_language = dict(attrs).get("lang") not in (None, "uk")
        if tag in ("script", "style", "code", "pre", "kbd", "samp") or other_language:
            self._skip += 1
            self._skipped.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipped and self._skipped[-1] == tag:
            self._skipped.pop()
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def latin_words(html: str) -> list[str]:
    """Words in Latin letters in a page's text that are not names, codes or units."""
    parser = _Text()
    parser.feed(html)
    found = []
    for text in parser.texts:
        for word in re.findall(r"[^\s()·,;:«»“”\"]+", text):
            if re.search(r"[A-Za-z]", word) and not ALLOWED_LATIN.match(word.strip(".!?")):
                found.append(word)
    return found


def test_the_public_site_in_ukrainian_has_no_english_left(client: TestClient) -> None:
    for path in ("/public", "/public/timeline", "/public/methodology", "/signin"):
        page = client.get(path, params={"lang": "uk"})
        assert page.status_code == 200, path
        assert '<html lang="uk"' in page.text, path
        assert " | ".join(sorted(set(latin_words(page.text)))) == "", path


if __name__ == "__main__":  # pragma: no cover - a translator's aid: what is left in English
    import sys

    print("\n".join(sorted(set(latin_words(sys.stdin.read())))))
