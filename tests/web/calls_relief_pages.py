"""How the route walk in test_permissions.py calls the relief fund's pages (see CORE_CALLS
there), and the samples their paths take.

Samples: a EUR fund the walk's finance user added, with a deposit, a second fund to
transfer to, and a grant the walk's protection officer asked for on their case. Bodies are
chosen so that a role the table allows is never refused with 401 or 403: a refused act
is shown on its page with 404, 409 or 422 (a case nobody has, a grant not yet vetted, a
broken statement).
"""

from __future__ import annotations

from typing import Any

from civwatch.workspace import Workspace

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/relief"): {},
    ("GET", "/relief/grants"): {"params": {"state": "requested"}},
    ("GET", "/relief/grants/new"): {},
    ("POST", "/relief/grants"): {
        "data": {
            "case_id": "case_walkwalkwalkwalk",
            "fund": "1",
            "amount": "100.00",
            "purpose": "transport",
        }
    },
    ("GET", "/relief/grants/{relief_grant_id}"): {},
    ("POST", "/relief/grants/{relief_grant_id}/vet"): {"data": {"check": "identity"}},
    ("POST", "/relief/grants/{relief_grant_id}/screen"): {},
    ("POST", "/relief/grants/{relief_grant_id}/approve"): {},
    ("POST", "/relief/grants/{relief_grant_id}/release"): {},
    ("POST", "/relief/grants/{relief_grant_id}/pay"): {"data": {"amount": "1.00"}},
    ("POST", "/relief/grants/{relief_grant_id}/refund"): {"data": {"amount": "1.00"}},
    ("POST", "/relief/grants/{relief_grant_id}/cancel"): {},
    ("GET", "/relief/funds"): {},
    ("GET", "/relief/funds/{fund_id}"): {"params": {"from": "2026-01-01", "to": "2026-12-31"}},
    ("POST", "/relief/funds/{fund_id}/deposit"): {"data": {"amount": "10.00"}},
    ("POST", "/relief/funds/{fund_id}/transfer"): {"data": {"to_fund": "999", "amount": "1"}},
    ("GET", "/relief/funds/{fund_id}/reconcile"): {},
    ("POST", "/relief/funds/{fund_id}/reconcile"): {
        "files": {"statement": ("walk.xml", b"<not-camt/>", "application/xml")},
        "data": {"kind": "camt053"},
    },
    ("GET", "/relief/funds/{fund_id}/report.csv"): {
        "params": {"from": "2026-01-01", "to": "2026-12-31"}
    },
    ("GET", "/relief/funds/{fund_id}/report.pdf"): {
        "params": {"from": "2026-01-01", "to": "2026-12-31"}
    },
    ("GET", "/relief/funds/{fund_id}/report"): {
        "params": {"from": "2026-01-01", "to": "2026-12-31"}
    },
}


def relief_page_samples(ws: Workspace, case_id: str) -> dict[str, str]:
    """Path values: a fund with a deposit, and a grant of the officer's case ``case_id``
    (the walk's users, as tests/web/conftest.py's team names them)."""
    from civwatch.relief.funds import FundInput, add_fund, deposit
    from civwatch.relief.grants import request_grant
    from tests.web.desk import principal_of

    finance = principal_of(ws, "relief-finance")
    fund = add_fund(ws, finance, FundInput(name="Walk pages fund", currency="EUR"))
    deposit(ws, finance, fund["id"], "5000.00")
    grant = request_grant(
        ws,
        principal_of(ws, "protection-officer"),
        case_id,
        fund=fund["id"],
        amount="300.00",
        purpose="transport",
    )
    return {"fund_id": str(fund["id"]), "relief_grant_id": grant["id"]}
