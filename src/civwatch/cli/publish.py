"""Commands for publishing (``civwatch publish ...``) and for redacting media
(``civwatch redact ...``). Acts are done as the user of the API token given in
``CIVWATCH_TOKEN`` (or with ``--token-file FILE``), with the permission its role allows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import (
    AsJson,
    DataDir,
    IncidentId,
    Sha,
    TokenFile,
    acting,
    emit,
    fail,
    out,
    workspace,
)
from civwatch.i18n import _, ngettext

publish_app = typer.Typer(
    no_args_is_help=True,
    help="Publish verified incidents, correct or withdraw them, set the public location.",
)
redact_app = typer.Typer(
    no_args_is_help=True,
    help="Redacted copies of evidence for publication: faces and regions blurred, metadata "
    "removed; a publisher approves each one.",
)
Note = Annotated[str | None, typer.Option(help="A note kept with the act.")]


def _incident_line(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(doc)
        return
    loc = doc["public_location"]
    # TRANSLATORS: a published incident: number, [status/visibility] (codes), title, and
    # the location the public sees: its precision (a code), place and coordinates.
    out.print(
        _(
            "#%(id)s %(state)s %(title)s; public location %(precision)s: %(place)s "
            "(%(lat)s, %(lon)s)",
            id=doc["id"],
            state=escape(f"[{doc['status']}/{doc['visibility']}]"),
            title=escape(doc["title"]),
            precision=loc["precision"],
            place=escape(loc["place"]),
            lat=loc["lat"],
            lon=loc["lon"],
        )
    )
    for sha in doc.get("unredacted_media", []):
        out.print("  " + _("not shown until a redaction is approved: %(sha)s", sha=sha[:16]))


@publish_app.command("incident")
def publish_incident_cmd(
    incident_id: IncidentId,
    note: Note = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Publish a verified incident."""
    from civwatch.publish.publication import publish_incident

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.PUBLISH, token_file)
        _incident_line(publish_incident(ws, incident_id, actor=actor, note=note), as_json)


@publish_app.command("withdraw")
def withdraw_cmd(
    incident_id: IncidentId,
    reason: Annotated[str, typer.Option(help="Why (shown in the public history).")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Take a published incident off the public site."""
    from civwatch.publish.publication import withdraw_incident

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.PUBLISH, token_file)
        _incident_line(withdraw_incident(ws, incident_id, reason=reason, actor=actor), as_json)


@publish_app.command("correct")
def correct_cmd(
    incident_id: IncidentId,
    note: Annotated[str, typer.Argument(help="What was corrected (shown publicly).")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record a correction notice on a published incident."""
    from civwatch.publish.publication import correct_incident

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.PUBLISH, token_file)
        _incident_line(correct_incident(ws, incident_id, note, actor=actor), as_json)


@publish_app.command("precision")
def precision_cmd(
    incident_id: IncidentId,
    precision: Annotated[str, typer.Argument(help="exact, settlement, raion or oblast.")],
    reason: Note = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """How precisely the public sees the incident's location."""
    from civwatch.publish.publication import set_location_precision

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.PUBLISH, token_file)
        shown = set_location_precision(ws, incident_id, precision, actor=actor, reason=reason)
        _incident_line(shown, as_json)


@publish_app.command("history")
def history_cmd(incident_id: IncidentId, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Publication, corrections and withdrawals of an incident, as the public sees them."""
    from civwatch.publish.publication import get_public_history

    with workspace(data_dir) as ws:
        history = get_public_history(ws, incident_id)
    if as_json:
        emit(history)
        return
    for h in history:
        note = f": {escape(h['note'])}" if h["note"] else ""
        out.print(f"{h['at'][:16]} {h['kind']}{note}")


def _parse_region(text: str, fraction: bool) -> dict[str, Any]:
    parts = text.split(",")
    try:
        x, y, w, h = (float(p) for p in parts)
    except ValueError:
        fail(
            _(
                "--region %(region)s: give X,Y,W,H (four numbers separated by commas).",
                region=repr(text),
            ),
            2,
        )
    return {"x": x, "y": y, "w": w, "h": h, "unit": "fraction" if fraction else "px"}


def _redaction_lines(r: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(r)
        return
    from civwatch.publish.redaction_words import action_text

    flags = " graphic" if r["graphic"] else ""
    # TRANSLATORS: a redaction: its number, [status] (a code, with "graphic" when shown
    # behind a warning), the original item, its redacted copy, media type and size.
    out.print(
        _(
            "redaction %(id)s %(state)s of %(original)s -> %(copy)s (%(type)s, "
            "%(width)sx%(height)s)",
            id=r["id"],
            state=escape(f"[{r['status']}{flags}]"),
            original=r["original_sha256"][:16],
            copy=r["derivative_sha256"][:16],
            type=r["media_type"],
            width=r["width"],
            height=r["height"],
        )
    )
    for action in r["actions"]:
        out.print(f"  {escape(action_text(action))}")


@redact_app.command("create")
def redact_create_cmd(
    sha256: Sha,
    region: Annotated[
        list[str] | None,
        typer.Option(help="X,Y,W,H to blur (pixels of the picture as shown); repeat it."),
    ] = None,
    fraction: Annotated[bool, typer.Option(help="Regions are fractions (0-1).")] = False,
    faces: Annotated[bool, typer.Option("--faces/--no-faces", help="Find and blur faces.")] = True,
    graphic: Annotated[bool, typer.Option(help="Show behind a warning screen.")] = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Make a draft redacted copy of an evidence item linked to an incident."""
    from civwatch.publish.redaction import create_redaction

    regions = [_parse_region(r, fraction) for r in region or []]
    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        made = create_redaction(ws, sha256, regions, blur_faces=faces, graphic=graphic, actor=actor)
    _redaction_lines(made, as_json)


@redact_app.command("approve")
def redact_approve_cmd(
    redaction_id: Annotated[int, typer.Argument(help="Redaction number.")],
    note: Note = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Approve a draft (a publisher other than its maker)."""
    from civwatch.publish.redaction import approve_redaction

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.PUBLISH, token_file)
        _redaction_lines(approve_redaction(ws, redaction_id, actor=actor, note=note), as_json)


@redact_app.command("list")
def redact_list_cmd(sha256: Sha, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Every redaction of an item, newest first."""
    from civwatch.publish.redaction import list_redactions

    with workspace(data_dir) as ws:
        found = list_redactions(ws, sha256)
    if as_json:
        emit(found)
        return
    for r in found:
        _redaction_lines(r, False)


@redact_app.command("save")
def redact_save_cmd(
    redaction_id: Annotated[int, typer.Argument(help="Redaction number.")],
    out_path: Annotated[Path, typer.Argument(help="File to write the redacted copy to.")],
    data_dir: DataDir = None,
) -> None:
    """Write a redacted copy to a file, to look at it before approving it."""
    from civwatch.publish.redaction import derivative_item

    if out_path.exists():
        fail(_("%(path)s exists: choose a new file name.", path=out_path), 2)
    with workspace(data_dir) as ws:
        item = derivative_item(ws, redaction_id)
        with ws.vault.open(item.sha256) as src, out_path.open("xb") as dst:
            shutil.copyfileobj(src, dst)
    out.print(
        ngettext(
            "wrote %(path)s (%(num)s byte, %(type)s)",
            "wrote %(path)s (%(num)s bytes, %(type)s)",
            item.size,
            path=escape(str(out_path)),
            type=item.media_type,
        )
    )
