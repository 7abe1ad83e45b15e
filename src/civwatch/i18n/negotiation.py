"""Which language a reader gets: their explicit choice (``?lang=``, then the language
cookie), then their browser's ``Accept-Language``, then the deployment's default."""

from __future__ import annotations

from collections.abc import Sequence

from civwatch.i18n.catalogues import SOURCE_LANGUAGE, available_languages

#: The cookie that remembers a reader's choice (set by ``GET /language``).
LANGUAGE_COOKIE = "civwatch_lang"
#: How many language tags of an Accept-Language header are looked at (the rest ignored).
MAX_TAGS = 20


def accepted_languages(header: str | None) -> list[str]:
    """The primary language subtags of an ``Accept-Language`` header, most wanted first
    ("uk-UA,uk;q=0.9,en;q=0.5" -> ["uk", "en"]); tags with q=0 and "*" are left out."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:1000].split(",")[:MAX_TAGS]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary and primary != "*" and quality > 0 and primary.isalpha():
            weighted.append((-quality, position, primary))
    ordered: list[str] = []
    for _q, _p, primary in sorted(weighted):
        if primary not in ordered:
            ordered.append(primary)
    return ordered


def known(language: str | None) -> str | None:
    """``language`` if civwatch has a catalogue for it, else None."""
    if not language:
        return None
    code = language.strip().lower()
    return code if code in available_languages() else None


def choose_language(
    *,
    explicit: Sequence[str | None] = (),
    accept_language: str | None = None,
    default: str = SOURCE_LANGUAGE,
) -> str:
    """The first known of the explicit choices, else the best match of Accept-Language,
    else ``default`` (else English)."""
    for choice in explicit:
        if found := known(choice):
            return found
    for wanted in accepted_languages(accept_language):
        if found := known(wanted):
            return found
    return known(default) or SOURCE_LANGUAGE
