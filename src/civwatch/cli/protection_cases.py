"""The protection desk's cases and risk assessments on the command line
(``civwatch protect case ...``, ``civwatch protect risk ...``), acting with the caller's
API token: the same services, need to know and audit as the pages and the API."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import (
    AsJson,
    DataDir,
    TokenFile,
    acting_principal,
    emit,
    out,
    parse_time,
    workspace,
)
from civwatch.cli.protection_options import CaseId, PersonId, parse_date
from civwatch.i18n import _, ngettext
from civwatch.i18n.formatting import format_datetime

case_app = typer.Typer(no_args_is_help=True, help="Cases of the protection desk.")
risk_app = typer.Typer(no_args_is_help=True, help="Risk assessments of people at risk.")


@case_app.command("open")
def case_open(
    person_id: PersonId,
    kind: Annotated[
        str, typer.Option(help="safe-exit, relocation or protection-support.")
    ] = "safe-exit",
    grace_minutes: Annotated[
        int, typer.Option(help="Minutes a check-in may be late before an alert.")
    ] = 120,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Open a case for a person (needs their consent to case handling)."""
    from civwatch.protection.cases import open_case

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        case_id = open_case(ws, actor, person_id, kind, grace_minutes=grace_minutes)
    if as_json:
        emit({"id": case_id})
    else:
        out.print(_("Case %(id)s opened.", id=case_id))


@case_app.command("assign")
def case_assign(
    case_id: CaseId,
    user: Annotated[str, typer.Argument(help="The protection officer's username.")],
    role: Annotated[str, typer.Option(help="lead or member.")] = "member",
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Put a protection officer on a case's team."""
    from civwatch.protection.cases import assign

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        doc = assign(ws, actor, case_id, user, role)
    if as_json:
        emit(doc)
    else:
        out.print(
            _(
                "%(username)s is on the team of case %(id)s.",
                username=doc["username"],
                id=case_id,
            )
        )


@case_app.command("checkin")
def case_checkin(
    case_id: CaseId,
    place: Annotated[str, typer.Option(help="Where the person reported being safe.")],
    checkpoint: Annotated[
        str | None, typer.Option(help="The checkpoint reached (cp_...), if any.")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note (kept encrypted).")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record that the person of a case checked in safe."""
    from civwatch.protection.checkins import record_checkin

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        checkin_id = record_checkin(ws, actor, case_id, place, checkpoint, note)
    if as_json:
        emit({"id": checkin_id, "case_id": case_id})
    else:
        out.print(_("Check-in %(id)s recorded.", id=checkin_id))


@case_app.command("list")
def case_list(
    token_file: TokenFile = None, data_dir: DataDir = None, as_json: AsJson = False
) -> None:
    """The cases whose team you are on: ids, kinds, states, your role (no names)."""
    from civwatch.protection.cases import my_cases
    from civwatch.protection.vocabulary import label

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_READ, token_file)
        cases = my_cases(ws, actor)
    if as_json:
        emit(cases)
        return
    out.print(
        ngettext(
            "You are on the team of %(count)s case.",
            "You are on the team of %(count)s cases.",
            len(cases),
            count=len(cases),
        )
    )
    for case in cases:
        out.print(
            "  "
            + _(
                "%(id)s  %(kind)s, %(state)s (person %(person)s; your role: %(role)s)",
                id=case["id"],
                kind=label("case-kind", case["kind"]),
                state=label("case-state", case["state"]),
                person=case["person_id"],
                role=case["role"],
            )
        )


def _print_case(doc: dict[str, Any]) -> None:
    from civwatch.protection.vocabulary import label

    out.print(
        _(
            "Case %(id)s: %(kind)s, %(state)s; person %(person)s.",
            id=doc["id"],
            kind=label("case-kind", doc["kind"]),
            state=label("case-state", doc["state"]),
            person=doc["person_id"],
        )
    )
    team = ", ".join(f"{m['username']} ({m['role']})" for m in doc["team"])
    out.print("  " + escape(_("Team: %(members)s", members=team)))
    for t in doc["tasks"]:
        values = {
            "id": t["id"],
            "kind": label("task-kind", t["kind"]),
            "title": t["title"],
            "owner": t["owner"] or "-",
            "due": t["due"] or "-",
        }
        if t["done_at"]:
            line = _("Task %(id)s [%(kind)s] %(title)s; owner %(owner)s, done.", **values)
        else:
            line = _("Task %(id)s [%(kind)s] %(title)s; owner %(owner)s, due %(due)s.", **values)
        out.print("  " + escape(line))
    reached = {c["checkpoint_id"] for c in doc["checkins"]}
    for p in doc["checkpoints"]:
        values = {
            "id": p["id"],
            "position": p["position"],
            "place": p["place"],
            "expected": p["expected_at"] or "-",
        }
        if p["id"] in reached:
            line = _("Checkpoint %(id)s #%(position)s %(place)s: reached.", **values)
        else:
            line = _("Checkpoint %(id)s #%(position)s %(place)s: expected %(expected)s.", **values)
        out.print("  " + escape(line))
    for c in doc["checkins"]:
        out.print(
            "  "
            + escape(
                _(
                    "Check-in %(id)s at %(at)s UTC: %(place)s (recorded by %(by)s)",
                    id=c["id"],
                    at=format_datetime(c["at"]),
                    place=c["place"],
                    by=c["recorded_by"],
                )
            )
        )
    for r in doc["referrals"]:
        out.print(
            "  "
            + escape(
                _(
                    "Referral %(id)s to %(partner)s: %(state)s; fields: %(fields)s",
                    id=r["id"],
                    partner=r["partner_id"],
                    state=label("referral-state", r["state"]),
                    fields=", ".join(r["fields"]),
                )
            )
        )
    for a in doc["alerts"]:
        if not a["acknowledged_at"]:
            out.print(
                "  "
                + _(
                    "Alert %(id)s: a check-in is overdue (raised %(at)s UTC).",
                    id=a["id"],
                    at=format_datetime(a["raised_at"]),
                )
            )


@case_app.command("show")
def case_show(
    case_id: CaseId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Show a case: team, tasks, route, check-ins, referrals (recorded as read)."""
    from civwatch.protection.cases import show_case

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_READ, token_file)
        doc = show_case(ws, actor, case_id)
    if as_json:
        emit(doc)
    else:
        _print_case(doc)


@case_app.command("move")
def case_move(
    case_id: CaseId,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The new state: intake, assessment, plan, approved, in-progress, "
            "completed, withdrawn or suspended.",
        ),
    ],
    reason: Annotated[str | None, typer.Option(help="Why (kept encrypted).")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Move a case to its next state (the moves a case allows from where it is)."""
    from civwatch.protection.cases import transition
    from civwatch.protection.vocabulary import label

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        doc = transition(ws, actor, case_id, to, reason)
    if as_json:
        emit(doc)
    else:
        out.print(
            _(
                "Case %(id)s moved from %(from_state)s to %(to_state)s.",
                id=case_id,
                from_state=label("case-state", doc["from_state"]),
                to_state=label("case-state", doc["state"]),
            )
        )


@case_app.command("task")
def case_task(
    case_id: CaseId,
    kind: Annotated[
        str,
        typer.Option(
            help="documents, transport, route, host-partner, accommodation, visa, funds or other."
        ),
    ],
    title: Annotated[str, typer.Option(help="What is to be done (kept encrypted).")],
    owner: Annotated[
        str | None, typer.Option(help="Who does it: a username on the case's team.")
    ] = None,
    due: Annotated[str | None, typer.Option(help="When it is due, YYYY-MM-DD.")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a task to a case."""
    from civwatch.protection.cases import add_task

    due_date = parse_date(due, "--due")
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        task_id = add_task(ws, actor, case_id, kind, title, owner=owner, due=due_date)
    if as_json:
        emit({"id": task_id, "case_id": case_id})
    else:
        out.print(_("Task %(id)s added to case %(case)s.", id=task_id, case=case_id))


@case_app.command("checkpoint")
def case_checkpoint(
    case_id: CaseId,
    place: Annotated[str, typer.Option(help="Where the person is expected (kept encrypted).")],
    expected: Annotated[
        str,
        typer.Option(
            help="When the person is expected there, ISO 8601 with its time zone, "
            "e.g. 2026-03-01T18:00:00+02:00."
        ),
    ],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a checkpoint to a case's route; a check-in late there raises an alert."""
    from civwatch.protection.cases import add_checkpoint

    expected_at = parse_time(expected, "--expected")
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        checkpoint_id = add_checkpoint(ws, actor, case_id, place, expected_at)
    if as_json:
        emit({"id": checkpoint_id, "case_id": case_id})
    else:
        out.print(_("Checkpoint %(id)s added to case %(case)s.", id=checkpoint_id, case=case_id))


@risk_app.command("add")
def risk_add(
    person_id: PersonId,
    threat: Annotated[
        list[str], typer.Option(help="A threat (detention, filtration...); repeat for more.")
    ],
    likelihood: Annotated[int, typer.Option(help="From 1 (unlikely) to 5 (almost certain).")],
    impact: Annotated[int, typer.Option(help="From 1 (minor) to 5 (loss of life).")],
    next_review: Annotated[
        str | None, typer.Option(help="Date of the next review, YYYY-MM-DD.")
    ] = None,
    sources: Annotated[str | None, typer.Option(help="Who the threat comes from.")] = None,
    indicators: Annotated[str | None, typer.Option(help="What shows the threat.")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a risk assessment of a person (earlier ones are kept)."""
    from civwatch.protection.risk import RiskInput, add_assessment, risk_level
    from civwatch.protection.vocabulary import label

    review = parse_date(next_review, "--next-review")
    data = RiskInput(
        threats=threat,
        likelihood=likelihood,
        impact=impact,
        next_review=review,
        sources=sources,
        indicators=indicators,
    )
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        assessment_id = add_assessment(ws, actor, person_id, data)
    level = risk_level(likelihood, impact)
    if as_json:
        emit({"id": assessment_id, "person_id": person_id, "level": level})
    else:
        out.print(
            _(
                "Risk assessment %(id)s recorded: %(level)s.",
                id=assessment_id,
                level=label("risk-level", level),
            )
        )
