"""The donor report as CSV and PDF, in English and Ukrainian: every cell of every table
describing fewer than 5 people reads "suppressed" (never a number, never 0), and no
suppressed cell can be worked out as its table's total less the cells shown
(complementary suppression); names stay out; the PDF carries its fonts (Cyrillic); a
spreadsheet runs no formula from a cell."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from civwatch.relief import grants
from civwatch.relief.donor_files import donor_report_csv, donor_report_html, donor_report_pdf
from civwatch.relief.reports import SMALLEST_CELL, donor_report, protect_cells
from tests.protection.case_helpers import MARK_NAME
from tests.relief.conftest import Fund, vet_all
from tests.relief.test_screening import add_person_with_case

SUPPRESSED = {"en": "suppressed", "uk": "приховано"}


def _month_start(day: date, back: int) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def _paid(
    f: Fund, case_id: str, amount: str, purpose: str, oblast: str | None, people: int, on: date
) -> str:
    g = grants.request_grant(
        f.ws,
        f.who("officer1"),
        case_id,
        fund=f.fund,
        amount=amount,
        purpose=purpose,
        oblast=oblast,
        people=people,
    )["id"]
    vet_all(f, g)
    grants.vet(f.ws, f.who("appr1"), g, "conflict")
    grants.approve(f.ws, f.who("appr1"), g)
    grants.pay(f.ws, f.who("fin1"), g, paid_on=on)
    return str(g)


@pytest.fixture
def reported(relief: Fund) -> dict[str, Any]:
    """Four households paid over three months (one refund this month): 16 people in all.

    purpose: transport 7 (P0 6 + P3 1), accommodation 7, medical 2 (alone: a second
    cell must go); month: two months ago 15, last month 1 (alone), this month 6 (the
    refund); oblast: Kharkivska 13, Lvivska 2, not known 1."""
    f = relief
    today = date.today()
    early, late = _month_start(today, 2), _month_start(today, 1)
    p1 = add_person_with_case(f.ws, "officer1", "Ostap Veresai", "1980-02-03")
    p2 = add_person_with_case(f.ws, "officer1", "Hanna Barvinok", "1990-05-06")
    p3 = add_person_with_case(f.ws, "officer1", "Marko Vovchok", "1970-08-09")
    g0 = _paid(f, f.case_id, "800.00", "transport", "Kharkivska", 6, early)
    _paid(f, p1, "300.00", "medical", "Lvivska", 2, early)
    _paid(f, p2, "900.00", "accommodation", "Kharkivska", 7, early)
    _paid(f, p3, "450.00", "transport", None, 1, late)
    grants.refund(f.ws, f.who("fin2"), g0, "100.00")
    return donor_report(f.ws, f.who("fin1"), f.fund, _month_start(today, 3), today)


def _tables(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d: doc[d] for d in ("purpose", "month", "oblast")}


def test_every_cell_of_fewer_than_5_people_is_suppressed(reported: dict[str, Any]) -> None:
    """The report, then its CSV and PDF in each language (one set of grants: they are
    slow to make)."""
    _check_document(reported)
    for locale in ("en", "uk"):
        _check_csv(reported, locale)
        _check_pdf(reported, locale)


def _check_document(doc: dict[str, Any]) -> None:
    assert doc["people_helped"] == 16 and doc["total"] == Decimal("2350.00")
    assert doc["purpose"]["medical"]["suppressed"]
    assert doc["oblast"]["Lvivska"]["suppressed"] and doc["oblast"]["unknown"]["suppressed"]
    assert doc["oblast"]["Kharkivska"] == {
        "amount": Decimal("1600.00"),
        "people": 13,
        "suppressed": False,
    }
    for name, table in _tables(doc).items():
        hidden = [k for k, c in table.items() if c["suppressed"]]
        # A suppressed cell alone would be the total less the others.
        assert len(hidden) != 1, (name, table)
        for cell in table.values():
            assert cell["suppressed"] or cell["people"] >= SMALLEST_CELL
            if cell["suppressed"]:
                assert cell["amount"] is None and cell["people"] is None
    # Medical (2 people) took a second purpose with it: the smaller of the two others.
    assert sum(c["suppressed"] for c in doc["purpose"].values()) == 2
    # Last month (1 person) took the refund's month (6) with it, not the 15 of before.
    months = sorted(doc["month"])
    assert [doc["month"][m]["suppressed"] for m in months] == [False, True, True]


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _check_csv(reported: dict[str, Any], locale: str) -> None:
    word = SUPPRESSED[locale]
    rows = _csv_rows(donor_report_csv(reported, locale))
    header, body = rows[0], rows[1:]
    assert len(header) == 6 and all(len(r) == 6 for r in body)
    tables: dict[str, list[list[str]]] = {}
    for row in body:
        tables.setdefault(row[0], []).append(row)
    report_word, total_word = body[0][0], None
    figures = [r for r in body if r[0] != report_word]
    total_word = figures[0][0]
    total = Decimal(figures[0][3])
    assert figures[0][5] == "16"
    for table, cells in tables.items():
        if table in (report_word, total_word):
            continue
        shown = Decimal(0)
        hidden = 0
        for _table, code, _label, amount, currency, people in cells:
            assert currency == "EUR"
            if people == word:
                assert amount == word, code
                hidden += 1
                continue
            # Every figure shown is a number of at least 5 people, never 0 or 1-4.
            assert re.fullmatch(r"\d+", people) and int(people) >= SMALLEST_CELL, (code, people)
            shown += Decimal(amount)
        assert hidden != 1, table
        if hidden:
            # The hidden cells are known only together, never one alone.
            assert total - shown not in {Decimal("300.00"), Decimal("450.00")}
    for row in body:
        assert not re.fullmatch(r"[0-4]", row[5]), row
    assert MARK_NAME.encode() not in donor_report_csv(reported, locale)
    if locale == "uk":
        labels = {r[2] for r in figures}
        assert "медичні потреби" in labels or any("медич" in label for label in labels)
        assert header[0] != "table"


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _pdf_fonts(data: bytes) -> list[tuple[str, bool]]:
    """(name, embedded) of every font the PDF's pages use."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target["/FontDescriptor"].get_object()
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(font["/BaseFont"]), embedded))
    return found


def _check_pdf(reported: dict[str, Any], locale: str) -> None:
    word = SUPPRESSED[locale]
    # The style reaches the PDF as written (never escaped into broken CSS).
    assert '"DejaVu Sans"' in donor_report_html(reported, locale)
    data = donor_report_pdf(reported, locale)
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    rows = _csv_rows(donor_report_csv(reported, locale))[1:]
    figures = [r for r in rows if r[0] != rows[0][0]][1:]
    assert figures
    for _table, _code, label, _amount, _currency, people in figures:
        found = [line for line in lines if line.startswith(" ".join(label.split()) + " ")]
        assert found, (label, lines)
        for line in found:
            if people == word:
                assert line.endswith(f"{word} {word}"), line
            else:
                last = line.split()[-1]
                assert last == people and int(last) >= SMALLEST_CELL, line
    # No people figure of 1-4 anywhere at the end of a line of the PDF (page numbers
    # "1 / 2" aside).
    small = [
        line
        for line in lines
        if re.search(r"(^|\s)[0-4]$", line) and not re.fullmatch(r"\d+ / \d+", line)
    ]
    assert not small, lines
    # The fund, the period, when it was made and the method note.
    assert "Safe exit" in text
    assert ("Donor report" if locale == "en" else "Звіт для донорів") in text
    assert ("fewer than 5 people" if locale == "en" else "менше ніж 5") in " ".join(lines)
    assert MARK_NAME not in text
    fonts = _pdf_fonts(data)
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert any("DejaVu" in name for name, _e in fonts), fonts


def test_the_complement_is_the_next_smallest_cell() -> None:
    assert protect_cells({"a": 3, "b": 9, "c": 6}, {"a": 1, "b": 1, "c": 1}, True) == {"a", "c"}
    # Same people: the smaller amount goes.
    assert protect_cells({"a": 2, "b": 6, "c": 6}, {"a": 1, "b": 50, "c": 40}, True) == {"a", "c"}
    assert protect_cells({"a": 2, "b": 3, "c": 6}, {"a": 1, "b": 1, "c": 1}, True) == {"a", "b"}
    # The total hidden: nothing to subtract from.
    assert protect_cells({"a": 2, "b": 6}, {"a": 1, "b": 1}, False) == {"a"}
    assert protect_cells({"a": 7, "b": 6}, {"a": 1, "b": 1}, True) == set()


def test_a_shown_cell_of_fewer_than_5_people_is_never_written() -> None:
    doc = {
        "fund": 1,
        "fund_name": "F",
        "currency": "EUR",
        "from": "2026-01-01",
        "to": "2026-01-31",
        "people_helped": 9,
        "total": Decimal("10.00"),
        "purpose": {"medical": {"amount": Decimal("5.00"), "people": 0, "suppressed": False}},
        "month": {},
        "oblast": {},
    }
    for write in (donor_report_csv, donor_report_html):
        with pytest.raises(ValueError):
            write(doc, "en")


def test_no_cell_runs_as_a_formula_in_a_spreadsheet(relief: Fund) -> None:
    from civwatch.relief.funds import FundInput, add_fund, deposit

    f = relief
    fund = add_fund(f.ws, f.who("fin1"), FundInput(name="=HYPERLINK(1)", currency="EUR"))
    deposit(f.ws, f.who("fin1"), fund["id"], "5000.00")
    g = grants.request_grant(
        f.ws,
        f.who("officer1"),
        f.case_id,
        fund=fund["id"],
        amount="700.00",
        purpose="medical",
        oblast="@SUM(A1)",
        people=6,
    )["id"]
    vet_all(f, g)
    grants.vet(f.ws, f.who("appr1"), g, "conflict")
    grants.approve(f.ws, f.who("appr1"), g)
    grants.pay(f.ws, f.who("fin1"), g)
    today = date.today()
    doc = donor_report(f.ws, f.who("fin1"), fund["id"], today - timedelta(days=1), today)
    assert doc["oblast"]["@SUM(A1)"]["people"] == 6
    for locale in ("en", "uk"):
        for row in _csv_rows(donor_report_csv(doc, locale)):
            for cell in row:
                assert cell[:1] not in ("=", "+", "@", "\t", "\r"), row
                assert not (cell.startswith("-") and not re.fullmatch(r"-\d+(\.\d+)?", cell))


def test_no_suppressed_cell_is_worked_out_from_the_other_tables() -> None:
    """One person (X, alone in purpose A) shares oblast O1 with W, and W's purpose C is
    shown: O1 less C would be X's grant. Tables protected one by one leave that open; the
    report hides until no suppressed figure is a sum of shown ones."""
    from civwatch.relief.reports import suppressed_cells

    combinations = {
        ("A", "2026-01", "O1"): (100, {"x"}),
        ("C", "2026-02", "O1"): (400, {"w"}),
        ("B", "2026-01", "O2"): (300, {"y"}),
    }
    people = {"x": 1, "w": 5, "y": 5}
    # Each table alone: A and B hidden in the purposes; nothing in months or oblasts.
    assert protect_cells({"A": 1, "B": 5, "C": 5}, {"A": 100, "B": 300, "C": 400}, True) == {
        "A",
        "B",
    }
    total_shown, hidden = suppressed_cells(combinations, people)
    shown = {
        ("purpose", "A"): {("A", "2026-01", "O1")},
        ("purpose", "B"): {("B", "2026-01", "O2")},
        ("purpose", "C"): {("C", "2026-02", "O1")},
        ("month", "2026-01"): {("A", "2026-01", "O1"), ("B", "2026-01", "O2")},
        ("month", "2026-02"): {("C", "2026-02", "O1")},
        ("oblast", "O1"): {("A", "2026-01", "O1"), ("C", "2026-02", "O1")},
        ("oblast", "O2"): {("B", "2026-01", "O2")},
    }
    amounts = {c: m for c, (m, _p) in combinations.items()}
    # Every way of adding and subtracting the shown figures and the total: none is 100
    # (X's grant) nor describes only X's combination.
    import itertools

    figures = [parts for (d, k), parts in shown.items() if k not in hidden[d]]
    if total_shown:
        figures.append(set(combinations))
    for signs in itertools.product((-1, 0, 1), repeat=len(figures)):
        weight = {c: 0 for c in combinations}
        for sign, parts in zip(signs, figures, strict=True):
            for c in parts:
                weight[c] += sign
        for alone in combinations:
            if (m := amounts[alone]) and alone[0] in ("A",):
                assert weight != {c: int(c == alone) for c in combinations}, (signs, m)
    assert "A" in hidden["purpose"]
    # Here the shown figures are so few that the total goes too (B is O2, C is the
    # second month: the total less them would be X's grant).
    assert not total_shown


def test_random_reports_leave_no_suppressed_cell_recomputable() -> None:
    """Small random funds (few people spread over purposes, months and oblasts): every cell
    shown describes 5 people or more, and no suppressed cell is a combination of the
    figures shown (checked by least squares, apart from the report's own check)."""
    import random

    import numpy

    from civwatch.relief.reports import DIMENSIONS, suppressed_cells

    chance = random.Random(18)
    for _round in range(40):
        combinations: dict[tuple[str, str, str], tuple[int, set[str]]] = {}
        people: dict[str, int] = {}
        for n in range(chance.randint(3, 30)):
            person = f"p{n}"
            people[person] = chance.randint(1, 4)
            key = (chance.choice("ABCD"), chance.choice(["01", "02", "03"]), chance.choice("XYZ"))
            minor, persons = combinations.get(key, (0, set()))
            combinations[key] = (minor + chance.randint(1, 9000), persons | {person})
        total_shown, hidden = suppressed_cells(combinations, people)
        order = sorted(combinations)

        def parts(dimension: int, key: str, order: list[tuple[str, str, str]] = order) -> Any:
            return numpy.array([1.0 if c[dimension] == key else 0.0 for c in order])

        shown, suppressed = [], []
        for i, dimension in enumerate(DIMENSIONS):
            for key in {c[i] for c in combinations}:
                count = sum(
                    people[p] for c, (_m, ps) in combinations.items() if c[i] == key for p in ps
                )
                if key in hidden[dimension]:
                    suppressed.append(parts(i, key))
                else:
                    assert count >= SMALLEST_CELL, (dimension, key, count)
                    shown.append(parts(i, key))
        if total_shown:
            assert sum(people.values()) >= SMALLEST_CELL
            shown.append(numpy.ones(len(order)))
        if not shown:
            continue
        known = numpy.array(shown).T
        for cell in suppressed:
            solution = numpy.linalg.lstsq(known, cell, rcond=None)[0]
            assert numpy.abs(known @ solution - cell).max() > 1e-6
