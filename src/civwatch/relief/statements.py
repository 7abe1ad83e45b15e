"""Bank statements: reading them (CSV with a mapping, ISO 20022 camt.053 XML) and matching
their lines to the fund's payments.

Pure functions over plain values: no database, no web. The formats, the mapping and the
matching rules are described for operators in ``docs/relief-formats.md``.

- :func:`read_csv_statement` reads a CSV export under a :class:`CsvMapping` (which column
  is what, the date format, the decimal separator, the encoding; the delimiter is found).
- :func:`read_camt053` reads a camt.053 bank-to-customer statement (any version from
  ``camt.053.001.02`` on), parsed with ``defusedxml``: a document type declaration,
  entities and external references are refused, so neither an entity bomb nor a request
  for an outside file can come in with a statement.
- :func:`reconcile` matches statement lines to payments one to one: by reference first,
  then by amount, currency and date within a window, and gives each line or payment left
  over the reason it was left.

Amounts are :class:`~decimal.Decimal` throughout, never ``float``. A statement line's
amount is signed as the bank books it: a credit (money in) is positive, a debit (money
out) negative.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import unicodedata
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as safe_xml

from civwatch.errors import RejectedInputError
from civwatch.i18n import N_, _

#: Largest statement file read (bytes): a year of a busy account is far smaller.
MAX_STATEMENT_BYTES = 50 * 1024 * 1024
#: Most lines (CSV rows or camt.053 entries) one statement may hold.
MAX_STATEMENT_LINES = 200_000
#: Rows at the top of a CSV file searched for the header (bank exports often start with
#: a title, the account and the period before the table).
HEADER_SEARCH_ROWS = 30
#: The delimiters a CSV file may use; the one under which the header holds every mapped
#: column is taken.
CSV_DELIMITERS = (";", ",", "\t", "|")
#: Default matching window: a payment and a bank line this many days apart still match.
DEFAULT_WINDOW_DAYS = 3
#: Shortest reference (letters and digits) matched as a reference: shorter ones (``"1"``,
#: ``"ok"``) would match by chance.
MIN_REFERENCE_CHARS = 4

#: ISO 4217 numeric codes seen in Ukrainian bank exports instead of the letter code.
NUMERIC_CURRENCIES = {
    "980": "UAH", "978": "EUR", "840": "USD", "985": "PLN", "826": "GBP", "756": "CHF",
    "203": "CZK", "348": "HUF", "498": "MDL", "946": "RON", "975": "BGN", "752": "SEK",
}  # fmt: skip
_CURRENCY = re.compile(r"[A-Z]{3}")
#: Spaces used to group thousands: space, no-break space, narrow no-break space, thin space.
_GROUP_SPACES = " \u00a0\u202f\u2009"
_MINUS_SIGNS = "-\u2212\u2013"

#: The camt.053 message namespace; versions 02 and later are read.
CAMT053_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})$")
MIN_CAMT053_VERSION = 2
_CAMT_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,5})?")


@dataclass(frozen=True)
class StatementLine:
    """One booked movement on the account, as the bank reports it."""

    #: Where it is in the file: the CSV row number (1 = the file's first row) or the
    #: camt.053 entry's position (1 = first ``Ntry``), for messages and reports.
    position: int
    booked_on: date
    #: Signed as the bank books it: credit (money in) positive, debit (money out) negative.
    amount: Decimal
    currency: str
    #: Every reference the bank gives (end-to-end id, entry references, remittance text
    #: reference), most specific first.
    references: tuple[str, ...] = ()
    counterparty: str = ""
    description: str = ""
    value_date: date | None = None

    def __post_init__(self) -> None:
        require_decimal(self.amount)


@dataclass(frozen=True)
class BankStatement:
    """The lines of one statement file, and the account it is for when the file says."""

    lines: tuple[StatementLine, ...]
    #: ``"csv"`` or ``"camt.053.001.NN"``.
    source_format: str
    account: str | None = None


@dataclass(frozen=True)
class CsvMapping:
    """How to read a bank's CSV export: the header name of each column (compared without
    case and surrounding spaces) and the formats of its cells.

    The amount is either one column (``amount``: signed, or unsigned with a
    ``direction`` column saying debit or credit) or a ``debit``/``credit`` pair (at least
    one of the two; a line has a figure in one of them). The currency is a column or, for
    single-currency exports, ``default_currency``.
    """

    date: str
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    currency: str | None = None
    default_currency: str | None = None
    reference: str | None = None
    counterparty: str | None = None
    description: str | None = None
    value_date: str | None = None
    #: With ``amount``: a column marking each line a debit or a credit (``"D"``/``"C"``,
    #: ``"Дебет"``/``"Кредит"``...): the amount's sign is taken from it.
    direction: str | None = None
    #: The marks of a debit and of a credit in the ``direction`` column (compared without
    #: case and surrounding spaces).
    debit_marks: tuple[str, ...] = ("d", "dr", "dbit", "debit", "д", "дт", "дебет", "-")
    credit_marks: tuple[str, ...] = ("c", "cr", "crdt", "credit", "к", "кт", "кредит", "+")
    #: :func:`datetime.strptime` format of the date columns (e.g. ``"%d.%m.%Y"``); a time
    #: after the date in the same cell is ignored.
    date_format: str = "%Y-%m-%d"
    #: ``"."`` or ``","``; thousands may be grouped by spaces, ``'`` or the other mark.
    decimal_separator: Literal[".", ","] = "."
    #: ``"auto"`` (UTF-8 with or without a byte order mark, else Windows-1251), or any
    #: codec name (``"utf-8-sig"``, ``"cp1251"``).
    encoding: str = "auto"

    def columns(self) -> dict[str, str]:
        """The mapped columns: ``{role: header name}``."""
        roles = {
            "date": self.date,
            "amount": self.amount,
            "debit": self.debit,
            "credit": self.credit,
            "currency": self.currency,
            "reference": self.reference,
            "counterparty": self.counterparty,
            "description": self.description,
            "value_date": self.value_date,
            "direction": self.direction,
        }
        return {role: name for role, name in roles.items() if name}

    def check(self) -> None:
        """Refuses a mapping that cannot read a statement (:class:`RejectedInputError`)."""
        if self.amount and (self.debit or self.credit):
            raise RejectedInputError(
                _("The mapping names both an amount column and a debit/credit pair: choose one.")
            )
        if not self.amount and not (self.debit or self.credit):
            raise RejectedInputError(
                _("The mapping names no amount column (nor a debit or credit column).")
            )
        if self.direction and not self.amount:
            raise RejectedInputError(_("A debit/credit mark column goes with an amount column."))
        if not self.currency and not self.default_currency:
            raise RejectedInputError(
                _("The mapping names no currency column and no default currency.")
            )
        if self.default_currency:
            normalise_currency(self.default_currency)
        if self.decimal_separator not in (".", ","):
            raise RejectedInputError(_('The decimal separator is "." or ",".'))


def require_decimal(amount: object) -> None:
    """Refuses an amount that is not a finite :class:`Decimal` (a ``float`` above all:
    it cannot hold 0.10 exactly)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise RejectedInputError(
            _("An amount of money is a decimal number, never a floating-point one.")
        )


# --- Cells ------------------------------------------------------------------------------


def parse_amount(text: str, decimal_separator: str = ".") -> Decimal:
    """An amount written by a bank or a person: ``"1 234,56"``, ``"1,234.56"``,
    ``"-12.5"``, ``"−1 000"`` (a Unicode minus), ``"1'234.56"``. Thousands are grouped by
    threes only, with spaces, ``'`` or the mark that is not the decimal separator.
    Anything else (letters, exponents, ``"1,2,3"``, two decimal marks) is refused with
    :class:`RejectedInputError`."""
    if decimal_separator not in (".", ","):
        raise RejectedInputError(_('The decimal separator is "." or ",".'))
    group = ("," if decimal_separator == "." else ".") + _GROUP_SPACES + "'"
    cleaned = text.strip()
    negative = False
    if cleaned and cleaned[0] in _MINUS_SIGNS + "+":
        negative = cleaned[0] != "+"
        cleaned = cleaned[1:].lstrip()
    elif cleaned.startswith("(") and cleaned.endswith(")"):  # accountants' negative
        negative, cleaned = True, cleaned[1:-1].strip()
    pattern = (
        r"(?P<whole>\d{1,3}(?:(?P<sep>[" + re.escape(group) + r"])\d{3})(?:(?P=sep)\d{3})*|\d+)"
        r"(?:" + re.escape(decimal_separator) + r"(?P<fraction>\d+))?"
    )
    found = re.fullmatch(pattern, cleaned)
    if found is None:
        raise RejectedInputError(_('"%(text)s" is not an amount.', text=text[:40]))
    whole = re.sub(r"\D", "", found["whole"])
    number = f"{whole}.{found['fraction']}" if found["fraction"] else whole
    try:
        value = Decimal(number)
    except InvalidOperation as err:  # the pattern lets only digits through; kept for safety
        raise RejectedInputError(_('"%(text)s" is not an amount.', text=text[:40])) from err
    return -value if negative else value


def normalise_currency(text: str) -> str:
    """An ISO 4217 letter code (``"eur"`` -> ``"EUR"``; the numeric ``"980"`` ->
    ``"UAH"``), or :class:`RejectedInputError`."""
    code = text.strip().upper()
    code = NUMERIC_CURRENCIES.get(code, code)
    if not _CURRENCY.fullmatch(code):
        raise RejectedInputError(_('"%(text)s" is not a currency code.', text=text[:20]))
    return code


def parse_date(text: str, date_format: str) -> date:
    """A date cell under ``date_format``; a time written after the date is ignored."""
    cleaned = text.strip()
    for candidate in (cleaned, cleaned.split(" ")[0], cleaned.split("T")[0]):
        try:
            return datetime.strptime(candidate, date_format).date()
        except ValueError:
            continue
    raise RejectedInputError(
        _('"%(text)s" is not a date in the format %(format)s.', text=text[:40], format=date_format)
    )


# --- CSV ----------------------------------------------------------------------------------


def decode_text(data: bytes, encoding: str = "auto") -> str:
    """The text of an uploaded file: ``"auto"`` reads UTF-8 (a byte order mark dropped),
    else Windows-1251 (the usual encoding of Ukrainian bank exports); any other codec name
    is used as given. An empty file, one too large, or bytes the codec cannot read are
    refused with :class:`RejectedInputError`."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise RejectedInputError(
            _("The file is larger than %(mb)s MB.", mb=MAX_STATEMENT_BYTES // (1024 * 1024))
        )
    if not data.strip():
        raise RejectedInputError(_("The file is empty."))
    if encoding.lower().replace("_", "-") in ("auto", "utf-8", "utf8"):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            if encoding != "auto":
                raise RejectedInputError(_("The file is not in the UTF-8 encoding.")) from err
        encoding = "cp1251"
    try:
        return data.decode(encoding)
    except LookupError as err:
        raise RejectedInputError(_('"%(name)s" is not an encoding.', name=encoding[:40])) from err
    except UnicodeDecodeError as err:
        raise RejectedInputError(
            _("The file is not in the %(name)s encoding.", name=encoding[:40])
        ) from err


def _header_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().strip("\ufeff").casefold()


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's rows under its header: ``index`` gives the position of each header
    name (as :func:`_header_key` folds it), ``rows`` the data rows with their row number."""

    delimiter: str
    header_row: int
    index: dict[str, int]
    rows: tuple[tuple[int, list[str]], ...]


def read_csv_table(text: str, wanted: Iterable[str]) -> CsvTable:
    """The table in ``text`` whose header holds every ``wanted`` column: the header is
    searched in the first :data:`HEADER_SEARCH_ROWS` rows under each of
    :data:`CSV_DELIMITERS`. Refused, naming the columns that are missing, when none does."""
    wanted_keys = {_header_key(name): name for name in wanted}
    best_missing: list[str] | None = None
    unreadable: csv.Error | None = None
    for delimiter in CSV_DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        row_number = 0
        while row_number < HEADER_SEARCH_ROWS:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:  # perhaps only under this delimiter: try the next
                unreadable = unreadable or err
                break
            row_number += 1
            keys = [_header_key(cell) for cell in row]
            missing = [name for key, name in wanted_keys.items() if key not in keys]
            if not missing:
                index: dict[str, int] = {}
                for position, key in enumerate(keys):
                    index.setdefault(key, position)
                return CsvTable(delimiter, row_number, index, _data_rows(reader, row_number))
            if best_missing is None or len(missing) < len(best_missing):
                best_missing = missing
    if unreadable is not None and best_missing is None:
        raise RejectedInputError(
            _("The file is not a readable CSV table: %(detail)s", detail=str(unreadable)[:80])
        )
    raise RejectedInputError(
        _(
            "No header row with the columns of the mapping was found; missing: %(columns)s.",
            columns=", ".join(best_missing or list(wanted_keys.values())),
        )
    )


def _data_rows(reader: Iterator[list[str]], header_row: int) -> tuple[tuple[int, list[str]], ...]:
    rows: list[tuple[int, list[str]]] = []
    try:
        for row_number, row in enumerate(reader, start=header_row + 1):
            if not any(cell.strip() for cell in row):
                continue
            rows.append((row_number, row))
            if len(rows) > MAX_STATEMENT_LINES:
                raise RejectedInputError(
                    _("The file has more than %(n)s rows.", n=MAX_STATEMENT_LINES)
                )
    except csv.Error as err:
        raise RejectedInputError(
            _("The file is not a readable CSV table: %(detail)s", detail=str(err)[:80])
        ) from err
    return tuple(rows)


def read_csv_statement(data: bytes, mapping: CsvMapping) -> BankStatement:
    """The lines of a CSV statement read under ``mapping``. Every row must be readable:
    a bad amount, date or currency refuses the file, naming the row."""
    mapping.check()
    columns = mapping.columns()
    table = read_csv_table(decode_text(data, mapping.encoding), columns.values())
    where = {role: table.index[_header_key(name)] for role, name in columns.items()}
    lines: list[StatementLine] = []
    for row_number, row in table.rows:
        if len(row) <= max(where.values()):
            raise RejectedInputError(
                _("Row %(row)s has fewer columns than the header.", row=row_number)
            )
        try:
            lines.append(_csv_line(row_number, row, where, mapping))
        except RejectedInputError as err:
            raise RejectedInputError(
                _("Row %(row)s: %(problem)s", row=row_number, problem=err.message)
            ) from err
    if not lines:
        raise RejectedInputError(_("The statement has no lines."))
    return BankStatement(tuple(lines), "csv")


def _csv_line(
    row_number: int, row: list[str], where: dict[str, int], mapping: CsvMapping
) -> StatementLine:
    def cell(role: str) -> str:
        return row[where[role]].strip() if role in where else ""

    separator = mapping.decimal_separator
    if "amount" in where:
        amount = parse_amount(cell("amount"), separator)
        if "direction" in where:
            mark = cell("direction").casefold()
            if mark in (m.casefold() for m in mapping.debit_marks):
                amount = -abs(amount)
            elif mark in (m.casefold() for m in mapping.credit_marks):
                amount = abs(amount)
            else:
                raise RejectedInputError(
                    _('"%(text)s" marks neither a debit nor a credit.', text=cell("direction")[:20])
                )
    else:
        debit, credit = cell("debit"), cell("credit")
        figures = [
            parse_amount(text, separator) if text else Decimal(0) for text in (debit, credit)
        ]
        if not debit and not credit:
            raise RejectedInputError(_("neither the debit nor the credit column has an amount."))
        if figures[0] and figures[1]:
            raise RejectedInputError(_("both the debit and the credit column have an amount."))
        amount = figures[1] - abs(figures[0]) if figures[0] else figures[1]
    currency = normalise_currency(cell("currency") or mapping.default_currency or "")
    reference = cell("reference")
    value_text = cell("value_date")
    return StatementLine(
        position=row_number,
        booked_on=parse_date(cell("date"), mapping.date_format),
        amount=amount,
        currency=currency,
        references=(reference,) if reference else (),
        counterparty=cell("counterparty"),
        description=cell("description"),
        value_date=parse_date(value_text, mapping.date_format) if value_text else None,
    )


# --- camt.053 ---------------------------------------------------------------------------


def read_camt053(data: bytes) -> BankStatement:
    """The entries of an ISO 20022 camt.053 statement (``BkToCstmrStmt/Stmt/Ntry``), every
    statement in the file in order. An entry that carries several transactions with their
    own amounts (a batch booking) gives one line per transaction. Entries whose status
    (``Sts``, or ``Sts/Cd`` from version 08) is not ``BOOK`` - pending, for information -
    are left out: they are not yet on the account.

    Refused with :class:`RejectedInputError`: a file that is not XML or is cut short, one
    with a document type declaration or entities (never needed by camt.053; the way XML
    bombs and requests for outside files come in), another message or an unknown version,
    an entry without a readable amount, currency, direction or date."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise RejectedInputError(
            _("The file is larger than %(mb)s MB.", mb=MAX_STATEMENT_BYTES // (1024 * 1024))
        )
    if not data.strip():
        raise RejectedInputError(_("The file is empty."))
    try:
        root = safe_xml.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as err:
        raise RejectedInputError(
            _("The statement declares a document type or entities, which are refused.")
        ) from err
    except ParseError as err:
        raise RejectedInputError(
            _("The file is not a complete XML document: %(detail)s", detail=str(err)[:80])
        ) from err
    namespace, _sep, local = (
        root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    )
    version = CAMT053_NAMESPACE.match(namespace)
    if local != "Document" or version is None or int(version[1]) < MIN_CAMT053_VERSION:
        raise RejectedInputError(
            _(
                "This is not an ISO 20022 camt.053 statement (version 02 or later): its "
                "namespace is %(namespace)s.",
                namespace=(namespace or "-")[:100],
            )
        )
    ns = {"c": namespace}
    statements = _find_all(root, "c:BkToCstmrStmt/c:Stmt", ns)
    if not statements:
        raise RejectedInputError(_("The camt.053 file holds no statement."))
    lines: list[StatementLine] = []
    account: str | None = None
    position = 0
    for statement in statements:
        account = account or _text(statement, "c:Acct/c:Id/c:IBAN", ns) or None
        for entry in _find_all(statement, "c:Ntry", ns):
            position += 1
            if position > MAX_STATEMENT_LINES:
                raise RejectedInputError(
                    _("The file has more than %(n)s entries.", n=MAX_STATEMENT_LINES)
                )
            try:
                lines.extend(_camt_lines(position, entry, ns))
            except RejectedInputError as err:
                raise RejectedInputError(
                    _("Entry %(n)s: %(problem)s", n=position, problem=err.message)
                ) from err
    if not lines:
        raise RejectedInputError(_("The statement has no lines."))
    return BankStatement(tuple(lines), f"camt.053.001.{version[1]}", account)


@lru_cache(maxsize=256)
def _tags(path: str, namespace: str) -> tuple[str, ...]:
    return tuple("{" + namespace + "}" + step.removeprefix("c:") for step in path.split("/"))


def _find_all(element: Element, path: str, ns: dict[str, str]) -> list[Element]:
    """The elements at ``path`` (steps ``c:Name`` separated by ``/``, ``c`` the statement's
    namespace; ``.`` the element itself) below ``element``: a walk over children, faster
    than ElementPath for the few dozen lookups of every entry."""
    if path == ".":
        return [element]
    found = [element]
    for tag in _tags(path, ns["c"]):
        found = [child for parent in found for child in parent if child.tag == tag]
        if not found:
            break
    return found


def _find(element: Element, path: str, ns: dict[str, str]) -> Element | None:
    found = _find_all(element, path, ns)
    return found[0] if found else None


def _text(element: Element, path: str, ns: dict[str, str]) -> str:
    found = _find(element, path, ns)
    return (found.text or "").strip() if found is not None else ""


def _camt_amount(element: Element, ns: dict[str, str]) -> tuple[Decimal, str]:
    amount = _find(element, "c:Amt", ns)
    if amount is None:
        amount = _find(element, "c:AmtDtls/c:TxAmt/c:Amt", ns)
    if amount is None:
        raise RejectedInputError(_("it has no amount."))
    text = (amount.text or "").strip()
    if not _CAMT_AMOUNT.fullmatch(text):
        raise RejectedInputError(_('"%(text)s" is not an amount.', text=text[:40]))
    return Decimal(text), normalise_currency(amount.get("Ccy", ""))


def _camt_date(entry: Element, name: str, ns: dict[str, str]) -> date | None:
    text = _text(entry, f"c:{name}/c:Dt", ns) or _text(entry, f"c:{name}/c:DtTm", ns)[:10]
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise RejectedInputError(_('"%(text)s" is not a date.', text=text[:40])) from err


def _camt_lines(position: int, entry: Element, ns: dict[str, str]) -> list[StatementLine]:
    status = _text(entry, "c:Sts/c:Cd", ns) or _text(entry, "c:Sts", ns)
    if status and status != "BOOK":  # pending (PDNG), information only (INFO), future
        return []
    amount, currency = _camt_amount(entry, ns)
    direction = _text(entry, "c:CdtDbtInd", ns)
    if direction not in ("CRDT", "DBIT"):
        raise RejectedInputError(_("its direction (CdtDbtInd) is neither CRDT nor DBIT."))
    booked = _camt_date(entry, "BookgDt", ns)
    value_date = _camt_date(entry, "ValDt", ns)
    if booked is None:
        booked = value_date
    if booked is None:
        raise RejectedInputError(_("it has neither a booking date nor a value date."))
    entry_refs = [_text(entry, "c:NtryRef", ns), _text(entry, "c:AcctSvcrRef", ns)]
    details = _find_all(entry, "c:NtryDtls/c:TxDtls", ns)
    own_amounts = len(details) > 1 and all(
        _find(d, "c:Amt", ns) is not None or _find(d, "c:AmtDtls/c:TxAmt/c:Amt", ns) is not None
        for d in details
    )
    parts: list[tuple[Decimal, str, Element | None]] = []
    if own_amounts:
        for one in details:
            detail_amount, detail_currency = _camt_amount(one, ns)
            detail_direction = _text(one, "c:CdtDbtInd", ns) or direction
            if detail_direction != direction:  # a reversal inside a batch
                detail_amount = -detail_amount
            parts.append((detail_amount, detail_currency, one))
    else:
        parts.append((amount, currency, details[0] if details else None))
    entry_info = _text(entry, "c:AddtlNtryInf", ns)
    lines = []
    for figure, code, detail in parts:
        signed = figure if direction == "CRDT" else -figure
        refs, party, text = (
            _camt_detail(detail, direction, ns) if detail is not None else ([], "", "")
        )
        references = tuple(dict.fromkeys(r for r in [*refs, *entry_refs] if r))
        lines.append(
            StatementLine(
                position=position,
                booked_on=booked,
                amount=signed,
                currency=code,
                references=references,
                counterparty=party,
                description=" ".join(t for t in (text, entry_info) if t),
                value_date=value_date,
            )
        )
    return lines


def _camt_detail(detail: Element, direction: str, ns: dict[str, str]) -> tuple[list[str], str, str]:
    refs = [
        _text(detail, f"c:Refs/c:{name}", ns)
        for name in ("EndToEndId", "InstrId", "PmtInfId", "TxId", "AcctSvcrRef")
    ]
    refs = [ref for ref in refs if ref and ref.upper() != "NOTPROVIDED"]
    refs.extend(
        _text(ref, ".", ns) for ref in _find_all(detail, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", ns)
    )
    other = "Cdtr" if direction == "DBIT" else "Dbtr"
    party = _text(detail, f"c:RltdPties/c:{other}/c:Nm", ns) or _text(
        detail, f"c:RltdPties/c:{other}/c:Pty/c:Nm", ns
    )
    remittance = " ".join(
        (u.text or "").strip() for u in _find_all(detail, "c:RmtInf/c:Ustrd", ns) if u.text
    )
    return refs, party, remittance


# --- Matching ---------------------------------------------------------------------------

#: Why a line or a payment was left unmatched: code -> label (translate where shown).
NO_COUNTERPART = "no-counterpart"
OUTSIDE_WINDOW = "outside-window"
TAKEN = "taken"
AMOUNT_DIFFERS = "amount-differs"
DUPLICATE_REFERENCE = "duplicate-reference"
REASONS = {
    NO_COUNTERPART: N_("Nothing on the other side has this amount and currency."),
    OUTSIDE_WINDOW: N_(
        "The same amount and currency is on the other side, but further apart in time "
        "than the matching window."
    ),
    TAKEN: N_(
        "Every entry on the other side with this amount, currency and date was matched to "
        "something else, or is left for a person to look at."
    ),
    AMOUNT_DIFFERS: N_(
        "The reference names the other side, but the amount or the currency differs."
    ),
    DUPLICATE_REFERENCE: N_(
        "The reference names a payment that another bank line already matched: it may "
        "have been paid twice."
    ),
}


@dataclass(frozen=True)
class PaymentRecord:
    """A payment as the fund recorded it: ``amount`` is what left (``"out"``) or came
    back to (``"in"``, a refund) the account, always positive."""

    id: str
    amount: Decimal
    currency: str
    paid_on: date
    reference: str = ""
    direction: Literal["out", "in"] = "out"

    def __post_init__(self) -> None:
        require_decimal(self.amount)
        if self.amount <= 0:
            raise RejectedInputError(_("A payment's amount is more than zero."))
        if not _CURRENCY.fullmatch(self.currency):
            raise RejectedInputError(
                _('"%(text)s" is not a currency code.', text=str(self.currency)[:20])
            )

    def signed_amount(self) -> Decimal:
        """The amount as the bank books it (out is negative)."""
        return -self.amount if self.direction == "out" else self.amount


@dataclass(frozen=True)
class StatementMatch:
    line: StatementLine
    payment: PaymentRecord
    #: ``"reference"`` or ``"amount-and-date"``.
    matched_by: Literal["reference", "amount-and-date"]
    #: Booking date minus payment date, in days.
    days_apart: int


@dataclass(frozen=True)
class UnmatchedLine:
    line: StatementLine
    #: One of :data:`REASONS`.
    reason: str
    #: The payment the reason is about (a reference that names it), when there is one.
    payment_id: str | None = None


@dataclass(frozen=True)
class UnmatchedPayment:
    payment: PaymentRecord
    reason: str
    #: The statement line the reason is about, by position, when there is one.
    line_position: int | None = None


@dataclass(frozen=True)
class Reconciliation:
    matches: tuple[StatementMatch, ...]
    unmatched_lines: tuple[UnmatchedLine, ...]
    unmatched_payments: tuple[UnmatchedPayment, ...]
    window_days: int = DEFAULT_WINDOW_DAYS


def normalise_reference(text: str) -> str:
    """A reference as compared: letters and digits only, case-folded (``"CW-G 12/1"`` ->
    ``"cwg121"``)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


_REFERENCE_WORDS = re.compile(r"[\s;,:()\[\]]+")


def line_reference_keys(line: StatementLine) -> list[str]:
    """The keys a line is looked up under: each reference whole, and each word of its
    references, description and remittance text (normalised), in that order, once."""
    keys: dict[str, None] = {}
    for text in (*line.references, line.description):
        for piece in (text, *_REFERENCE_WORDS.split(text)):
            key = normalise_reference(piece)
            if len(key) >= MIN_REFERENCE_CHARS:
                keys.setdefault(key, None)
    return list(keys)


def reconcile(
    lines: Sequence[StatementLine],
    payments: Sequence[PaymentRecord],
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Reconciliation:
    """Matches statement lines to payments one to one, the same way whatever the order
    they are given in.

    1. By reference: a line whose reference, or a word of its remittance text, is a
       payment's reference (compared by :func:`normalise_reference`, at least
       :data:`MIN_REFERENCE_CHARS` characters) matches it when the amount (signed as the
       bank books it) and currency agree. A line naming a payment with another amount is
       left for a person (``amount-differs``); a second line naming an already matched
       payment is flagged (``duplicate-reference``).
    2. By amount, currency and date: the remaining lines and payments with the same
       signed amount and currency, at most ``window_days`` apart, closest dates first
       (:func:`closest_pairs`: at the same distance, a payment before the booking date
       first; lines in order of booking date and position, payments in order of id),
       unless that pairs fewer than can be paired, when as many as can be are
       (:func:`most_pairs`).

    What is left is listed with a reason (:data:`REASONS`). Runs in time proportional to
    the number of lines and payments times the window.
    """
    if window_days < 0:
        raise RejectedInputError(_("The matching window cannot be negative."))
    line_order = sorted(range(len(lines)), key=lambda i: (lines[i].booked_on, lines[i].position, i))
    payment_order = sorted(range(len(payments)), key=lambda j: payments[j].id)
    by_reference: dict[str, list[int]] = defaultdict(list)
    for j in payment_order:
        key = normalise_reference(payments[j].reference)
        if len(key) >= MIN_REFERENCE_CHARS:
            by_reference[key].append(j)

    matched_line: dict[int, tuple[int, str]] = {}
    matched_payment: dict[int, int] = {}
    line_problem: dict[int, tuple[str, str | None]] = {}
    payment_problem: dict[int, tuple[str, int | None]] = {}

    for i in line_order:
        line = lines[i]
        named = [j for key in line_reference_keys(line) for j in by_reference.get(key, ())]
        if not named:
            continue
        fitting = [
            j
            for j in dict.fromkeys(named)
            if payments[j].currency == line.currency and payments[j].signed_amount() == line.amount
        ]
        free = [j for j in fitting if j not in matched_payment]
        if free:
            matched_line[i] = (free[0], "reference")
            matched_payment[free[0]] = i
        elif fitting:
            line_problem[i] = (DUPLICATE_REFERENCE, payments[fitting[0]].id)
        else:
            line_problem[i] = (AMOUNT_DIFFERS, payments[named[0]].id)
            for j in dict.fromkeys(named):
                payment_problem.setdefault(j, (AMOUNT_DIFFERS, line.position))

    # 2. amount, currency and date, within each (currency, signed amount)
    all_dates: dict[tuple[str, Decimal], list[date]] = defaultdict(list)
    free_payments: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
    for j in payment_order:
        group = (payments[j].currency, payments[j].signed_amount())
        all_dates[group].append(payments[j].paid_on)
        if j not in matched_payment and j not in payment_problem:
            free_payments[group].append(j)
    waiting: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
    for i in line_order:
        if i not in matched_line and i not in line_problem:
            waiting[(lines[i].currency, lines[i].amount)].append(i)
    for group, group_lines in waiting.items():
        group_payments = free_payments.get(group)
        if not group_payments:
            continue
        pairs = closest_pairs(lines, group_lines, payments, group_payments, window_days)
        most = most_pairs(lines, group_lines, payments, group_payments, window_days)
        for i, j in pairs if len(pairs) >= len(most) else most:
            matched_line[i] = (j, "amount-and-date")
            matched_payment[j] = i

    line_dates: dict[tuple[str, Decimal], list[date]] = defaultdict(list)
    for line in lines:
        line_dates[(line.currency, line.amount)].append(line.booked_on)
    for dates in (*all_dates.values(), *line_dates.values()):
        dates.sort()

    matches = [
        StatementMatch(
            lines[i],
            payments[j],
            "reference" if how == "reference" else "amount-and-date",
            (lines[i].booked_on - payments[j].paid_on).days,
        )
        for i, (j, how) in ((i, matched_line[i]) for i in line_order if i in matched_line)
    ]
    unmatched_lines = []
    for i in line_order:
        if i in matched_line:
            continue
        line = lines[i]
        reason, payment_id = line_problem.get(i, (None, None))
        if reason is None:
            reason = _nearest_reason(
                all_dates.get((line.currency, line.amount), []), line.booked_on, window_days
            )
        unmatched_lines.append(UnmatchedLine(line, reason, payment_id))
    unmatched_payments = []
    for j in payment_order:
        if j in matched_payment:
            continue
        payment = payments[j]
        reason, position = payment_problem.get(j, (None, None))
        if reason is None:
            reason = _nearest_reason(
                line_dates.get((payment.currency, payment.signed_amount()), []),
                payment.paid_on,
                window_days,
            )
        unmatched_payments.append(UnmatchedPayment(payment, reason, position))
    return Reconciliation(
        tuple(matches), tuple(unmatched_lines), tuple(unmatched_payments), window_days
    )


def closest_pairs(
    lines: Sequence[StatementLine],
    line_indexes: Sequence[int],
    payments: Sequence[PaymentRecord],
    payment_indexes: Sequence[int],
    window_days: int,
) -> list[tuple[int, int]]:
    """Pairs of lines and payments of one currency and amount, closest dates first: every
    line (in the order given) takes a payment of its booking date if one is left, then one
    a day before, a day after, two days before... up to ``window_days``; among payments of
    one date, the first given."""
    buckets: dict[date, deque[int]] = defaultdict(deque)
    for j in payment_indexes:
        buckets[payments[j].paid_on].append(j)
    pairs: list[tuple[int, int]] = []
    waiting = list(line_indexes)
    offsets = [0]
    for gap in range(1, window_days + 1):
        offsets.extend((gap, -gap))  # a payment `gap` days before the booking, then after
    for offset in offsets:
        still_waiting = []
        for i in waiting:
            bucket = buckets.get(lines[i].booked_on - timedelta(offset))
            if bucket:
                pairs.append((i, bucket.popleft()))
            else:
                still_waiting.append(i)
        waiting = still_waiting
    return pairs


def most_pairs(
    lines: Sequence[StatementLine],
    line_indexes: Sequence[int],
    payments: Sequence[PaymentRecord],
    payment_indexes: Sequence[int],
    window_days: int,
) -> list[tuple[int, int]]:
    """As many pairs of lines and payments of one currency and amount as can be made
    within the window: lines in date order each take the earliest payment still left that
    is not too early for it (the greedy that is optimal when each line accepts an
    interval of dates). :func:`reconcile` uses these when closest-first pairs fewer."""
    window = timedelta(window_days)
    ordered_lines = sorted(line_indexes, key=lambda i: (lines[i].booked_on, lines[i].position, i))
    ordered = sorted(payment_indexes, key=lambda j: (payments[j].paid_on, payments[j].id))
    pairs: list[tuple[int, int]] = []
    at = 0
    for i in ordered_lines:
        booked = lines[i].booked_on
        while at < len(ordered) and payments[ordered[at]].paid_on < booked - window:
            at += 1
        if at < len(ordered) and payments[ordered[at]].paid_on <= booked + window:
            pairs.append((i, ordered[at]))
            at += 1
    return pairs


def _nearest_reason(dates: list[date], when: date, window_days: int) -> str:
    """Why something with these counterpart dates (sorted) was not matched."""
    if not dates:
        return NO_COUNTERPART
    start = bisect.bisect_left(dates, when - timedelta(window_days))
    if start < len(dates) and dates[start] <= when + timedelta(window_days):
        return TAKEN
    return OUTSIDE_WINDOW


def naive_reconcile(
    lines: Sequence[StatementLine],
    payments: Sequence[PaymentRecord],
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> list[tuple[int, int]]:
    """The reference the benchmark compares :func:`reconcile` with: for each line in turn,
    scan every payment (reference first, then the closest date within the window).
    Quadratic; gives ``(line index, payment index)`` pairs. Not for use on real data."""
    taken: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        keys = set(line_reference_keys(line))
        chosen: int | None = None
        for j, payment in enumerate(payments):
            if (
                j not in taken
                and normalise_reference(payment.reference) in keys
                and payment.currency == line.currency
                and payment.signed_amount() == line.amount
            ):
                chosen = j
                break
        if chosen is None:
            best_gap = window_days + 1
            for j, payment in enumerate(payments):
                gap = abs((line.booked_on - payment.paid_on).days)
                if (
                    j not in taken
                    and gap < best_gap
                    and payment.currency == line.currency
                    and payment.signed_amount() == line.amount
                ):
                    chosen, best_gap = j, gap
        if chosen is not None:
            taken.add(chosen)
            pairs.append((i, chosen))
    return pairs
