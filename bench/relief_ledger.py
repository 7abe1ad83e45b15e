"""The relief fund's books at the size of issue 18: 10,000 grants and 100,000 ledger
transactions (200,000 postings) in one fund, on SQLite (or ``CIVWATCH_DATABASE_URL``).

Run:  .venv/bin/python bench/relief_ledger.py

Rows are bulk-inserted straight into the tables (the service functions' own costs are the
tests' business); then it times, each the median of 5 runs:

* the fund's balance sheet (``relief.reports.balance_sheet``; target < 200 ms), against
  the reference of one bare ``SUM(amount_minor) GROUP BY account`` over the same rows;
* the Beancount export of the whole ledger (``relief.beancount_export``; target < 10 s),
  once, and ``bean-check`` on it (must accept it).

The load average before and after says how busy the machine was.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

GRANTS = 10_000
TRANSACTIONS = 100_000


def main() -> None:
    from civwatch.accounts import add_user
    from civwatch.accounts.principal import Principal
    from civwatch.config import Settings
    from civwatch.relief import vocabulary
    from civwatch.relief.beancount_export import export_beancount
    from civwatch.relief.funds import FundInput, add_fund
    from civwatch.relief.models import ReliefGrant, ReliefPosting, ReliefTransaction
    from civwatch.relief.reports import balance_sheet
    from civwatch.workspace import Workspace

    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", min_free_disk=0)
        ws, _ = Workspace.init(settings)
        add_user(ws, "admin", "Admin", ["admin"], actor=None)
        add_user(ws, "fin", "Fin", ["relief_finance"], actor="admin")
        fin = Principal(2, "fin", "Fin", frozenset({"relief_finance"}), "token")
        fund = add_fund(ws, fin, FundInput(name="Bench", currency="EUR"))["id"]
        start = datetime(2026, 1, 1, tzinfo=UTC)
        purposes = list(vocabulary.PURPOSES)
        with ws.sessions() as s, s.begin():
            s.execute(
                insert(ReliefGrant),
                [
                    {
                        "id": f"rg_bench{n:010d}",
                        "fund_id": fund,
                        "case_id": f"case_b{n}",
                        "person_id": f"per_b{n}",
                        "purpose": purposes[n % 6],
                        "amount_minor": 10000,
                        "currency": "EUR",
                        "eur_rate": "1",
                        "amount_eur_cents": 10000,
                        "people": 1,
                        "requested_by": 2,
                        "requested_at": start,
                        "state": "paid",
                        "approvals_needed": 1,
                        "release_needed": False,
                    }
                    for n in range(GRANTS)
                ],
            )
            for first in range(0, TRANSACTIONS, 10_000):
                rows = range(first + 1, first + 10_001)
                s.execute(
                    insert(ReliefTransaction),
                    [
                        {
                            "id": t,
                            "kind": "deposit" if t % 10 == 1 else "payment",
                            "fund_id": fund,
                            "grant_id": None if t % 10 == 1 else f"rg_bench{t % GRANTS:010d}",
                            "eur_rate": "1",
                            "booked_on": date(2026, 1, 1) + timedelta(t // 1000),
                            "at": start,
                            "by_id": 2,
                            "log_leaf": 10**7 + t,
                        }
                        for t in rows
                    ],
                )
                legs = []
                for t in rows:
                    if t % 10 == 1:
                        pairs = [
                            (vocabulary.bank(fund), 100000),
                            (vocabulary.donations(fund), -100000),
                        ]
                    else:
                        pairs = [
                            (vocabulary.expenses(fund, purposes[t % 6]), 10000),
                            (vocabulary.bank(fund), -10000),
                        ]
                    legs += [
                        {
                            "transaction_id": t,
                            "fund_id": fund,
                            "account": a,
                            "currency": "EUR",
                            "amount_minor": m,
                        }
                        for a, m in pairs
                    ]
                s.execute(insert(ReliefPosting), legs)

        def timed(call: object) -> float:
            runs = []
            for _ in range(5):
                began = time.perf_counter()
                call()  # type: ignore[operator]
                runs.append(time.perf_counter() - began)
            return statistics.median(runs) * 1000

        def bare() -> None:
            with ws.sessions() as s:
                s.execute(
                    select(ReliefPosting.account, func.sum(ReliefPosting.amount_minor))
                    .where(ReliefPosting.fund_id == fund)
                    .group_by(ReliefPosting.account)
                ).all()

        sheet_ms = timed(lambda: balance_sheet(ws, fin, fund))
        bare_ms = timed(bare)
        print(
            f"balance sheet: {sheet_ms:.0f} ms (target < 200 ms); bare SUM GROUP BY: "
            f"{bare_ms:.0f} ms"
        )
        out = Path(tmp) / "ledger.beancount"
        began = time.perf_counter()
        count = export_beancount(ws, fin, out)
        export_s = time.perf_counter() - began
        print(
            f"beancount export: {count} transactions, {out.stat().st_size / 1e6:.1f} MB in "
            f"{export_s:.1f} s (target < 10 s)"
        )
        began = time.perf_counter()
        checked = subprocess.run(
            [str(Path(sys.executable).parent / "bean-check"), str(out)],
            capture_output=True,
            text=True,
        )
        print(
            f"bean-check: exit {checked.returncode} in {time.perf_counter() - began:.1f} s "
            f"{checked.stderr[:300]}"
        )
        ws.close()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
