"""Languages: message catalogues, the language of the current request or command, and
formatting of dates, times, numbers and place names for it.

Every user-facing string is written in English in the code and templates and marked for
translation; the catalogues in ``civwatch/locale/<language>/LC_MESSAGES/civwatch.po`` give
the other languages (see docs/translators.md). The languages civwatch offers are the
catalogues present: adding one is a file, not a code change.

Marking strings in Python:

- ``_("The incident %(id)s does not exist.", id=n)`` inside a function: a :class:`Message`,
  a ``str`` in the language in force where it is made (the request's, in the web layer),
  which :func:`localise` can render again in any other language.
- ``ngettext("%(n)s item", "%(n)s items", n)`` the same with plural forms (``n`` is given
  to the text as ``%(n)s`` unless named otherwise).
- ``N_("Missile strike")`` at module level (constants, tables of labels): marks the text
  for the catalogue and returns it unchanged; translate it where it is shown, with
  ``_(text)`` in Python or ``_(text)`` / ``|t`` in a template.

The language in force is a context variable (:func:`use_language`): the web layer sets it
for each request, so domain code called from a request speaks the reader's language.
Outside any request it is the source language, English.
"""

from __future__ import annotations

from civwatch.i18n.catalogues import (
    DOMAIN,
    LOCALE_DIR,
    SOURCE_LANGUAGE,
    available_languages,
    language_name,
    translations,
)
from civwatch.i18n.messages import (
    N_,
    Message,
    _,
    current_language,
    gettext,
    localise,
    ngettext,
    use_language,
)

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "N_",
    "SOURCE_LANGUAGE",
    "Message",
    "_",
    "available_languages",
    "current_language",
    "gettext",
    "language_name",
    "localise",
    "ngettext",
    "translations",
    "use_language",
]
