"""How the route walk in test_permissions.py calls the relief fund's API (see CORE_CALLS
there), and the samples its paths take.

Samples: two EUR funds the walk's finance user added (fund 1 holds a deposit, the
transaction reversed by the walk), and a grant the walk's protection officer asked for on
their case. Bodies are chosen so that a role the table allows is never refused with 401 or
403: a refused act is a 404, 409 or 422 (a case id nobody has, a grant that is not yet
approved, a wrong amount). A grant is asked for with a case nobody has (bodies are fixed,
case ids are not).
"""

from __future__ import annotations

from typing import Any

from civwatch.workspace import Workspace

API = "/api/v1/relief"
SANCTIONS_CSV = b"id,name,date_of_birth,source\nWALK-1,Ivan WALKER,1960,EU\n"

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", f"{API}/funds"): {},
    ("POST", f"{API}/funds"): {"json": {"name": "Walk fund new", "currency": "EUR"}},
    ("GET", f"{API}/funds/{{fund_id}}"): {},
    ("POST", f"{API}/funds/{{fund_id}}/deposits"): {"json": {"amount": "10.00"}},
    ("POST", f"{API}/funds/{{fund_id}}/transfers"): {"json": {"to_fund": 2, "amount": "1.00"}},
    ("POST", f"{API}/funds/{{fund_id}}/cash"): {"json": {"amount": "2.00"}},
    ("GET", f"{API}/funds/{{fund_id}}/ledger"): {},
    ("GET", f"{API}/funds/{{fund_id}}/report"): {},
    ("GET", f"{API}/funds/{{fund_id}}/donor-report"): {
        "params": {"from": "2026-01-01", "to": "2026-12-31"}
    },
    ("POST", f"{API}/funds/{{fund_id}}/reconcile"): {
        "files": {"statement": ("walk.xml", b"<not-camt/>", "application/xml")}
    },
    ("GET", f"{API}/grants"): {},
    ("POST", f"{API}/grants"): {
        "json": {
            "case": "case_walkwalkwalkwalk",
            "fund": 1,
            "amount": "100.00",
            "purpose": "transport",
        }
    },
    ("GET", f"{API}/grants/{{relief_grant_id}}"): {},
    ("POST", f"{API}/grants/{{relief_grant_id}}/vet"): {"json": {"check": "identity"}},
    ("POST", f"{API}/grants/{{relief_grant_id}}/approve"): {},
    ("POST", f"{API}/grants/{{relief_grant_id}}/release"): {},
    ("POST", f"{API}/grants/{{relief_grant_id}}/pay"): {"json": {"amount": "1.00"}},
    ("POST", f"{API}/grants/{{relief_grant_id}}/refund"): {"json": {"amount": "1.00"}},
    ("POST", f"{API}/grants/{{relief_grant_id}}/cancel"): {},
    ("GET", f"{API}/ledger/beancount"): {},
    ("POST", f"{API}/ledger/transactions/{{transaction_id}}/reverse"): {},
    ("POST", f"{API}/sanctions"): {"files": {"file": ("list.csv", SANCTIONS_CSV, "text/csv")}},
    ("GET", f"{API}/partners/hashes"): {},
    ("POST", f"{API}/partners/compare"): {
        "files": {"file": ("theirs.jsonl", b"{}\n", "application/x-ndjson")}
    },
}


def relief_samples(ws: Workspace, case_id: str) -> dict[str, str]:
    """Path values: fund 1 (with a deposit: the transaction) and fund 2, and a grant of
    the officer's case ``case_id`` (the walk's users, as tests/web/conftest.py's team
    names them)."""
    from civwatch.relief.funds import FundInput, add_fund, deposit
    from civwatch.relief.grants import request_grant
    from tests.web.desk import principal_of

    finance = principal_of(ws, "relief-finance")
    fund = add_fund(ws, finance, FundInput(name="Walk fund", currency="EUR"))
    add_fund(ws, finance, FundInput(name="Walk fund 2", currency="EUR"))
    money = deposit(ws, finance, fund["id"], "5000.00")
    grant = request_grant(
        ws,
        principal_of(ws, "protection-officer"),
        case_id,
        fund=fund["id"],
        amount="300.00",
        purpose="transport",
    )
    return {
        "fund_id": str(fund["id"]),
        "transaction_id": str(money["transaction"]),
        "relief_grant_id": grant["id"],
    }
