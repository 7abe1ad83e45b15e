"""Checks of what supporters and staff type: countries (ISO 3166-1 alpha-2), e-mail
addresses, names and free text, each refused with a message saying what is wrong."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

from civwatch.errors import RejectedInputError
from civwatch.i18n import _

#: Longest e-mail address (RFC 5321 path limit).
MAX_EMAIL = 254
MAX_NAME = 200
MAX_COMMENT = 2000
MAX_LETTER = 10000
#: A conservative address: something@domain.tld, no spaces, no angle brackets or quotes.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
#: Codes in Babel's territory list that are not countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})


@cache
def countries() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code (Babel's territories of two letters)."""
    codes = {str(code) for code in Locale("en").territories}
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha()) - _NOT_COUNTRIES


def country(value: object) -> str:
    """An ISO 3166-1 alpha-2 code, upper case; refused otherwise."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in countries():
        raise RejectedInputError(
            _("The country must be a two-letter ISO 3166 code, such as UA or DE.")
        )
    return code


def email(value: object) -> str:
    """An e-mail address, trimmed; refused when it does not look like one."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_EMAIL or not _EMAIL.match(text):
        raise RejectedInputError(_("The e-mail address is not valid."))
    return text


def text(value: object, what: str, *, limit: int, required: bool = True) -> str:
    """Free text of at most ``limit`` characters (no control characters but line breaks);
    ``what`` names the field in the message."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RejectedInputError(_("%(what)s must be text.", what=what))
    cleaned = value.replace("\r\n", "\n").strip()
    if required and not cleaned:
        raise RejectedInputError(_("%(what)s is required.", what=what))
    if len(cleaned) > limit:
        raise RejectedInputError(
            _("%(what)s is longer than %(limit)s characters.", what=what, limit=limit)
        )
    if any(ord(c) < 32 and c not in "\n\t" for c in cleaned):
        raise RejectedInputError(_("%(what)s holds control characters.", what=what))
    return cleaned


def flag(value: object, what: str) -> bool:
    """A yes/no answer: true, false, or absent (false)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise RejectedInputError(_("%(what)s must be true or false.", what=what))
    return value
