"""Fixtures of the relief fund's tests: the protection desk set up (tests/protection's
fixtures), a case with a current risk assessment, approvers, finance and a fund."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from civwatch.accounts import add_user
from civwatch.accounts.principal import Principal
from civwatch.accounts.roles import RELIEF_APPROVER, RELIEF_FINANCE
from civwatch.workspace import Workspace
from tests.protection.conftest import (  # noqa: F401
    desk,
    principal,
    principal_of,
    settings,
    team,
)

#: The sanctions list imported in every fund's workspace (public-list data).
SANCTIONS_CSV = (
    b"id,name,aliases,date_of_birth,source\n"
    b"EU-1,Oleksandr Petrovych KOVALENKO,Aleksandr Kovalenko,1975-04-12,EU\n"
    b"EU-2,Ivan DRAHOMANOV,,1961,EU\n"
)

#: The fund's people beside the desk's (officer1, officer2, lead1).
RELIEF_USERS = {
    "appr1": RELIEF_APPROVER,
    "appr2": RELIEF_APPROVER,
    "appr3": RELIEF_APPROVER,
    "fin1": RELIEF_FINANCE,
    "fin2": RELIEF_FINANCE,
}


@dataclass
class Fund:
    """A workspace with the fund's people, a funded EUR fund and a vetted case."""

    ws: Workspace
    fund: int
    case_id: str
    person_id: str
    who: Callable[[str], Principal]


def open_assessed_case(ws: Workspace, officer: Principal) -> tuple[str, str]:
    """A person with a current risk assessment and their case: (person id, case id)."""
    from civwatch.protection.risk import RiskInput, add_assessment
    from tests.protection.case_helpers import open_marked_case

    person_id, case_id = open_marked_case(ws, officer)
    add_assessment(ws, officer, person_id, RiskInput(threats=["detention"], likelihood=4, impact=4))
    return person_id, case_id


@pytest.fixture
def relief(desk: Workspace) -> Fund:  # noqa: F811
    from civwatch.relief.funds import FundInput, add_fund, deposit

    for name, role in RELIEF_USERS.items():
        add_user(desk, name, name.title(), [role], actor="admin")

    def who(name: str) -> Principal:
        return principal_of(desk, name)

    from civwatch.relief.screening import import_sanctions_list

    import_sanctions_list(desk, principal_of(desk, "admin"), SANCTIONS_CSV)
    fund = add_fund(desk, who("fin1"), FundInput(name="Safe exit", currency="EUR", donor="D"))
    deposit(desk, who("fin1"), fund["id"], "20000.00")
    person_id, case_id = open_assessed_case(desk, who("officer1"))
    return Fund(desk, fund["id"], case_id, person_id, who)


def vet_all(f: Fund, grant: str, officer: str = "officer1") -> None:
    """``officer`` records the identity, risk and duplicates checks and screens the grant's
    person against the sanctions list (no match)."""
    from civwatch.relief.grants import vet
    from civwatch.relief.screening import screen_grant

    for check in ("identity", "risk", "duplicates"):
        vet(f.ws, f.who(officer), grant, check)
    assert screen_grant(f.ws, f.who(officer), grant)["screening"] == "passed"


def vetted(
    f: Fund,
    amount: str,
    *,
    approvers: tuple[str, ...] = ("appr1",),
    case_id: str | None = None,
    purpose: str = "transport",
) -> str:
    """A grant requested by officer1 and vetted, with each approver's conflict declared."""
    from civwatch.relief.grants import request_grant, vet

    grant = request_grant(
        f.ws, f.who("officer1"), case_id or f.case_id, fund=f.fund, amount=amount, purpose=purpose
    )["id"]
    vet_all(f, grant)
    for name in approvers:
        vet(f.ws, f.who(name), grant, "conflict")
    return str(grant)


def requested_by_an_approver(f: Fund) -> str:
    """A grant requested by "both", an officer of the case who is also a relief approver
    (the separation of duties' test case)."""
    from civwatch.protection.cases import assign
    from civwatch.relief.grants import request_grant

    add_user(f.ws, "both", "Both", ["protection_officer", "relief_approver"], actor="admin")
    assign(f.ws, f.who("officer1"), f.case_id, "both")
    grant = request_grant(
        f.ws, f.who("both"), f.case_id, fund=f.fund, amount="300", purpose="medical"
    )["id"]
    return str(grant)
