"""The relief fund for the web tests: the protection desk of tests/web/desk.py (officer1
leads a case of a person with a current risk assessment), two approvers and two finance
users with passwords and second factors, the sanctions list, and a funded EUR fund."""

from __future__ import annotations

from dataclasses import dataclass

from civwatch.workspace import Workspace
from tests.web.desk import Desk, desk_user, make_desk, principal_of

#: The sanctions list (public-list data): nobody of the desk's people is on it.
SANCTIONS_CSV = b"id,name,date_of_birth,source\nEU-1,Ivan DRAHOMANOV,1961,EU\n"
RELIEF_USERS = {
    "appr1": "relief_approver",
    "appr2": "relief_approver",
    "fin1": "relief_finance",
    "fin2": "relief_finance",
}
#: A bank's CSV export mapping (docs/relief-formats.md): debit and credit columns.
MAPPING = (
    '{"date": "Date", "debit": "Debit", "credit": "Credit", "currency": "Currency", '
    '"reference": "Details"}'
)


@dataclass
class ReliefDesk:
    desk: Desk
    fund: int

    @property
    def ws(self) -> Workspace:
        return self.desk.ws

    @property
    def totp(self) -> dict[str, str]:
        return self.desk.totp


def make_relief_desk(workspace: Workspace) -> ReliefDesk:
    """The desk, the fund's people, the sanctions list and fund "Safe exit" (20,000 EUR)."""
    from civwatch.protection.risk import RiskInput, add_assessment
    from civwatch.relief.funds import FundInput, add_fund, deposit
    from civwatch.relief.screening import import_sanctions_list

    desk = make_desk(workspace)
    for name, role in RELIEF_USERS.items():
        desk.totp[name] = desk_user(workspace, name, role)
    officer = principal_of(workspace, "officer1")
    add_assessment(
        workspace, officer, desk.person_id, RiskInput(threats=["detention"], likelihood=4, impact=4)
    )
    import_sanctions_list(workspace, principal_of(workspace, "admin1"), SANCTIONS_CSV)
    finance = principal_of(workspace, "fin1")
    fund = add_fund(workspace, finance, FundInput(name="Safe exit", currency="EUR", donor="D"))
    deposit(workspace, finance, fund["id"], "20000.00")
    return ReliefDesk(desk, fund["id"])


def statement_csv(reference: str, amount: str, day: str) -> bytes:
    """A bank's CSV statement: the payment out with ``reference``, and a donation in."""
    return (
        "Date,Debit,Credit,Currency,Details\n"
        f"{day},{amount},,EUR,Grant {reference}\n"
        f"{day},,250.00,EUR,Donation\n"
    ).encode()
