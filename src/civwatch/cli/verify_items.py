"""Commands on the verification of evidence items (``civwatch verify-item ...``): records
of source, geolocation, chronolocation and content checks, and their two-person review.
Acts are done as the user of the API token given in ``CIVWATCH_TOKEN`` (or with
``--token-file FILE``), with the permission its role allows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import (
    AsJson,
    DataDir,
    Reason,
    Sha,
    TokenFile,
    acting,
    emit,
    history_line,
    out,
    parse_time,
    workspace,
)
from civwatch.i18n import _

Supersedes = Annotated[int | None, typer.Option(help="Number of the record this one corrects.")]
Notes = Annotated[str | None, typer.Option(help="Method notes.")]

verify_app = typer.Typer(
    no_args_is_help=True, help="Verification records and two-person review of evidence items."
)


def _item_view(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(doc)
        return
    if doc.get("proposed_status"):
        out.print(
            _(
                "[bold]%(sha)s[/] %(status)s (proposed %(proposed)s)",
                sha=doc["sha256"],
                status=doc["status"],
                proposed=doc["proposed_status"],
            )
        )
    else:
        out.print(f"[bold]{doc['sha256']}[/] {doc['status']}")
    for r in doc["records"]:
        # TRANSLATORS: a verification record: its number, kind (a code), author and time.
        values = {"id": r["id"], "kind": r["kind"], "who": r["author"], "at": r["at"][:19]}
        if r["superseded"]:
            line = _("#%(id)s %(kind)s by %(who)s at %(at)s [dim](superseded)[/]", **values)
        else:
            line = _("#%(id)s %(kind)s by %(who)s at %(at)s", **values)
        out.print("  " + line)
    for c in doc["checks"]:
        colour = "yellow" if c["flagged"] else "green"
        out.print(f"  [{colour}]{c['check']}[/]: {escape(c['explanation'])}")
    for h in doc["history"]:
        out.print("  " + history_line(h))


def _record(
    data_dir: Path | None,
    sha256: str,
    kind: str,
    content: dict[str, Any],
    token_file: Path | None,
    supersedes: int | None,
    as_json: bool,
) -> None:
    from civwatch.incidents.verification import add_record

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        doc = add_record(
            ws,
            sha256,
            kind,
            {k: v for k, v in content.items() if v is not None},
            actor=actor,
            supersedes=supersedes,
        )
    emit(doc) if as_json else out.print(
        _("record #%(id)s (%(kind)s) added", id=doc["id"], kind=kind)
    )


@verify_app.command()
def source(
    sha256: Sha,
    account: Annotated[str, typer.Option(help="Account that published it.")],
    platform: Annotated[str | None, typer.Option(help="Platform.")] = None,
    url: Annotated[str | None, typer.Option(help="Where it was first published.")] = None,
    first_seen: Annotated[str | None, typer.Option(help="When first seen (ISO).")] = None,
    reliability: Annotated[
        str | None, typer.Option(help="reliable, usually_reliable, unclear, unreliable.")
    ] = None,
    notes: Notes = None,
    supersedes: Supersedes = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record the item's source: account, first seen, reliability."""
    when = parse_time(first_seen, "--first-seen")
    content = {
        "account": account,
        "platform": platform,
        "url": url,
        "first_seen": when.isoformat() if when else None,
        "reliability": reliability,
        "notes": notes,
    }
    _record(data_dir, sha256, "source", content, token_file, supersedes, as_json)


@verify_app.command()
def geolocation(
    sha256: Sha,
    lat: Annotated[float, typer.Option(help="Verified latitude.")],
    lon: Annotated[float, typer.Option(help="Verified longitude.")],
    precision_m: Annotated[float, typer.Option(help="Precision, metres.")],
    method: Annotated[str, typer.Option(help="How it was geolocated.")],
    claimed_place: Annotated[str | None, typer.Option(help="The place as claimed.")] = None,
    reference: Annotated[
        list[str] | None, typer.Option(help="Reference imagery or landmark (repeat).")
    ] = None,
    confidence: Annotated[str | None, typer.Option(help="high, medium or low.")] = None,
    notes: Notes = None,
    supersedes: Supersedes = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record where the item shows."""
    content = {
        "lat": lat,
        "lon": lon,
        "precision_m": precision_m,
        "method": method,
        "claimed_place": claimed_place,
        "references": reference or [],
        "confidence": confidence,
        "notes": notes,
    }
    _record(data_dir, sha256, "geolocation", content, token_file, supersedes, as_json)


@verify_app.command()
def chronolocation(
    sha256: Sha,
    window_start: Annotated[str, typer.Option(help="Earliest time it can show (ISO).")],
    window_end: Annotated[str, typer.Option(help="Latest time it can show (ISO).")],
    method: Annotated[str, typer.Option(help="How the time was established.")],
    claimed_time: Annotated[str | None, typer.Option(help="Time as claimed (ISO).")] = None,
    metadata_time: Annotated[str | None, typer.Option(help="Time in metadata (ISO).")] = None,
    notes: Notes = None,
    supersedes: Supersedes = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record when the item was made, as a time window."""
    content: dict[str, Any] = {"method": method, "notes": notes}
    for key, value, option in (
        ("window_start", window_start, "--window-start"),
        ("window_end", window_end, "--window-end"),
        ("claimed_time", claimed_time, "--claimed-time"),
        ("metadata_time", metadata_time, "--metadata-time"),
    ):
        when = parse_time(value, option)
        content[key] = when.isoformat() if when else None
    _record(data_dir, sha256, "chronolocation", content, token_file, supersedes, as_json)


@verify_app.command()
def content(
    sha256: Sha,
    weapon: Annotated[str | None, typer.Option(help="Weapon identified.")] = None,
    remnants: Annotated[str | None, typer.Option(help="Munition remnants seen.")] = None,
    damage: Annotated[str | None, typer.Option(help="Damage seen.")] = None,
    injuries: Annotated[str | None, typer.Option(help="Injuries seen.")] = None,
    notes: Notes = None,
    supersedes: Supersedes = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record what the item shows: weapon, remnants, damage, injuries."""
    doc = {
        "weapon": weapon,
        "munition_remnants": remnants,
        "damage": damage,
        "injuries": injuries,
        "notes": notes,
    }
    _record(data_dir, sha256, "content", doc, token_file, supersedes, as_json)


@verify_app.command("status")
def item_status(
    sha256: Sha,
    target: Annotated[
        str,
        typer.Argument(
            help="An outcome to propose for review (verified, unverifiable, "
            "false_or_misattributed) or under_verification to reopen."
        ),
    ],
    reason: Reason = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Submit an item's verification for review, or reopen it."""
    from civwatch.incidents.verification import set_item_status

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        _item_view(set_item_status(ws, sha256, target, actor=actor, reason=reason), as_json)


@verify_app.command("review")
def item_review(
    sha256: Sha,
    decision: Annotated[str, typer.Argument(help="approve or reject.")],
    reason: Reason = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Approve or reject the proposed outcome (a verifier who wrote none of the records)."""
    from civwatch.incidents.verification import review_item

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.REVIEW, token_file)
        _item_view(review_item(ws, sha256, decision, actor=actor, reason=reason), as_json)


@verify_app.command("show")
def item_show(sha256: Sha, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """An item's verification: status, records, metadata checks, history."""
    from civwatch.incidents.verification import item_verification

    with workspace(data_dir) as ws:
        _item_view(item_verification(ws, sha256), as_json)
