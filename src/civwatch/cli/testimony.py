"""Field testimony on the command line (``civwatch testimony add`` / ``list``).

The witness's identity is read as one JSON object on standard input (``--witness-stdin``),
never from options: options stay in the shell's history and in the process list, where
anyone on the machine may read them. It is sealed under the protection desk's key (the
desk's passphrase or key file in the settings) and never printed: the output names the
witness by code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
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
    fail,
    out,
    parse_time,
    workspace,
)
from civwatch.i18n import _

app = typer.Typer(
    no_args_is_help=True,
    help="Field testimony: take it down, list it by incident (the witness kept encrypted).",
)


def _witness(from_stdin: bool) -> Any:
    from civwatch.intake.testimony import WitnessInput

    if not from_stdin:
        return WitnessInput()
    try:
        doc = json.loads(sys.stdin.read(64 * 1024) or "{}")
    except ValueError:
        fail(_("The witness on standard input is not a JSON object."), 2)
    allowed = {"name", "contacts", "birth_date", "residence"}
    if not isinstance(doc, dict) or set(doc) - allowed:
        fail(
            _(
                "The witness on standard input is a JSON object with the keys %(keys)s.",
                keys=", ".join(sorted(allowed)),
            ),
            2,
        )
    return WitnessInput(**doc)


def _ingest(ws: Any, files: list[Path], collector: str) -> list[str]:
    from civwatch.evidence.collect import Candidate
    from civwatch.evidence.ingest import Ingest, SourceInfo

    shas = []
    for outcome in Ingest(ws, source=SourceInfo(), collector=collector).run(
        [Candidate(f, f.name) for f in files]
    ):
        if outcome.sha256 is None:
            fail(_("%(path)s was not stored: %(error)s", path=outcome.path, error=outcome.error))
        shas.append(outcome.sha256)
    return shas


@app.command("add")
def add_cmd(
    taken_at: Annotated[
        str, typer.Option("--taken-at", help="When it was taken (ISO 8601 with its zone).")
    ],
    language: Annotated[str, typer.Option(help="The statement's language (uk, en, crh...).")],
    statement: Annotated[str | None, typer.Option(help="The statement.")] = None,
    statement_file: Annotated[
        Path | None,
        typer.Option(
            "--statement-file", help="A UTF-8 text file holding the statement.", dir_okay=False
        ),
    ] = None,
    place: Annotated[str | None, typer.Option(help="Where it was taken (a place name).")] = None,
    incident: Annotated[
        list[int] | None, typer.Option(help="An incident it concerns (repeat for several).")
    ] = None,
    attach: Annotated[
        list[Path] | None,
        typer.Option(
            help="An audio, video or photo file of it, stored as evidence (repeat).",
            dir_okay=False,
            exists=True,
        ),
    ] = None,
    flag: Annotated[
        list[str] | None, typer.Option(help="A risk flag: occupied, minor or reprisal (repeat).")
    ] = None,
    witness_stdin: Annotated[
        bool,
        typer.Option(
            "--witness-stdin",
            help='Read who the witness is from standard input: {"name", "contacts", '
            '"birth_date", "residence"} (sealed under the desk\'s key).',
        ),
    ] = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Take down a testimony; its witness is named by a code from then on."""
    from civwatch.intake.testimony import TestimonyInput, record_testimony

    if (statement is None) == (statement_file is None):
        fail(_("Give the statement: either --statement or --statement-file."), 2)
    if statement_file is not None:
        try:
            statement = statement_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            fail(_("%(path)s cannot be read as UTF-8 text.", path=statement_file), 2)
    when = parse_time(taken_at, "--taken-at")
    assert when is not None and statement is not None
    witness = _witness(witness_stdin)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.TESTIMONY_WRITE, token_file)
        shas = _ingest(ws, list(attach or []), actor.username) if attach else []
        made = record_testimony(
            ws,
            actor,
            TestimonyInput(
                statement=statement,
                taken_at=when,
                language=language,
                witness=witness,
                taken_place=place,
                incidents=list(incident or []),
                attachments=shas,
                flags=list(flag or []),
            ),
        )
    if as_json:
        emit(made)
    else:
        out.print(
            _(
                "Testimony %(id)s taken down; its witness is %(code)s.",
                id=made["id"],
                code=escape(made["witness"]),
            )
        )


@app.command("list")
def list_cmd(
    incident: Annotated[
        int | None, typer.Option(help="Only the testimony of this incident.")
    ] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """The testimonies you may read (the witness by code), newest first."""
    from civwatch.intake.testimony import testimonies

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.TESTIMONY_READ, token_file)
        found = testimonies(ws, actor, incident_id=incident)
    if as_json:
        emit(found)
        return
    if not found:
        out.print(_("No testimony."))
    for t in found:
        out.print(
            f"{t['id']}  {escape(t['witness'])}  {t['taken_at'][:16]}  "
            f"{escape(t['statement'][:60])}"
        )


TestimonyId = Annotated[int, typer.Argument(help="The testimony's number.")]
DecisionId = Annotated[int, typer.Argument(help="The disclosure decision's number.")]


@app.command("quote")
def quote_cmd(
    testimony: TestimonyId,
    excerpt: Annotated[str, typer.Option(help="The excerpt of the statement, copied exactly.")],
    reviewed: Annotated[
        bool,
        typer.Option(
            "--reviewed",
            help="You read it: it names no one and nothing in it can identify the witness.",
        ),
    ] = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Mark a quote for anonymised publication (the witness's consent needed)."""
    from civwatch.intake.testimony_quotes import mark_quote

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.TESTIMONY_WRITE, token_file)
        made = mark_quote(ws, actor, testimony, excerpt, reviewed=reviewed)
    if as_json:
        emit({"id": made, "testimony": testimony})
    else:
        out.print(_("Quote %(id)s marked for publication, as said by a witness.", id=made))


@app.command("disclose")
def disclose_cmd(
    testimony: TestimonyId,
    recipient: Annotated[
        str, typer.Option(help="The court or prosecutor, as named in the witness's consent.")
    ],
    reason: Annotated[str, typer.Option(help="Why the identity must go to them.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Propose giving the witness's identity to a named court (another lead approves)."""
    from civwatch.intake.testimony_disclosure import propose_disclosure

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        made = propose_disclosure(ws, actor, testimony, recipient, reason)
    if as_json:
        emit({"id": made, "testimony": testimony})
    else:
        out.print(
            _("Disclosure %(id)s proposed: another protection lead must approve it.", id=made)
        )


@app.command("approve-disclosure")
def approve_cmd(
    testimony: TestimonyId,
    decision: DecisionId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Approve a disclosure another person proposed (a protection lead)."""
    from civwatch.intake.testimony_disclosure import approve_disclosure

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        approve_disclosure(ws, actor, testimony, decision)
    if as_json:
        emit({"id": decision, "testimony": testimony})
    else:
        out.print(_("Disclosure %(id)s approved.", id=decision))


@app.command("revoke-disclosure")
def revoke_cmd(
    testimony: TestimonyId,
    decision: DecisionId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Revoke a disclosure: no later package carries the identity."""
    from civwatch.intake.testimony_disclosure import revoke_disclosure

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.TESTIMONY_WRITE, token_file)
        revoke_disclosure(ws, actor, testimony, decision)
    if as_json:
        emit({"id": decision, "testimony": testimony})
    else:
        out.print(_("Disclosure %(id)s revoked.", id=decision))
