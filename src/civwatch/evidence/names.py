"""File names from outside: kept, but made safe to store and to show."""

from __future__ import annotations

import os
import unicodedata


def safe_name(name: str) -> tuple[str, list[str]]:
    """A display-safe form of a file name and warnings about what was odd in it.

    Bytes that are not UTF-8 become ``\\xNN`` escapes; control characters (newlines
    included) become ``\\n``, ``\\t`` or ``\\uNNNN`` escapes. Markup is kept as text:
    every page escapes it when rendering.
    """
    warnings: list[str] = []
    raw = os.fsencode(name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "backslashreplace")
        warnings.append("The file name is not valid UTF-8; odd bytes are shown as \\x escapes.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        text = "".join(_escape(ch) for ch in text)
        warnings.append("The file name holds control characters (such as newlines); shown escaped.")
    if any(ch in text for ch in "<>\"'&"):
        warnings.append("The file name contains markup characters; it is shown as plain text.")
    return text, warnings


def _escape(ch: str) -> str:
    if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"):
        return ch
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\u{ord(ch):04x}")
