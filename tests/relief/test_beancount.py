"""The Beancount export is accepted by ``bean-check`` (the real tool), with a transfer
between funds of two currencies, a refund, a cancellation, a reversal and a cash payment
in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from civwatch.relief import funds, grants
from civwatch.relief.beancount_export import export_beancount
from civwatch.relief.cash import move_cash
from tests.relief.conftest import Fund, vetted


def _bean_check() -> Path:
    return Path(sys.executable).parent / "bean-check"


def test_the_export_passes_bean_check(relief: Fund, tmp_path: Path) -> None:
    f = relief
    uah = funds.add_fund(f.ws, f.who("fin1"), funds.FundInput(name="Hryvnia", currency="UAH"))
    funds.transfer(f.ws, f.who("fin1"), f.fund, uah["id"], "1000.00", received="45210.50")
    wrong = funds.deposit(f.ws, f.who("fin2"), uah["id"], "12.34", eur_rate="0.0221")
    funds.reverse(f.ws, f.who("fin1"), wrong["transaction"])
    g = vetted(f, "900.00")
    grants.approve(f.ws, f.who("appr1"), g)
    grants.pay(f.ws, f.who("fin1"), g, amount="400.00")
    move_cash(f.ws, f.who("fin2"), f.fund, "100.00")
    grants.pay(f.ws, f.who("fin1"), g, amount="60.00", method="cash")
    grants.refund(f.ws, f.who("fin1"), g, "50.00")
    grants.cancel(f.ws, f.who("fin2"), g)
    out = tmp_path / "ledger.beancount"
    count = export_beancount(f.ws, f.who("fin1"), out)
    assert count == 10
    done = subprocess.run(
        [str(_bean_check()), str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr + out.read_text()
    text = out.read_text()
    assert "MARKER" not in text
    assert "45210.50 UAH" in text
    assert f"Assets:Fund{f.fund}:Cash  -60.00 EUR" in text
