"""Evidence suggested for incidents (``civwatch incident suggest``, ``confirm``,
``dismiss``): which incidents an item may belong to, and the decision on a suggestion.
These are commands of ``civwatch incident`` itself (:mod:`civwatch.cli.incidents` adds
them without a group name)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import (
    AsJson,
    DataDir,
    IncidentId,
    Reason,
    Sha,
    TokenFile,
    acting,
    emit,
    incident_line,
    out,
    workspace,
)
from civwatch.i18n import _

suggestions_app = typer.Typer()


@suggestions_app.command()
def suggest(
    sha256: Sha,
    limit: Annotated[int, typer.Option(help="Most suggestions.")] = 10,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Incidents an evidence item may belong to, scored and explained (nothing is linked)."""
    from civwatch.incidents.suggestions import suggest_incidents

    with workspace(data_dir) as ws:
        doc = suggest_incidents(ws, sha256, limit=limit)
    if as_json:
        emit(doc)
        return
    if not doc["suggestions"]:
        out.print(_("No incident fits this item."))
    for s in doc["suggestions"]:
        out.print(f"{s['score']:.2f}  {incident_line(s['incident'])}")
        for reason in s["reasons"]:
            out.print(f"      {escape(reason)}")


@suggestions_app.command()
def confirm(
    sha256: Sha,
    incident_id: IncidentId,
    role: Annotated[str, typer.Option(help="primary, corroborating or context.")] = "corroborating",
    note: Annotated[str | None, typer.Option(help="Why it belongs.")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Confirm a suggestion: link the item to the incident."""
    from civwatch.incidents.suggestions import decide

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        doc = decide(ws, sha256, incident_id, "confirmed", actor=actor, role=role, reason=note)
    emit(doc) if as_json else out.print(_("linked to incident %(id)s", id=incident_id))


@suggestions_app.command()
def dismiss(
    sha256: Sha,
    incident_id: IncidentId,
    reason: Reason = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Dismiss a suggestion: it is not offered again for this item."""
    from civwatch.incidents.suggestions import decide

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        doc = decide(ws, sha256, incident_id, "dismissed", actor=actor, reason=reason)
    emit(doc) if as_json else out.print(_("dismissed incident %(id)s", id=incident_id))
