"""The demo's protection desk: invented people at risk, clearly marked as such.

Set up once, the first time the demo is loaded with the desk's demo team
(:data:`civwatch.accounts.bootstrap.DEMO_PROTECTION_TEAM`): the desk from the synthetic
demo passphrase, a partner organisation with a freshly generated age key, three invented
people (every note says SYNTHETIC DEMO), their risk assessments and consent, a safe-exit
case under way whose route has a missed check-in (so the dashboard shows an alert), a
referral, and two requests for help waiting. Everything goes through the desk's service
functions, exactly as an officer's clicks would.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from civwatch.accounts.bootstrap import DEMO_PASSPHRASE_KEY, DEMO_PROTECTION_TEAM
from civwatch.accounts.principal import Principal
from civwatch.accounts.roles import PROTECTION_LEAD, PROTECTION_OFFICER
from civwatch.accounts.service import active_user_id, get_user
from civwatch.crypto.age_packets import new_identity
from civwatch.db import utcnow
from civwatch.files import write_atomic
from civwatch.protection import cases, checkins, consent, partners, referrals, risk
from civwatch.protection.desk import desk_state, init_desk
from civwatch.protection.help_requests import HelpRequestInput, submit_help_request
from civwatch.protection.person_input import person_input
from civwatch.protection.persons import add_person
from civwatch.workspace import Workspace

#: Said in every note of the demo desk: nobody here is real.
DEMO_PERSON_NOTE = (
    "SYNTHETIC DEMO: вигадана людина для показу захисного столу, не реальна особа. "
    "An invented person to show the protection desk, not a real one."
)
DEMO_NEEDS_NOTE = "SYNTHETIC DEMO: закордонний паспорт прострочено"
#: The demo partner's secret age identity (it opens the demo referral's packet).
DEMO_PARTNER_IDENTITY_FILE = "demo-partner-identity.txt"
#: The case's route: (place, hours from loading when the person is expected there).
#: The person left late: the departure is checked in at loading, and the next checkpoint,
#: expected earlier on the old timetable, is missed by more than the grace period.
DEMO_ROUTE = (
    ("SYNTHETIC DEMO: Київ, автовокзал «Демо-Центральний»", -4),
    ("SYNTHETIC DEMO: Житомир, АЗС на виїзді (вигадана)", -2.5),
    ("SYNTHETIC DEMO: Рівне, хостел «Демо»", 3),
    ("SYNTHETIC DEMO: пункт пропуску «Демо-Кордон»", 9),
)
#: The case's moves from intake, each with the reason the officer gives.
DEMO_MOVES = (
    ("assessment", "SYNTHETIC DEMO: людина погодилася на оцінювання ризику."),
    ("plan", "SYNTHETIC DEMO: ризик критичний, готуємо виїзд."),
    ("approved", "SYNTHETIC DEMO: маршрут і житло в партнера погоджено."),
    ("in-progress", "SYNTHETIC DEMO: людина вирушила в дорогу."),
)


def demo_principal(ws: Workspace, username: str) -> Principal:
    """``username`` acting as through a browser session (all their roles)."""
    user = get_user(ws, username)
    with ws.sessions() as session:
        user_id = active_user_id(session, username)
    return Principal(user_id, username, user["display_name"], frozenset(user["roles"]), "session")


def load_demo_desk(ws: Workspace, creds: dict[str, Any] | None) -> dict[str, Any]:
    """Set up the demo desk and its invented records once; returns what was made (all
    zero when the desk exists already or the demo desk team is missing)."""
    made = {"desk": False, "persons": 0, "cases": 0, "alerts": 0, "help_requests": 0}
    if creds is None or desk_state(ws)["initialised"]:
        return made
    roles = {role: creds.get(role) for _, _, role in DEMO_PROTECTION_TEAM}
    passphrase = creds.get(DEMO_PASSPHRASE_KEY)
    if not all(roles.values()) or not passphrase:
        return made
    lead = demo_principal(ws, str(roles[PROTECTION_LEAD]))
    officer = demo_principal(ws, str(roles[PROTECTION_OFFICER]))
    officer_password = str(creds[f"{PROTECTION_OFFICER}_password"])
    init_desk(ws, passphrase=str(passphrase), actor=lead)
    made["desk"] = True

    secret, public = new_identity()
    write_atomic(
        ws.data_dir / DEMO_PARTNER_IDENTITY_FILE,
        (
            "# The demo partner's age identity: SYNTHETIC DEMO only. It opens the demo\n"
            "# referral's packet: age -d -i demo-partner-identity.txt packet.age\n"
            f"{secret}\n"
        ).encode(),
    )
    partner = partners.add_partner(
        ws,
        lead,
        "SYNTHETIC DEMO: Мережа «Демо-Прихисток» (вигадана організація)",
        public,
        country="PL",
        contact="demo-partner@example.org (SYNTHETIC DEMO: nobody reads it)",
    )

    journalist = _person(
        ws,
        officer,
        names=[("Демо Тестенко", "legal"), ("Demo Testenko", "legal")],
        phone="+380 99 000 0101",
        groups=["journalist"],
        oblast="Київська область (SYNTHETIC DEMO)",
        needs=["documents"],
    )
    risk.add_assessment(
        ws,
        officer,
        journalist,
        risk.RiskInput(
            threats=["detention", "surveillance"],
            likelihood=4,
            impact=5,
            sources="SYNTHETIC DEMO: вигадані погрози в месенджері.",
            indicators="SYNTHETIC DEMO: невідоме авто біля дому два дні поспіль.",
        ),
    )
    for purpose in ("case-handling", "contact"):
        consent.record_consent(
            ws,
            officer,
            journalist,
            purpose,
            how="verbal",
            channel="signal" if purpose == "contact" else None,
        )
    consent.record_consent(ws, officer, journalist, "referral", how="written", partner_id=partner)
    case = cases.open_case(
        ws,
        officer,
        journalist,
        "safe-exit",
        summary="SYNTHETIC DEMO: вигаданий безпечний виїзд через Житомир і Рівне.",
    )
    for state, reason in DEMO_MOVES:
        cases.transition(ws, officer, case, state, reason=reason)
    cases.assign(ws, officer, case, lead.username, "member")
    now = utcnow()
    done = cases.add_task(
        ws, officer, case, "documents", "SYNTHETIC DEMO: копії документів", owner=officer.username
    )
    cases.complete_task(ws, officer, done)
    cases.add_task(
        ws,
        officer,
        case,
        "host-partner",
        "SYNTHETIC DEMO: підтвердити житло в партнера",
        owner=officer.username,
        due=(now + timedelta(days=1)).date(),
    )
    points = [
        cases.add_checkpoint(ws, officer, case, place, now + timedelta(hours=hours))
        for place, hours in DEMO_ROUTE
    ]
    checkins.record_checkin(
        ws,
        officer,
        case,
        "SYNTHETIC DEMO: на автовокзалі, сідає в автобус",
        checkpoint_id=points[0],
        note="SYNTHETIC DEMO: виїжджає на 4 години пізніше, ніж планували; на зв'язку в Signal.",
    )
    referrals.refer(ws, officer, case, partner, ["languages", "names", "needs"], officer_password)
    # The route watch runs every minute beside the server; run it now so the missed
    # check-in is on the dashboard from the first page.
    made["alerts"] = len(checkins.raise_overdue_alerts(ws))
    made["cases"] = 1

    activist = _person(
        ws,
        officer,
        names=[("Демо Прикладенко", "legal"), ("Demo Prykladenko", "legal")],
        groups=["activist"],
        oblast="Харківська область (SYNTHETIC DEMO)",
    )
    # The review falls due today (a review date in the past is refused): the dashboard
    # lists it as due now, and as overdue from tomorrow.
    risk.add_assessment(
        ws,
        officer,
        activist,
        risk.RiskInput(
            threats=["prosecution"],
            likelihood=2,
            impact=4,
            next_review=now.date(),
            sources="SYNTHETIC DEMO: вигадане повідомлення про підозру.",
        ),
    )
    consent.record_consent(ws, officer, activist, "case-handling", how="electronic")
    _person(
        ws,
        officer,
        names=[("Демо Вигаданюк", "legal"), ("Demo Vyhadaniuk", "known-as")],
        groups=["human-rights-defender", "lawyer"],
        oblast="Одеська область (SYNTHETIC DEMO)",
    )
    made["persons"] = 3

    for about, language in (
        ("SYNTHETIC DEMO: вигаданий запит. Я правозахисниця, мені погрожують.", "uk"),
        ("SYNTHETIC DEMO: an invented request on behalf of a colleague at risk.", "en"),
    ):
        submit_help_request(
            ws,
            HelpRequestInput(about=about, needs="SYNTHETIC DEMO", on_behalf=language == "en"),
            language,
        )
        made["help_requests"] += 1
    return made


def _person(
    ws: Workspace,
    officer: Principal,
    *,
    names: list[tuple[str, str]],
    groups: list[str],
    oblast: str,
    phone: str | None = None,
    needs: list[str] | None = None,
) -> str:
    """An invented person registered by ``officer``, marked SYNTHETIC DEMO in the notes."""
    values: dict[str, Any] = {
        "names": [{"name": name, "kind": kind} for name, kind in names],
        "groups": groups,
        "location": {"oblast": oblast},
        "languages": ["uk"],
        "notes": DEMO_PERSON_NOTE,
    }
    if phone:
        values["contacts"] = [{"kind": "phone", "value": phone}]
    if needs:
        values["needs"] = {"codes": needs, "note": DEMO_NEEDS_NOTE}
    return add_person(ws, officer, person_input(values))
