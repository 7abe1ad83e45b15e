"""Bank statements: CSV under a mapping, camt.053 XML (and the XML attacks it must refuse),
and the matcher that reconciles lines with payments."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from civwatch.errors import RejectedInputError
from civwatch.relief.statements import (
    AMOUNT_DIFFERS,
    DUPLICATE_REFERENCE,
    NO_COUNTERPART,
    OUTSIDE_WINDOW,
    TAKEN,
    CsvMapping,
    PaymentRecord,
    StatementLine,
    naive_reconcile,
    parse_amount,
    read_camt053,
    read_csv_statement,
    reconcile,
)

# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("1 234,56", ",", "1234.56"),
        ("1\u00a0234,56", ",", "1234.56"),
        ("1\u202f234\u202f567,5", ",", "1234567.5"),
        ("1.234,56", ",", "1234.56"),
        ("1,234.56", ".", "1234.56"),
        ("1'234.56", ".", "1234.56"),
        ("-12.50", ".", "-12.50"),
        ("−1 000", ",", "-1000"),
        ("+7", ".", "7"),
        ("(12.50)", ".", "-12.50"),
        ("0,01", ",", "0.01"),
        ("1234,56", ",", "1234.56"),
    ],
)
def test_amounts_as_banks_write_them(text: str, separator: str, expected: str) -> None:
    value = parse_amount(text, separator)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "separator"),
    [
        ("", "."),
        ("abc", "."),
        ("1e5", "."),
        ("NaN", "."),
        ("Infinity", "."),
        ("1,2,3", "."),
        ("1 23,45", ","),
        ("1.234.5", "."),
        ("1,234.56", ","),  # thousands by "," cannot be read under a decimal comma
        ("12,345.6.7", "."),
        ("1 234 ,56", ","),
        ("--5", "."),
        ("0x10", "."),
    ],
)
def test_what_is_not_an_amount_is_refused(text: str, separator: str) -> None:
    with pytest.raises(RejectedInputError):
        parse_amount(text, separator)


# --- CSV ------------------------------------------------------------------------------------

UKRAINIAN_MAPPING = CsvMapping(
    date="Дата операції",
    debit="Дебет",
    credit="Кредит",
    currency="Валюта",
    reference="Призначення платежу",
    counterparty="Контрагент",
    date_format="%d.%m.%Y",
    decimal_separator=",",
)

UKRAINIAN_EXPORT = (
    "Виписка по рахунку UA213223130000026007233566001\n"
    "Період: 01.12.2026 - 05.12.2026\n"
    "\n"
    "Дата операції;Дебет;Кредит;Валюта;Призначення платежу;Контрагент\n"
    '01.12.2026 10:15;"1 234,56";;980;Грант CW-G-0001 транспорт;Іваненко О.\n'
    "02.12.2026;;10 000,00;UAH;Поповнення фонду;Фонд\n"
    "\n"
    "03.12.2026;500,00;;UAH;CW-G-0002;Мар'яна Петренко\n"
)


def test_a_ukrainian_export_in_windows_1251() -> None:
    statement = read_csv_statement(UKRAINIAN_EXPORT.encode("cp1251"), UKRAINIAN_MAPPING)
    assert statement.source_format == "csv"
    first, second, third = statement.lines
    assert first.booked_on == date(2026, 12, 1)
    assert first.amount == Decimal("-1234.56")
    assert first.currency == "UAH"
    assert first.references == ("Грант CW-G-0001 транспорт",)
    assert first.counterparty == "Іваненко О."
    assert first.position == 5
    assert second.amount == Decimal("10000.00")
    assert third.position == 8
    assert third.counterparty == "Мар'яна Петренко"


def test_utf8_with_a_byte_order_mark_reads_the_same() -> None:
    in_cp1251 = read_csv_statement(UKRAINIAN_EXPORT.encode("cp1251"), UKRAINIAN_MAPPING)
    with_bom = read_csv_statement(b"\xef\xbb\xbf" + UKRAINIAN_EXPORT.encode(), UKRAINIAN_MAPPING)
    assert with_bom.lines == in_cp1251.lines


def test_a_header_on_the_first_line_with_a_byte_order_mark() -> None:
    text = "date,amount,ref\n2026-12-01,-5.00,A1B2\n"
    mapping = CsvMapping(date="Date", amount="Amount", reference="REF", default_currency="eur")
    (line,) = read_csv_statement(b"\xef\xbb\xbf" + text.encode(), mapping).lines
    assert (line.amount, line.currency, line.references) == (Decimal("-5.00"), "EUR", ("A1B2",))


def test_comma_delimited_with_thousands_commas_in_quotes() -> None:
    text = (
        "Booking date,Value date,Amount,Currency,Reference,Payee\n"
        '2026-12-04,2026-12-05,"-1,234.56",EUR,E2E-77,Jane Roe\n'
        "2026-12-05,,-20.00,eur,,Bank\n"
    )
    mapping = CsvMapping(
        date="Booking date",
        value_date="Value date",
        amount="Amount",
        currency="Currency",
        reference="Reference",
        counterparty="Payee",
    )
    first, second = read_csv_statement(text.encode(), mapping).lines
    assert first.amount == Decimal("-1234.56")
    assert first.value_date == date(2026, 12, 5)
    assert second.value_date is None
    assert second.references == ()
    assert second.currency == "EUR"


def test_every_cell_quoted_with_commas() -> None:
    # under ";" this header is bad CSV (a quote followed by ","): the next delimiter is tried
    text = '"date","amount","ccy"\n"2026-12-01","-1,234.56","EUR"\n'
    (line,) = read_csv_statement(
        text.encode(), CsvMapping(date="date", amount="amount", currency="ccy")
    ).lines
    assert line.amount == Decimal("-1234.56")


def test_an_unsigned_amount_with_a_debit_credit_mark() -> None:
    text = "Дата;Сума;Д/К;Валюта\n01.12.2026;100,00;Д;UAH\n02.12.2026;50,00;к;UAH\n"
    mapping = CsvMapping(
        date="Дата", amount="Сума", direction="Д/К", currency="Валюта",
        date_format="%d.%m.%Y", decimal_separator=",",
    )  # fmt: skip
    debit, credit = read_csv_statement(text.encode("cp1251"), mapping).lines
    assert (debit.amount, credit.amount) == (Decimal("-100.00"), Decimal("50.00"))
    with pytest.raises(RejectedInputError) as refused:
        read_csv_statement(text.replace(";к;", ";?;").encode(), mapping)
    assert (
        "Row 3" in refused.value.message and "neither a debit nor a credit" in refused.value.message
    )
    with pytest.raises(RejectedInputError):
        read_csv_statement(
            text.encode(), CsvMapping(date="Дата", debit="Сума", direction="Д/К", currency="Валюта")
        )


def test_tab_delimited() -> None:
    text = "date\tamount\tccy\n2026-12-01\t3.10\tPLN\n"
    mapping = CsvMapping(date="date", amount="amount", currency="ccy")
    (line,) = read_csv_statement(text.encode(), mapping).lines
    assert (line.amount, line.currency) == (Decimal("3.10"), "PLN")


GOOD = CsvMapping(date="date", amount="amount", currency="ccy")


@pytest.mark.parametrize(
    ("data", "mapping", "says"),
    [
        (b"", GOOD, "empty"),
        (b"  \n\n", GOOD, "empty"),
        (b"when,how much,ccy\n2026-12-01,1.00,EUR\n", GOOD, "missing: date, amount"),
        (b"date,amount,ccy\n", GOOD, "no lines"),
        (b"date,amount,ccy\n2026-12-01,1.0.0,EUR\n", GOOD, "Row 2"),
        (b"date,amount,ccy\n2026-12-01,12abc,EUR\n", GOOD, "not an amount"),
        (b"date,amount,ccy\n01/12/2026,1.00,EUR\n", GOOD, "not a date"),
        (b"date,amount,ccy\n2026-12-01,1.00,EURO\n", GOOD, "not a currency"),
        (b"date,amount,ccy\n2026-12-01,1.00\n", GOOD, "fewer columns"),
        (b'date,amount,ccy\n2026-12-01,"1.00,EUR\n', GOOD, "not a readable CSV"),
        (
            b"date,debit,credit,ccy\n2026-12-01,1.00,2.00,EUR\n",
            CsvMapping(date="date", debit="debit", credit="credit", currency="ccy"),
            "both the debit and the credit",
        ),
        (
            b"date,debit,credit,ccy\n2026-12-01,,,EUR\n",
            CsvMapping(date="date", debit="debit", credit="credit", currency="ccy"),
            "neither the debit nor the credit",
        ),
        (b"date,amount\n2026-12-01,1\n", CsvMapping(date="date", amount="amount"), "currency"),
        (
            b"date,amount,ccy\n2026-12-01,1,EUR\n",
            CsvMapping(date="date", amount="amount", debit="amount", currency="ccy"),
            "choose one",
        ),
        (
            b"date,amount,ccy\n2026-12-01,1,EUR\n",
            CsvMapping(date="date", currency="ccy"),
            "no amount",
        ),
        (
            b"date,amount,ccy\n2026-12-01,1,EUR\n",
            CsvMapping(date="date", amount="amount", currency="ccy", encoding="klingon"),
            "not an encoding",
        ),
        (
            "date,amount,ccy\n2026-12-01,1,EUR\n".encode("utf-16"),
            CsvMapping(date="date", amount="amount", currency="ccy", encoding="utf-8"),
            "UTF-8",
        ),
    ],
)
def test_malformed_csv_is_refused_with_a_reason(
    data: bytes, mapping: CsvMapping, says: str
) -> None:
    with pytest.raises(RejectedInputError) as refused:
        read_csv_statement(data, mapping)
    assert says in refused.value.message


def test_a_refusal_is_translated() -> None:
    from civwatch.i18n import localise

    with pytest.raises(RejectedInputError) as refused:
        read_csv_statement(b"", GOOD)
    assert localise(refused.value.message, "uk") == "Файл порожній."


# --- camt.053 -----------------------------------------------------------------------------------


def camt(version: str, entries: str, root_ns: str | None = None) -> bytes:
    namespace = root_ns or f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{namespace}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-06T10:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S1</Id><Acct><Id><IBAN>UA213223130000026007233566001</IBAN></Id></Acct>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


DEBIT_ENTRY = """
<Ntry><NtryRef>NR-1</NtryRef><Amt Ccy="EUR">1234.56</Amt><CdtDbtInd>DBIT</CdtDbtInd>
<Sts>BOOK</Sts><BookgDt><Dt>2026-12-03</Dt></BookgDt><ValDt><Dt>2026-12-04</Dt></ValDt>
<AcctSvcrRef>BANK-9</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>CW-G-0001</EndToEndId></Refs>
<RltdPties><Cdtr><Nm>Olena Koval</Nm></Cdtr></RltdPties>
<RmtInf><Ustrd>Relocation grant</Ustrd><Ustrd>transport</Ustrd></RmtInf></TxDtls></NtryDtls>
</Ntry>
<Ntry><Amt Ccy="UAH">10000</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<BookgDt><DtTm>2026-12-05T09:30:00+02:00</DtTm></BookgDt>
<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
<RltdPties><Dbtr><Nm>Donor</Nm></Dbtr></RltdPties></TxDtls></NtryDtls></Ntry>
"""


@pytest.mark.parametrize("version", ["02", "04", "06", "08", "10", "13"])
def test_camt053_entries_of_every_version(version: str) -> None:
    statement = read_camt053(camt(version, DEBIT_ENTRY))
    assert statement.source_format == f"camt.053.001.{version}"
    assert statement.account == "UA213223130000026007233566001"
    debit, credit = statement.lines
    assert debit.amount == Decimal("-1234.56")
    assert debit.currency == "EUR"
    assert debit.booked_on == date(2026, 12, 3)
    assert debit.value_date == date(2026, 12, 4)
    assert debit.references == ("CW-G-0001", "NR-1", "BANK-9")
    assert debit.counterparty == "Olena Koval"
    assert debit.description == "Relocation grant transport"
    assert credit.amount == Decimal("10000")
    assert credit.booked_on == date(2026, 12, 5)
    assert credit.references == ()
    assert credit.counterparty == "Donor"


def test_camt053_party_nested_as_in_version_08() -> None:
    entry = """<Ntry><Amt Ccy="PLN">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
    <BookgDt><Dt>2026-12-01</Dt></BookgDt><NtryDtls><TxDtls>
    <RltdPties><Cdtr><Pty><Nm>Shop</Nm></Pty></Cdtr></RltdPties>
    <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>
    </TxDtls></NtryDtls></Ntry>"""
    (line,) = read_camt053(camt("08", entry)).lines
    assert line.counterparty == "Shop"
    assert line.references == ("RF18539007547034",)


@pytest.mark.parametrize(
    ("version", "status"), [("02", "<Sts>PDNG</Sts>"), ("08", "<Sts><Cd>INFO</Cd></Sts>")]
)
def test_camt053_entries_not_booked_are_left_out(version: str, status: str) -> None:
    pending = DEBIT_ENTRY.replace("<Sts>BOOK</Sts>", status)
    (booked,) = read_camt053(camt(version, pending)).lines
    assert booked.amount == Decimal("10000")
    booked_08 = DEBIT_ENTRY.replace("<Sts>BOOK</Sts>", "<Sts><Cd>BOOK</Cd></Sts>")
    assert len(read_camt053(camt(version, booked_08)).lines) == 2


def test_camt053_batch_booking_gives_a_line_per_transaction() -> None:
    entry = """<Ntry><Amt Ccy="EUR">300.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
    <BookgDt><Dt>2026-12-01</Dt></BookgDt><NtryDtls>
    <TxDtls><Refs><EndToEndId>P-1</EndToEndId></Refs>
      <AmtDtls><TxAmt><Amt Ccy="EUR">100.00</Amt></TxAmt></AmtDtls></TxDtls>
    <TxDtls><Refs><EndToEndId>P-2</EndToEndId></Refs><Amt Ccy="EUR">200.00</Amt></TxDtls>
    </NtryDtls></Ntry>"""
    first, second = read_camt053(camt("04", entry)).lines
    assert (first.amount, first.references) == (Decimal("-100.00"), ("P-1",))
    assert (second.amount, second.references) == (Decimal("-200.00"), ("P-2",))
    assert first.position == second.position == 1


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><x>&lol3;</x></Document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-12-01</Dt></BookgDt>
<AddtlNtryInf>&secret;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Document SYSTEM "http://203.0.113.9/camt.dtd">
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY % remote SYSTEM "http://203.0.113.9/x.dtd"> %remote;]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>"""


@pytest.mark.parametrize(
    "attack", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY]
)
def test_xml_bombs_and_external_entities_are_refused(attack: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(RejectedInputError) as refused:
        read_camt053(attack)
    assert "document type or entities" in refused.value.message
    assert "root:" not in refused.value.message
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"date,amount\n2026-12-01,1\n", "not a complete XML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a complete XML"),
        (camt("02", DEBIT_ENTRY)[:-40], "not a complete XML"),
        (camt("02", DEBIT_ENTRY, "urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"), "camt.052"),
        (camt("02", DEBIT_ENTRY, "urn:iso:std:iso:20022:tech:xsd:camt.053.001.01"), "not an ISO"),
        (camt("02", DEBIT_ENTRY, "urn:example:camt.053.001.02"), "not an ISO"),
        (
            camt("02", DEBIT_ENTRY).replace(
                b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', b""
            ),
            "namespace is -",
        ),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', "no statement"),
        (camt("02", ""), "no lines"),
        (camt("02", DEBIT_ENTRY.replace("1234.56", "1,234.56")), "Entry 1"),
        (camt("02", DEBIT_ENTRY.replace("1234.56", "-5")), "not an amount"),
        (camt("02", DEBIT_ENTRY.replace('Ccy="EUR"', 'Ccy="euros"')), "not a currency"),
        (camt("02", DEBIT_ENTRY.replace("<CdtDbtInd>DBIT</CdtDbtInd>", "")), "CdtDbtInd"),
        (camt("02", DEBIT_ENTRY.replace("2026-12-03", "03.12.2026")), "not a date"),
        (
            camt(
                "02",
                DEBIT_ENTRY.replace(
                    "<BookgDt><Dt>2026-12-03</Dt></BookgDt><ValDt><Dt>2026-12-04</Dt></ValDt>", ""
                ),
            ),
            "neither a booking date",
        ),
        (camt("02", DEBIT_ENTRY.replace('<Amt Ccy="EUR">1234.56</Amt>', "")), "no amount"),
    ],
)
def test_malformed_camt053_is_refused(data: bytes, says: str) -> None:
    with pytest.raises(RejectedInputError) as refused:
        read_camt053(data)
    assert says in refused.value.message


# --- reconciliation ---------------------------------------------------------------------------

DAY = date(2026, 12, 1)


def line(
    position: int, amount: str, on: date = DAY, ref: str = "", currency: str = "EUR"
) -> StatementLine:
    return StatementLine(position, on, Decimal(amount), currency, (ref,) if ref else ())


def payment(
    pid: str, amount: str, on: date = DAY, ref: str = "", currency: str = "EUR"
) -> PaymentRecord:
    return PaymentRecord(pid, Decimal(amount), currency, on, ref)


def test_reference_first_even_when_another_payment_is_closer_in_date() -> None:
    lines = [line(1, "-100.00", DAY + timedelta(2), ref="Grant CW-P-0002 transport")]
    payments = [
        payment("a", "100.00", DAY + timedelta(2)),
        payment("b", "100.00", DAY, ref="CW-P-0002"),
    ]
    result = reconcile(lines, payments)
    (match,) = result.matches
    assert (match.payment.id, match.matched_by, match.days_apart) == ("b", "reference", 2)
    (left,) = result.unmatched_payments
    assert (left.payment.id, left.reason) == ("a", TAKEN)


def test_amount_currency_and_date_within_the_window() -> None:
    lines = [
        line(1, "-50.00", DAY + timedelta(3)),
        line(2, "-50.00", DAY + timedelta(10)),
        line(3, "-50.00", DAY, currency="UAH"),
        line(4, "-77.00", DAY),
        line(5, "250.00", DAY),
    ]
    payments = [payment("p1", "50.00"), payment("p2", "50.00", DAY - timedelta(30))]
    result = reconcile(lines, payments)
    assert [(m.line.position, m.payment.id, m.matched_by) for m in result.matches] == [
        (1, "p1", "amount-and-date")
    ]
    reasons = {u.line.position: u.reason for u in result.unmatched_lines}
    assert reasons == {2: OUTSIDE_WINDOW, 3: NO_COUNTERPART, 4: NO_COUNTERPART, 5: NO_COUNTERPART}
    assert [(u.payment.id, u.reason) for u in result.unmatched_payments] == [("p2", OUTSIDE_WINDOW)]


def test_the_window_is_configurable() -> None:
    lines = [line(1, "-50.00", DAY + timedelta(5))]
    payments = [payment("p1", "50.00")]
    assert not reconcile(lines, payments).matches
    assert reconcile(lines, payments, window_days=5).matches
    assert reconcile(lines, payments, window_days=4).unmatched_lines[0].reason == OUTSIDE_WINDOW
    with pytest.raises(RejectedInputError):
        reconcile(lines, payments, window_days=-1)


def test_closest_dates_pair_first() -> None:
    lines = [line(1, "-10", DAY), line(2, "-10", DAY + timedelta(2))]
    payments = [
        payment("early", "10", DAY - timedelta(1)),
        payment("late", "10", DAY + timedelta(2)),
    ]
    pairs = {(m.line.position, m.payment.id) for m in reconcile(lines, payments).matches}
    assert pairs == {(1, "early"), (2, "late")}


def test_the_closest_payment_when_only_one_can_pair() -> None:
    lines = [line(1, "-10", DAY + timedelta(3))]
    payments = [payment("a", "10", DAY), payment("b", "10", DAY + timedelta(3))]
    assert [m.payment.id for m in reconcile(lines, payments).matches] == ["b"]


def test_as_many_pairs_as_can_be_made_when_closest_first_would_strand_one() -> None:
    # closest first would pair the line of day 1 with the payment of day 1, leaving the
    # line of day 0 and the payment of day 2 each out of the other's reach
    lines = [line(1, "-10", DAY), line(2, "-10", DAY + timedelta(1))]
    payments = [payment("a", "10", DAY + timedelta(1)), payment("b", "10", DAY + timedelta(2))]
    result = reconcile(lines, payments, window_days=1)
    assert {(m.line.position, m.payment.id) for m in result.matches} == {(1, "a"), (2, "b")}
    assert not result.unmatched_lines and not result.unmatched_payments


@pytest.mark.parametrize(
    "amount", [12.5, 12, Decimal("NaN"), Decimal("Infinity"), "12.50", Decimal(0), Decimal(-3)]
)
def test_a_payment_amount_that_is_not_a_positive_decimal_is_refused(amount: object) -> None:
    with pytest.raises(RejectedInputError):
        PaymentRecord("p", amount, "EUR", DAY)  # type: ignore[arg-type]


def test_a_float_on_a_statement_line_is_refused() -> None:
    with pytest.raises(RejectedInputError) as refused:
        StatementLine(1, DAY, -12.5, "EUR")  # type: ignore[arg-type]
    assert "never a floating-point" in refused.value.message
    with pytest.raises(RejectedInputError):
        PaymentRecord("p", Decimal(1), "euro", DAY)


def test_a_refund_comes_in() -> None:
    refund = PaymentRecord("r1", Decimal("40.00"), "EUR", DAY, "", direction="in")
    assert reconcile([line(1, "40.00")], [refund]).matches
    assert not reconcile([line(1, "-40.00")], [refund]).matches


def test_a_reference_with_another_amount_is_left_for_a_person() -> None:
    lines = [line(1, "-120.00", ref="CW-P-0009")]
    payments = [payment("p9", "100.00", ref="CW-P-0009"), payment("other", "120.00")]
    result = reconcile(lines, payments)
    assert not result.matches
    (left,) = result.unmatched_lines
    assert (left.reason, left.payment_id) == (AMOUNT_DIFFERS, "p9")
    reasons = {u.payment.id: (u.reason, u.line_position) for u in result.unmatched_payments}
    assert reasons == {"p9": (AMOUNT_DIFFERS, 1), "other": (TAKEN, None)}


def test_a_payment_booked_twice_is_flagged() -> None:
    lines = [line(1, "-100", ref="CW-P-0003"), line(2, "-100", DAY + timedelta(1), ref="CW-P-0003")]
    result = reconcile(lines, [payment("p3", "100", ref="CW-P-0003")])
    assert [m.line.position for m in result.matches] == [1]
    (second,) = result.unmatched_lines
    assert (second.line.position, second.reason, second.payment_id) == (
        2,
        DUPLICATE_REFERENCE,
        "p3",
    )


def test_short_references_do_not_match_by_chance() -> None:
    lines = [line(1, "-5", ref="ok 12")]
    payments = [payment("a", "9", ref="12"), payment("b", "5", DAY + timedelta(20), ref="ok")]
    result = reconcile(lines, payments)
    assert not result.matches


def test_the_same_answer_whatever_the_order() -> None:
    rng = random.Random(7)
    lines, payments = generated(300, rng)
    first = reconcile(lines, payments)
    rng.shuffle(lines)
    rng.shuffle(payments)
    again = reconcile(lines, payments)
    assert {(m.line.position, m.payment.id) for m in first.matches} == {
        (m.line.position, m.payment.id) for m in again.matches
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 4), st.integers(0, 8), st.booleans()), max_size=25),
    st.lists(st.tuples(st.integers(1, 4), st.integers(0, 8), st.booleans()), max_size=25),
    st.integers(0, 4),
)
@example([(3, 0, False), (3, 2, True)], [(3, 2, True), (3, 3, False)], 2)
def test_every_line_and_payment_is_accounted_for_once(
    raw_lines: list[tuple[int, int, bool]], raw_payments: list[tuple[int, int, bool]], window: int
) -> None:
    lines = [
        line(i, f"-{a}", DAY + timedelta(d), ref=f"REF{a}{d}" if r else "")
        for i, (a, d, r) in enumerate(raw_lines)
    ]
    payments = [
        payment(f"p{j:02}", str(a), DAY + timedelta(d), ref=f"REF{a}{d}" if r else "")
        for j, (a, d, r) in enumerate(raw_payments)
    ]
    result = reconcile(lines, payments, window)
    matched_lines = [m.line.position for m in result.matches]
    matched_payments = [m.payment.id for m in result.matches]
    assert len(set(matched_lines)) == len(matched_lines)
    assert len(set(matched_payments)) == len(matched_payments)
    assert sorted(matched_lines + [u.line.position for u in result.unmatched_lines]) == list(
        range(len(lines))
    )
    assert sorted(matched_payments + [u.payment.id for u in result.unmatched_payments]) == sorted(
        p.id for p in payments
    )
    for match in result.matches:
        assert match.line.amount == match.payment.signed_amount()
        assert match.line.currency == match.payment.currency
        assert match.matched_by == "reference" or abs(match.days_apart) <= window
    # A reference match stands even when it leaves a line no payment by date (a line booked
    # 12-01 with no reference and one booked 12-03 naming REF32 against REF32 paid 12-03 and
    # a payment of 12-04: the scan pairs by date twice, the reference pairs once). Among what
    # the references left, never fewer matches by amount and date than the simple scan finds.
    by_reference = [m for m in result.matches if m.matched_by == "reference"]
    lines_left = [x for x in lines if x.position not in {m.line.position for m in by_reference}]
    payments_left = [x for x in payments if x.id not in {m.payment.id for m in by_reference}]
    assert len(result.matches) - len(by_reference) >= len(
        naive_reconcile(lines_left, payments_left, window)
    ) - sum(1 for u in result.unmatched_lines if u.reason in (AMOUNT_DIFFERS, DUPLICATE_REFERENCE))


def generated(n: int, rng: random.Random) -> tuple[list[StatementLine], list[PaymentRecord]]:
    """``n`` payments and a statement holding most of them (some by reference, some a day
    or two late, a few missing) plus bank fees and deposits."""
    payments = []
    lines = []
    for j in range(n):
        amount = Decimal(rng.choice([50, 100, 250, 500, 1000])) + Decimal(rng.randrange(0, 3)) / 4
        paid = DAY + timedelta(rng.randrange(0, 60))
        ref = f"CW-P-{j:05}" if rng.random() < 0.5 else ""
        payments.append(PaymentRecord(f"pay-{j:05}", amount, rng.choice(["EUR", "UAH"]), paid, ref))
    for j, p in enumerate(payments):
        if rng.random() < 0.03:
            continue
        booked = p.paid_on + timedelta(rng.choice([0, 0, 1, 2]))
        lines.append(
            StatementLine(
                j + 1, booked, -p.amount, p.currency, (p.reference,) if p.reference else ()
            )
        )
    for k in range(n // 20):
        lines.append(
            StatementLine(n + k + 1, DAY + timedelta(k % 60), Decimal("-1.50"), "EUR", ("FEE",))
        )
    return lines, payments


def test_five_thousand_lines_reconcile_well_under_five_seconds() -> None:
    lines, payments = generated(5000, random.Random(1))
    started = time.perf_counter()
    result = reconcile(lines, payments)
    elapsed = time.perf_counter() - started
    assert elapsed < 5  # a generous bound on a loaded machine; it takes a few tens of ms
    assert len(result.matches) >= 0.95 * len(payments)
    assert len(result.unmatched_lines) >= 5000 // 20
