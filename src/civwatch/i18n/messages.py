"""Marking and translating messages in Python, in the language in force.

See :mod:`civwatch.i18n` for the conventions. Placeholders are named, printf style
(``%(name)s``), as in the templates, so translators meet one style everywhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from civwatch.i18n.catalogues import SOURCE_LANGUAGE, available_languages, translations

_LANGUAGE: ContextVar[str] = ContextVar("civwatch_language", default=SOURCE_LANGUAGE)


def current_language() -> str:
    """The language in force: the request's in the web layer, else English."""
    return _LANGUAGE.get()


@contextlib.contextmanager
def use_language(language: str) -> Iterator[str]:
    """Speak ``language`` inside the ``with`` block (an unknown code means English)."""
    chosen = language if language in available_languages() else SOURCE_LANGUAGE
    token = _LANGUAGE.set(chosen)
    try:
        yield chosen
    finally:
        _LANGUAGE.reset(token)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (for module-level tables;
    translate where it is shown)."""
    return message


def gettext(message: str, language: str | None = None) -> str:
    """``message`` (a marked English text) in ``language`` (default: the one in force)."""
    return str(translations(language or current_language()).gettext(message))


def _render(
    msgid: str,
    plural: str | None,
    n: int | None,
    values: Mapping[str, Any],
    language: str,
) -> str:
    catalogue = translations(language)
    if plural is None:
        text = str(catalogue.gettext(msgid))
    else:
        text = str(catalogue.ngettext(msgid, plural, n or 0))
    if not values:
        return text
    shown = {k: localise(v, language) for k, v in values.items()}
    try:
        return text % shown
    except (KeyError, ValueError, TypeError):  # a broken translation: say it in English
        source = msgid if plural is None or n == 1 else plural
        return source % shown


class Message(str):
    """A translated text that remembers its English original and values, so it can be
    rendered again in another language (:func:`localise`). It is a ``str`` in the language
    that was in force when it was made."""

    msgid: str
    plural: str | None
    n: int | None
    values: Mapping[str, Any]

    def __new__(
        cls,
        msgid: str,
        plural: str | None = None,
        n: int | None = None,
        values: Mapping[str, Any] | None = None,
        language: str | None = None,
    ) -> Message:
        given = dict(values or {})
        text = _render(msgid, plural, n, given, language or current_language())
        made = super().__new__(cls, text)
        made.msgid, made.plural, made.n, made.values = msgid, plural, n, given
        return made

    def in_language(self, language: str) -> str:
        """The same message in ``language``."""
        return _render(self.msgid, self.plural, self.n, self.values, language)


def _(message: str, **values: Any) -> Message:
    """``message`` in the language in force, with ``%(name)s`` placeholders filled."""
    return Message(message, values=values)


def ngettext(singular: str, plural: str, n: int, **values: Any) -> Message:
    """The singular or one of the plural forms for ``n`` (``%(num)s`` is ``n`` unless
    ``num`` is given), in the language in force."""
    values.setdefault("num", n)
    return Message(singular, plural, n, values)


def localise(value: Any, language: str | None = None) -> str:
    """``value`` for a reader of ``language``: a :class:`Message` rendered again in it,
    anything else as text, unchanged."""
    if isinstance(value, Message):
        return value.in_language(language or current_language())
    return "" if value is None else str(value)
