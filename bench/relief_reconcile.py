"""Reconciling a bank statement: reading a 5,000-entry camt.053 file and matching it with
5,000 payments, against a naive quadratic matcher in the same run.

Run: PYTHONPATH=src .venv/bin/python bench/relief_reconcile.py [N]

Reference, in the same run: ``naive_reconcile`` (for each line, scan every payment: by
reference, then the closest date within the window) on the same lines and payments.
Prints the time to read the file, to reconcile, the naive matcher's time, the ratio, and
how many pairs each found. The issue's bound: reconciling a 5,000-line statement < 5 s.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from civwatch.relief.statements import (
    PaymentRecord,
    naive_reconcile,
    read_camt053,
    reconcile,
)

START = date(2026, 1, 1)


def payments_and_statement(n: int, rng: random.Random) -> tuple[list[PaymentRecord], bytes]:
    """``n`` payments (half with a reference, amounts from a few common grant sizes, two
    currencies, over a year) and a camt.053 statement that books most of them up to two
    days late, with bank fees between."""
    payments = []
    for j in range(n):
        amount = (
            Decimal(rng.choice([50, 100, 250, 500, 1000, 2500])) + Decimal(rng.randrange(4)) / 4
        )
        paid = START + timedelta(rng.randrange(365))
        reference = f"CW-P-{j:06}" if rng.random() < 0.5 else ""
        payments.append(
            PaymentRecord(f"pay-{j:06}", amount, rng.choice(["EUR", "UAH"]), paid, reference)
        )
    entries = []
    for p in payments:
        if rng.random() < 0.03:
            continue
        booked = p.paid_on + timedelta(rng.choice([0, 0, 1, 2]))
        refs = f"<Refs><EndToEndId>{p.reference}</EndToEndId></Refs>" if p.reference else ""
        entries.append(
            f'<Ntry><Amt Ccy="{p.currency}">{p.amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
            f"<BookgDt><Dt>{booked.isoformat()}</Dt></BookgDt>"
            f"<NtryDtls><TxDtls>{refs}<RmtInf><Ustrd>Grant payment</Ustrd></RmtInf></TxDtls>"
            "</NtryDtls></Ntry>"
        )
    while len(entries) < n:
        fee_day = START + timedelta(rng.randrange(365))
        entries.append(
            '<Ntry><Amt Ccy="EUR">1.50</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
            f"<BookgDt><Dt>{fee_day.isoformat()}</Dt></BookgDt></Ntry>"
        )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><Document '
        'xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>'
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    )
    return payments, document.encode()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    payments, document = payments_and_statement(n, random.Random(18))
    started = time.perf_counter()
    statement = read_camt053(document)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    result = reconcile(statement.lines, payments)
    match_s = time.perf_counter() - started
    started = time.perf_counter()
    naive_pairs = naive_reconcile(statement.lines, payments)
    naive_s = time.perf_counter() - started
    print(
        f"statement: {len(statement.lines)} lines "
        f"({len(document) / 1e6:.1f} MB camt.053), {n} payments"
    )
    print(f"read camt.053:        {read_s * 1000:9.1f} ms")
    print(f"reconcile (indexed):  {match_s * 1000:9.1f} ms  {len(result.matches)} matches")
    print(f"naive O(n^2) matcher: {naive_s * 1000:9.1f} ms  {len(naive_pairs)} matches")
    print(f"read + reconcile:     {(read_s + match_s) * 1000:9.1f} ms  (bound: 5000 ms)")
    print(f"naive / indexed:      {naive_s / match_s:9.0f}x")


if __name__ == "__main__":
    main()
