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

#: The locale variables gettext reads for messages, strongest first (babel adds LC_CTYPE
#: and LANG after them).
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES")


def catalogue_language(tag: str | None) -> str | None:
    """The language with a catalogue that a locale or language tag names (``uk``,
    ``uk-UA``, ``uk_UA.UTF-8`` -> ``uk``), else None."""
    from civwatch.i18n.negotiation import known

    if not tag:
        return None
    primary = tag.strip().replace("-", "_").split(".")[0].split("@")[0].split("_")[0]
    return known(primary)


def _setting() -> str | None:
    from civwatch.config import load_settings
    from civwatch.errors import ConfigurationError

    try:
        return load_settings().language or None
    except ConfigurationError:  # a bad setting is reported by the command that needs it
        return None


def _locale() -> str | None:
    from babel import default_locale

    return default_locale(LOCALE_VARIABLES)


def cli_language(option: str | None) -> str:
    """The language of this run: ``option`` (the value of ``--lang``, if given), else the
    setting, else the locale, else English."""
    from civwatch.i18n import SOURCE_LANGUAGE, _, available_languages

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
    return catalogue_language(_setting()) or catalogue_language(_locale()) or SOURCE_LANGUAGE
