"""The donor report (:func:`civwatch.relief.reports.donor_report`) as files for a donor:
a CSV table and a PDF, each in English or Ukrainian.

Both show exactly the cells of the report: a suppressed cell (fewer than
:data:`~civwatch.relief.reports.SMALLEST_CELL` people, or its table's complementary one)
is written as the word for suppressed, never as a number nor 0. A document whose shown
cell describes fewer people is refused (:class:`ValueError`, a bug, never input): these
files go outside the organisation.

- CSV (RFC 4180, UTF-8 with a byte order mark for spreadsheets, comma, CRLF): a header
  row, then rows ``report`` (fund, period, generation time, method), ``total``,
  ``purpose``, ``month`` and ``oblast``; columns table, code (stable: a purpose's code,
  ``YYYY-MM``, the oblast as recorded), label (in the report's language), amount (plain
  decimal), currency, people. Text a spreadsheet would run as a formula (starting with
  ``= + - @``, tab or carriage return) gets a leading apostrophe
  (:func:`civwatch.publish.opendata.safe_cell`).
- PDF (WeasyPrint, A4, DejaVu Sans embedded: Cyrillic letters): the fund, the period,
  when it was made, the totals, one table per dimension and the method note.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.numbers import format_currency
from markupsafe import Markup

from civwatch.geo.place_names import place_label
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import N_, _, gettext, use_language
from civwatch.i18n import formatting as fmt
from civwatch.i18n.templating import file_templates
from civwatch.media.pdf import html_to_pdf
from civwatch.publish.opendata import safe_cell
from civwatch.relief.reports import SMALLEST_CELL, UNKNOWN_OBLAST
from civwatch.relief.sanctions import official_latin
from civwatch.relief.vocabulary import PURPOSE_LABELS

TEMPLATES = Path(__file__).parent / "templates"
_ENV = file_templates(TEMPLATES)
#: The report's style, inline (the PDF loads nothing): our own file, so not escaped.
REPORT_CSS = Markup((TEMPLATES / "donor_report.css").read_text(encoding="utf-8"))  # noqa: S704
#: The report's tables, in the order they are shown.
DIMENSIONS = ("purpose", "month", "oblast")
TABLE_TITLES = {
    "total": N_("Total"),
    "purpose": N_("By purpose"),
    "month": N_("By month"),
    "oblast": N_("By oblast"),
}
CSV_COLUMNS = ("table", "code", "label", "amount", "currency", "people")
CSV_HEADERS = {
    "table": N_("table"),
    "code": N_("code"),
    "label": N_("label"),
    "amount": N_("amount"),
    "currency": N_("currency"),
    "people": N_("people"),
}
# TRANSLATORS: the word "report" in the first column of the donor report's CSV rows that
# say which fund, period and method the figures are of.
_REPORT = N_("report")


def suppressed_word() -> str:
    """How a suppressed cell reads, in the language in force."""
    # TRANSLATORS: a figure of the donor report withheld because it describes fewer than
    # 5 people (one word where possible: it stands in a table's cell).
    return str(_("suppressed"))


def method_note(smallest: int = SMALLEST_CELL) -> str:
    """What the figures are and how they are protected, in the language in force."""
    return str(
        _(
            "Amounts are the payments of grants booked in the period, less refunds. A person "
            "helped several times is counted once, with the people of their household. No "
            "name is given. A figure describing fewer than %(n)s people is suppressed, and "
            "so are other figures wherever it could otherwise be worked out from those "
            "shown (the total less the rest of its table, or figures of other tables).",
            n=smallest,
        )
    )


def _check(doc: Mapping[str, Any]) -> None:
    """Refuse (ValueError) a document that shows a cell of fewer people than allowed."""
    cells = [doc] + [cell for d in DIMENSIONS for cell in doc.get(d, {}).values()]
    for cell in cells:
        people = cell.get("people", cell.get("people_helped"))
        if people is not None and int(people) < SMALLEST_CELL:
            raise ValueError("a donor report cell of fewer than 5 people is shown")
    if doc.get("people_helped") is None and doc.get("total") is not None:
        raise ValueError("a donor report total of fewer than 5 people is shown")


def row_label(dimension: str, code: str, language: str) -> str:
    if dimension == "purpose":
        return gettext(PURPOSE_LABELS[code], language) if code in PURPOSE_LABELS else code
    if dimension == "month":
        try:
            return fmt.format_month(date.fromisoformat(code + "-01"), language=language)
        except ValueError:
            return code
    if code == UNKNOWN_OBLAST:
        return str(_("not known"))
    known = _REGIONS.get(" ".join(code.casefold().split())) or _OBLASTS.get(_oblast_key(code))
    if known is not None:
        return known[1] if language == "uk" else known[0]
    return place_label(code, language) or code


def _oblast_key(text: str) -> str:
    """An oblast as it may be recorded on a grant ("Kharkivska", "Kharkiv Oblast",
    "Харківська область") reduced to one key: the first word in Latin letters."""
    words = text.replace("-", " ").split()
    return official_latin(words[0]) if words else ""


#: Every region's English and Ukrainian names, in lower case -> (English, Ukrainian).
_REGIONS = {name.casefold(): names for names in UKRAINE_ADMIN1.values() for name in names}
#: Oblast keys (:func:`_oblast_key`) -> (English name, Ukrainian name).
_OBLASTS: dict[str, tuple[str, str]] = {
    key: names
    for names in UKRAINE_ADMIN1.values()
    for key in (_oblast_key(names[0]), _oblast_key(names[1]))
    if names[0].endswith("Oblast")
}


def _rows(doc: Mapping[str, Any], language: str) -> Iterator[tuple[str, str, str, Any, Any]]:
    """(table, code, label, amount, people) of every figure: the total first; a suppressed
    cell's amount and people are None."""
    yield "total", "total", str(_("All grants")), doc.get("total"), doc.get("people_helped")
    for dimension in DIMENSIONS:
        for code, cell in doc.get(dimension, {}).items():
            hidden = bool(cell.get("suppressed"))
            yield (
                dimension,
                code,
                row_label(dimension, code, language),
                None if hidden else cell.get("amount"),
                None if hidden else cell.get("people"),
            )


def donor_report_csv(doc: Mapping[str, Any], locale: str) -> bytes:
    """The donor report ``doc`` as CSV in language ``locale`` (see the module)."""
    _check(doc)
    with use_language(locale):
        hidden = suppressed_word()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([gettext(CSV_HEADERS[c], locale) for c in CSV_COLUMNS])
        report = gettext(_REPORT, locale)
        for code, label in (
            ("fund", doc.get("fund_name") or str(doc.get("fund"))),
            ("from", doc.get("from")),
            ("to", doc.get("to")),
            ("generated_at", doc.get("generated_at")),
            ("method", method_note(int(doc.get("smallest_cell") or SMALLEST_CELL))),
        ):
            writer.writerow([safe_cell(v) for v in (report, code, label, "", "", "")])
        for table, code, label, amount, people in _rows(doc, locale):
            writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        gettext(TABLE_TITLES[table], locale),
                        code,
                        label,
                        hidden if amount is None else Decimal(str(amount)),
                        doc.get("currency"),
                        hidden if people is None else int(people),
                    )
                ]
            )
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _money(amount: Any, currency: str, language: str) -> str:
    return str(format_currency(Decimal(str(amount)), currency, locale=language))


def donor_report_html(doc: Mapping[str, Any], locale: str) -> str:
    """The donor report ``doc`` as one self-contained HTML page in ``locale`` (the PDF's
    source)."""
    _check(doc)
    with use_language(locale):
        hidden = suppressed_word()
        currency = str(doc.get("currency") or "")
        tables: dict[str, list[dict[str, str]]] = {d: [] for d in (*DIMENSIONS, "total")}
        for table, _code, label, amount, people in _rows(doc, locale):
            tables[table].append(
                {
                    "label": label,
                    "amount": hidden if amount is None else _money(amount, currency, locale),
                    "people": hidden if people is None else fmt.format_number(people),
                }
            )
        generated = doc.get("generated_at")
        return _ENV.get_template("donor_report.html").render(
            language=locale,
            css=REPORT_CSS,
            fund=doc.get("fund_name") or str(doc.get("fund")),
            period=fmt.format_date_range(
                date.fromisoformat(str(doc["from"])), date.fromisoformat(str(doc["to"]))
            ),
            generated=fmt.format_datetime(datetime.fromisoformat(generated))
            if generated
            else _("not known"),
            total=tables["total"][0],
            tables=[(gettext(TABLE_TITLES[d], locale), tables[d]) for d in DIMENSIONS],
            method=method_note(int(doc.get("smallest_cell") or SMALLEST_CELL)),
            suppressed=hidden,
        )


def donor_report_pdf(doc: Mapping[str, Any], locale: str) -> bytes:
    """The donor report ``doc`` as PDF in ``locale`` (WeasyPrint; its fonts embedded)."""
    return html_to_pdf(donor_report_html(doc, locale))


def file_name(doc: Mapping[str, Any], file_format: str, locale: str) -> str:
    """ "donor-report-3-2026-01-01-to-2026-03-31.uk.pdf"."""
    period = f"{doc.get('from')}-to-{doc.get('to')}"
    return f"donor-report-{doc.get('fund')}-{period}.{locale}.{file_format}"
