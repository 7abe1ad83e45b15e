"""Jinja environments that speak the language in force: the ``i18n`` extension
(``{% trans %}``, ``_()``, ``ngettext()``, new style: placeholders ``%(name)s``, escaped) and
filters for dates, numbers, ranges, sizes, place names and marked labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from civwatch.geo.place_names import place_label
from civwatch.i18n import formatting
from civwatch.i18n.catalogues import available_languages, language_name, translations
from civwatch.i18n.messages import current_language, localise


def _gettext(message: str) -> str:
    return str(translations(current_language()).gettext(message))


def _ngettext(singular: str, plural: str, n: int) -> str:
    return str(translations(current_language()).ngettext(singular, plural, n))


def _pgettext(context: str, message: str) -> str:
    return str(translations(current_language()).pgettext(context, message))


def translate(value: Any) -> str:
    """A marked English text (``N_`` tables, vocabulary labels) or a
    :class:`~civwatch.i18n.Message` in the language in force; other values as text."""
    if value is None:
        return ""
    if isinstance(value, str) and type(value) is str:
        return _gettext(value)
    return localise(value)


def time_tag(value: Any, *, kyiv: bool = False, date_only: bool = False) -> Markup:
    """``<time>`` with the UTC instant in ``datetime`` and ``title`` (hover) and the time
    written for the reader (Kyiv time where ``kyiv``)."""
    if value is None or value == "":
        return Markup("")
    shown = (
        formatting.format_date(value, kyiv=kyiv)
        if date_only
        else formatting.format_datetime(value, kyiv=kyiv)
    )
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        formatting.iso(value), formatting.utc_text(value), shown
    )


def place(value: Any) -> str:
    """A place name or comma-joined label in the reader's language."""
    return place_label(None if value is None else str(value), current_language())


def configure(env: Environment) -> Environment:
    """Add translation and formatting to ``env`` (used by the pages and the reports)."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext
    )
    env.filters.update(
        {
            "t": translate,
            "date": lambda v, kyiv=False: formatting.format_date(v, kyiv=kyiv),
            "datetime": lambda v, kyiv=False: formatting.format_datetime(v, kyiv=kyiv),
            "short_date": formatting.format_short_date,
            "month": formatting.format_month,
            "time_tag": time_tag,
            "number": formatting.format_number,
            "figure": formatting.format_figure,
            "filesizeformat": formatting.format_size,
            "age": formatting.format_age,
            "utc": formatting.utc_text,
            "place": place,
        }
    )
    env.globals.update(
        {
            "current_language": current_language,
            "languages": available_languages,
            "language_name": language_name,
            "in_ukraine": formatting.in_ukraine,
            "range_of": formatting.format_range,
            "escape": escape,
        }
    )
    return env


def file_templates(folder: Path) -> Environment:
    """A translating environment (:func:`configure`) over the HTML templates in ``folder``,
    escaped, blocks trimmed: what a report made into a file (PDF, HTML) is written with."""
    return configure(
        Environment(
            loader=FileSystemLoader(folder),
            autoescape=select_autoescape(["html"], default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    )
