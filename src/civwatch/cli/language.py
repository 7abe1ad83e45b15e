"""The language the command line speaks to its user.

Chosen in this order: the root's ``--lang`` option (``civwatch --lang uk show ...``), the
setting ``CIVWATCH_LANGUAGE``, the POSIX locale as gettext reads it (``LANGUAGE``,
``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English. Only a language with a catalogue
counts (``uk_UA.UTF-8`` means ``uk``); one without is passed over, except a ``--lang``
given by hand, which is refused. Machine output (``--json``) and the files commands write
are the same in every language.
"""

from __future__ import annotations

from civwatch.errors import RejectedInputError
from civwatch.i18n.catalogues import SOURCE_LANGUAGE

#: The locale variables gettext reads for messages, strongest first.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def catalogue_language(tag: str | None) -> str | None:
    """The language with a catalogue that a locale or language tag names (``uk``,
    ``uk-UA``, ``uk_UA.UTF-8`` -> ``uk``), else None."""
    from civwatch.i18n.negotiation import known

    if not tag:
        return None
    primary = tag.strip().replace("-", "_").split(".")[0].split("@")[0].split("_")[0]
    return known(primary)


#: The setting that chooses the language (read through :class:`civwatch.config.Settings`).
LANGUAGE_SETTING = "CIVWATCH_LANGUAGE"


def _setting() -> str | None:
    """The setting ``CIVWATCH_LANGUAGE``, if set. The settings are loaded only then: loading
    them (pydantic) costs most of the time ``civwatch --help`` takes, and the help reads no
    other setting."""
    import os

    if not any(name.upper() == LANGUAGE_SETTING for name in os.environ):
        return None
    from civwatch.config import load_settings
    from civwatch.errors import ConfigurationError

    try:
        return load_settings().language or None
    except ConfigurationError:  # a bad setting is reported by the command that needs it
        return None


def _locale() -> str | None:
    """The first language with a catalogue that the locale asks for, read as Python's
    gettext reads it: the first of LOCALE_VARIABLES that is set, a colon-separated list
    (``LANGUAGE=de:uk``), tried in order up to ``C``/``POSIX``, which is English.

    (Not babel's ``default_locale``: it reads LC_CTYPE before LANG, and Python sets
    LC_CTYPE=C.UTF-8 itself when LANG names a locale the system lacks, PEP 538.)"""
    import os

    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable)
        if not value:
            continue
        for tag in value.split(":"):
            if tag.split(".")[0] in ("C", "POSIX"):
                return SOURCE_LANGUAGE
            if found := catalogue_language(tag):
                return found
        return None
    return None


def cli_language(option: str | None) -> str:
    """The language of this run: ``option`` (the value of ``--lang``, if given), else the
    setting, else the locale, else English."""
    from civwatch.i18n import _, available_languages

    if option is not None:
        found = catalogue_language(option)
        if found is None:
            raise RejectedInputError(
                _(
                    "--lang must be one of %(languages)s.",
                    languages=", ".join(available_languages()),
                )
            )
        return found
    return catalogue_language(_setting()) or _locale() or SOURCE_LANGUAGE
