"""The message catalogues: which languages exist, and each one's translations.

A language is a folder ``locale/<code>/LC_MESSAGES/`` holding ``civwatch.po`` (the
translators' file, kept in git) and, once built, ``civwatch.mo`` (compiled by the build:
``make catalogues``, the wheel's build step, or ``pybabel compile``; never committed). When
the ``.mo`` file is missing or older than its ``.po`` (a fresh clone, an edited catalogue),
the ``.po`` is compiled in memory instead, so a checkout always speaks every language it has.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

#: Where the catalogues live (inside the package, so wheels and editable installs find them).
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
#: The gettext domain: the catalogues' file name.
DOMAIN = "civwatch"
#: The language the code and templates are written in.
SOURCE_LANGUAGE = "en"


def _po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def available_languages() -> tuple[str, ...]:
    """The language codes that have a catalogue, in code order (e.g. ``("en", "uk")``)."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    found.add(SOURCE_LANGUAGE)
    return tuple(sorted(found))


@functools.cache
def language_name(language: str) -> str:
    """A language's name in that language, capitalised ("Українська", "English")."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def compile_po(po_file: Path) -> bytes:
    """The ``.mo`` bytes of a ``.po`` file (fuzzy entries left out, as ``msgfmt`` does)."""
    with po_file.open("rb") as f:
        catalog = read_po(f, locale=po_file.parent.parent.name, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


@functools.cache
def translations(language: str) -> Translations:
    """The translations of ``language`` (the source language's own catalogue for English)."""
    po_file = _po_path(language)
    mo_file = po_file.with_suffix(".mo")
    if not po_file.is_file():
        return Translations(io.BytesIO(_EMPTY_MO), domain=DOMAIN)
    if mo_file.is_file() and mo_file.stat().st_mtime >= po_file.stat().st_mtime:
        with mo_file.open("rb") as f:
            return Translations(f, domain=DOMAIN)
    return Translations(io.BytesIO(compile_po(po_file)), domain=DOMAIN)


def compile_all(target: Path | None = None) -> list[Path]:
    """Compile every catalogue to its ``.mo`` file (under ``target`` instead of the source
    tree when given: the build folder of a wheel). Returns the files written."""
    written = []
    for po_file in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        relative = po_file.relative_to(LOCALE_DIR).with_suffix(".mo")
        mo_file = (target or LOCALE_DIR) / relative
        mo_file.parent.mkdir(parents=True, exist_ok=True)
        mo_file.write_bytes(compile_po(po_file))
        written.append(mo_file)
    return written


def _empty_mo() -> bytes:
    from babel.messages.catalog import Catalog

    out = io.BytesIO()
    write_mo(out, Catalog(locale=SOURCE_LANGUAGE, domain=DOMAIN))
    return out.getvalue()


_EMPTY_MO = _empty_mo()
