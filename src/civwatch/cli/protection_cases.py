"""The protection desk's cases and risk assessments on the command line
(``civwatch protect case ...``, ``civwatch protect risk ...``), acting with the caller's
API token: the same services, need to know and audit as the pages and the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import AsJson, DataDir, TokenFile, acting_principal, emit, out, workspace
from civwatch.i18n import _

case_app = typer.Typer(no_args_is_help=True, help="Cases of the protection desk.")
risk_app = typer.Typer(no_args_is_help=True, help="Risk assessments of people at risk.")

CaseId = Annotated[str, typer.Argument(help="The case's id (case_...).")]
PersonId = Annotated[str, typer.Argument(help="The person's id (per_...).")]


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
    from civwatch.errors import RejectedInputError
    from civwatch.protection.risk import RiskInput, add_assessment, risk_level
    from civwatch.protection.vocabulary import label

    review: date | None = None
    if next_review is not None:
        try:
            review = date.fromisoformat(next_review)
        except ValueError:
            raise RejectedInputError(
                _(
                    "--next-review is a date such as 2026-03-01 (given: %(value)s).",
                    value=next_review,
                )
            ) from None
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
