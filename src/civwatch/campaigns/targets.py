"""A campaign's targets from a CSV file: a header with ``name``, ``country`` and ``email``
(in any order; other columns refused), one target a row. Every bad row is reported with
its row number, and nothing is imported unless every row is good."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from civwatch.campaigns import fields
from civwatch.errors import RejectedInputError
from civwatch.i18n import _

COLUMNS = ("name", "country", "email")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
#: Errors listed in one refusal (the rest are counted).
SHOWN_ERRORS = 20


@dataclass(frozen=True)
class TargetRow:
    """One target as read from the file."""

    name: str
    country: str
    email: str


def parse_targets(data: bytes) -> list[TargetRow]:
    """The targets of a CSV file (UTF-8, a BOM allowed); a refusal lists the bad rows."""
    if len(data) > MAX_BYTES:
        raise RejectedInputError(
            _("The target list is larger than %(limit)s bytes.", limit=MAX_BYTES)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RejectedInputError(_("The target list is not UTF-8 text.")) from None
    if "\x00" in text:
        raise RejectedInputError(_("The target list is not a CSV file."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        raise RejectedInputError(_("The target list is empty.")) from None
    except csv.Error:
        raise RejectedInputError(_("The target list is not a CSV file.")) from None
    if sorted(header) != sorted(COLUMNS):
        raise RejectedInputError(
            _(
                "The target list's first row must name the columns name, country and "
                "email (found: %(found)s).",
                found=", ".join(header) or "-",
            )
        )
    at = {name: header.index(name) for name in COLUMNS}
    rows: list[TargetRow] = []
    errors: list[str] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                raise RejectedInputError(
                    _("The target list has more than %(limit)s rows.", limit=MAX_ROWS)
                )
            if len(cells) != len(header):
                errors.append(
                    _(
                        "row %(row)s: %(found)s cells, %(wanted)s expected",
                        row=number,
                        found=len(cells),
                        wanted=len(header),
                    )
                )
                continue
            try:
                rows.append(
                    TargetRow(
                        name=fields.text(cells[at["name"]], _("The name"), limit=fields.MAX_NAME),
                        country=fields.country(cells[at["country"]]),
                        email=fields.email(cells[at["email"]]),
                    )
                )
            except RejectedInputError as exc:
                errors.append(_("row %(row)s: %(error)s", row=number, error=exc.message))
    except csv.Error as exc:
        raise RejectedInputError(
            _("The target list is not a CSV file (row %(row)s).", row=reader.line_num)
        ) from exc
    if errors:
        shown = "; ".join(errors[:SHOWN_ERRORS])
        more = len(errors) - SHOWN_ERRORS
        if more > 0:
            shown += "; " + _("and %(more)s more", more=more)
        raise RejectedInputError(_("The target list was not imported: %(errors)s.", errors=shown))
    if not rows:
        raise RejectedInputError(_("The target list has no targets."))
    return rows
