"""The demo's relief fund: an invented fund and grants on the demo desk's invented case.

Set up once, the first time the demo is loaded with the relief fund's demo team
(:data:`civwatch.accounts.bootstrap.DEMO_RELIEF_TEAM`) and the demo desk open (the load
that sets the desk up): an invented sanctions list (the admin's reference data), one fund
in euros from an invented donor with a deposit, and four grants for the safe-exit case of
the demo desk, each taken as far as the clicks of the demo team would take it, so that
every queue shows something and the fund's ledger has entries:

- transport, vetted, approved by one approver and paid by bank transfer with a reference;
- documents and visas (from EUR 1,000: two approvers), vetted, approved once, waiting for
  the second approver (who declares no conflict of interest first);
- temporary accommodation (from EUR 5,000: two approvers and a finance release),
  approved twice, waiting for finance to release it;
- subsistence on the way, just requested, waiting for vetting.

Everything says SYNTHETIC DEMO; no real person, donor or list is named. Every act goes
through the relief fund's service functions as the pages call them.
"""

from __future__ import annotations

from typing import Any

from civwatch.accounts.bootstrap import DEMO_RELIEF_TEAM
from civwatch.accounts.roles import PROTECTION_OFFICER
from civwatch.demo_desk import demo_principal
from civwatch.protection.cases import my_cases
from civwatch.protection.desk import desk_state
from civwatch.relief import funds, grants, queues, screening
from civwatch.workspace import Workspace

DEMO_FUND = "SYNTHETIC DEMO: Фонд екстреного переселення (вигаданий)"
DEMO_DONOR = "SYNTHETIC DEMO: Фундація «Демо-Солідарність» (вигаданий донор)"
DEMO_DEPOSIT = "20000.00"
#: An invented sanctions list: nobody on it is real, and nobody on it is the demo's person.
DEMO_SANCTIONS_CSV = (
    "id,name,aliases,date_of_birth,source\n"
    "SYNTHETIC-DEMO-1,Фіктивний Підсанкційний Олег,Fiktyvnyi Pidsanktsiinyi Oleh,1961-03-04,"
    "SYNTHETIC DEMO list (invented: not a real sanctions list)\n"
    "SYNTHETIC-DEMO-2,Nevidomyi Zlovmysnyk,,1958,"
    "SYNTHETIC DEMO list (invented: not a real sanctions list)\n"
).encode()
DEMO_OBLAST = "Київська область"
DEMO_PAYMENT_REFERENCE = "SYNTHETIC-DEMO-0001"
#: The grants: (purpose, amount in euros, justification, how far the team takes it).
DEMO_GRANTS = (
    (
        "transport",
        "450.00",
        "SYNTHETIC DEMO: квитки на автобус Київ – Рівне – кордон для вигаданої людини.",
        "paid",
    ),
    (
        "documents_visas",
        "1200.00",
        "SYNTHETIC DEMO: вигадана гуманітарна віза і переклад документів.",
        "approved_once",
    ),
    (
        "accommodation",
        "5400.00",
        "SYNTHETIC DEMO: вигадане житло на шість місяців у партнера.",
        "approved",
    ),
    (
        "subsistence",
        "300.00",
        "SYNTHETIC DEMO: харчування в дорозі (вигаданий запит).",
        "requested",
    ),
)


def load_demo_relief(ws: Workspace, creds: dict[str, Any] | None) -> dict[str, Any]:
    """Set up the demo relief fund and its grants once; returns what was made (all zero
    when a fund exists already, the demo relief team or the demo case is missing, or this
    process cannot open the desk: locked, or a demo folder from before the fund loaded
    again without the desk's passphrase)."""
    made: dict[str, Any] = {"fund": None, "grants": 0, "paid": 0}
    if creds is None or not creds.get("username") or not creds.get(PROTECTION_OFFICER):
        return made
    team = {key: creds.get(key) for *_, key in DEMO_RELIEF_TEAM}
    if not all(team.values()):
        return made
    approver, approver_2, finance, finance_2 = (
        demo_principal(ws, str(team[key])) for *_, key in DEMO_RELIEF_TEAM
    )
    if queues.list_funds(ws, finance):
        return made
    # The grants' justifications are sealed with the person's key: only a process that
    # opens the desk (the one that just set it up) makes them.
    if not desk_state(ws)["opens_here"]:
        return made
    officer = demo_principal(ws, str(creds[PROTECTION_OFFICER]))
    case = next((c for c in my_cases(ws, officer) if c["kind"] == "safe-exit"), None)
    if case is None:
        return made
    admin = demo_principal(ws, str(creds["username"]))
    if not screening.sanctions_versions(ws, approver):
        screening.import_sanctions_list(ws, admin, DEMO_SANCTIONS_CSV)

    fund = funds.add_fund(ws, finance, funds.FundInput(DEMO_FUND, "EUR", donor=DEMO_DONOR))
    funds.deposit(ws, finance, fund["id"], DEMO_DEPOSIT)
    made["fund"] = fund["id"]
    for purpose, amount, why, stage in DEMO_GRANTS:
        grant = grants.request_grant(
            ws,
            officer,
            case["id"],
            fund=fund["id"],
            amount=amount,
            purpose=purpose,
            justification=why,
            oblast=DEMO_OBLAST,
        )["id"]
        made["grants"] += 1
        if stage == "requested":
            continue
        # The officer on the case vets what the records show, and screens the person
        # against the invented list; each approver declares no conflict of interest.
        for check in ("identity", "risk", "duplicates"):
            grants.vet(ws, officer, grant, check, note="SYNTHETIC DEMO")
        screening.screen_grant(ws, officer, grant)
        approvers = (approver, approver_2) if stage == "approved" else (approver,)
        for who in approvers:
            grants.vet(ws, who, grant, "conflict")
            grants.approve(ws, who, grant)
        if stage == "paid":
            grants.pay(
                ws,
                finance_2,
                grant,
                method="bank_transfer",
                reference=DEMO_PAYMENT_REFERENCE,
            )
            made["paid"] += 1
    return made
