"""Commands on incidents (``civwatch incident ...``) and on the verification of evidence
items (``civwatch verify-item ...``). Acts are done as the user of the API token given in
``CIVWATCH_TOKEN`` (or with ``--token-file FILE``), with the permission its role allows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import AsJson, DataDir, TokenFile, acting, emit, out, parse_time, workspace

Reason = Annotated[str | None, typer.Option(help="Why (needed to reject, reopen, unlink).")]
IncidentId = Annotated[int, typer.Argument(help="Incident number.")]
Sha = Annotated[str, typer.Argument(help="Evidence SHA-256 (or 8+ leading digits).")]
Supersedes = Annotated[int | None, typer.Option(help="Number of the record this one corrects.")]
Notes = Annotated[str | None, typer.Option(help="Method notes.")]

incident_app = typer.Typer(no_args_is_help=True, help="Incidents: record, link, verify, count.")
verify_app = typer.Typer(
    no_args_is_help=True, help="Verification records and two-person review of evidence items."
)
places_app = typer.Typer(no_args_is_help=True, help="Protected places (hospitals, schools...).")
vocab_app = typer.Typer(no_args_is_help=True, help="Controlled vocabularies.")
incident_app.add_typer(places_app, name="places")
incident_app.add_typer(vocab_app, name="vocab")


def _summary_line(d: dict[str, Any]) -> str:
    killed = d.get("killed")
    k = "?" if not killed else f"{killed['min']}-{killed['max']}"
    return (
        f"#{d['id']}  {d['start'][:16]}  \\[{d['status']}/{d['visibility']}]  "
        f"{escape(d['title'])}  ({escape(str(d.get('settlement') or ''))}; killed {k})"
    )


def _show(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(doc)
        return
    out.print(f"[bold]{_summary_line(doc)}[/]")
    if doc.get("proposed_status"):
        out.print(f"in review, proposed: {doc['proposed_status']}")
    change = doc.get("change")
    if change:
        fields = ", ".join(d["field"] for d in change["diff"])
        out.print(
            f"change {change['state']} (revision {change['revision']} by "
            f"{change['proposed_by']}): {fields}"
        )
    out.print(
        f"type {doc['incident_type']}; weapons {', '.join(doc['weapons']) or '-'}; "
        f"objects {', '.join(doc['objects']) or '-'}"
    )
    out.print(
        f"{len(doc['evidence'])} evidence item(s), "
        f"{doc['independent_sources']} independent source(s)"
    )
    for e in doc["evidence"]:
        out.print(f"  {e['sha256'][:16]} {e['role']} \\[{e['verification_status']}]")
    for h in doc["history"]:
        reason = f": {escape(h['reason'])}" if h["reason"] else ""
        out.print(f"  {h['at'][:19]} {h['actor']} {h['act']} {h['from']} -> {h['to']}{reason}")


def _doc(
    *,
    new: bool,
    title: str | None,
    narrative: str | None,
    start: str | None,
    end: str | None,
    precision: str | None,
    lat: float | None,
    lon: float | None,
    radius_m: float | None,
    settlement: str | None,
    oblast: str | None,
    incident_type: str | None,
    weapon: list[str] | None,
    object_: list[str] | None,
    figure: list[str] | None,
    perpetrator: str | None,
    confidence: str | None,
    concern: list[str] | None,
) -> dict[str, Any]:
    """The options given, checked as one incident input (the API's and the form's)."""
    from civwatch.incidents.casualties import parse_figures
    from civwatch.incidents.input import incident_fields

    given: dict[str, Any] = {
        "title": title,
        "narrative": narrative,
        "start": start,
        "end": end,
        "time_precision": precision,
        "lat": lat,
        "lon": lon,
        "radius_m": radius_m,
        "settlement": settlement,
        "oblast": oblast,
        "incident_type": incident_type,
        "weapons": weapon or None,
        "objects": object_ or None,
        "casualties": parse_figures(figure) if figure else None,
        "perpetrator": perpetrator,
        "perpetrator_confidence": confidence,
        "ihl_concerns": concern or None,
    }
    return incident_fields({k: v for k, v in given.items() if v is not None}, new=new)


Title = Annotated[str | None, typer.Option(help="Short title.")]
Narrative = Annotated[str | None, typer.Option(help="What happened, in words.")]
Start = Annotated[str | None, typer.Option(help="Start time, ISO 8601 with zone.")]
End = Annotated[str | None, typer.Option(help="End time (default: the start).")]
Precision = Annotated[
    str | None, typer.Option("--precision", help="exact, hour, day or approximate.")
]
Lat = Annotated[float | None, typer.Option(help="Latitude, degrees.")]
Lon = Annotated[float | None, typer.Option(help="Longitude, degrees.")]
Radius = Annotated[float | None, typer.Option(help="Location precision radius, metres.")]
Settlement = Annotated[str | None, typer.Option(help="Settlement (default: gazetteer).")]
Oblast = Annotated[str | None, typer.Option(help="Oblast (default: gazetteer).")]
Type = Annotated[str | None, typer.Option("--type", help="Incident type, e.g. missile_strike.")]
Weapon = Annotated[list[str] | None, typer.Option(help="Weapon system (repeat).")]
Object = Annotated[list[str] | None, typer.Option("--object", help="Object affected (repeat).")]
Figure = Annotated[
    list[str] | None,
    typer.Option(help="Casualty figure KIND[.GROUP]=MIN[-MAX][@SOURCE], e.g. killed=3-5@Police."),
]
ObjectFilter = Annotated[str | None, typer.Option("--object", help="Only incidents affecting it.")]
Perpetrator = Annotated[str | None, typer.Option(help="Alleged perpetrator.")]
Confidence = Annotated[
    str | None, typer.Option("--confidence", help="confirmed, likely or unclear.")
]
Concern = Annotated[list[str] | None, typer.Option(help="IHL concern (repeat).")]


@incident_app.command()
def create(
    title: Title = None,
    narrative: Narrative = None,
    start: Start = None,
    end: End = None,
    precision: Precision = None,
    lat: Lat = None,
    lon: Lon = None,
    radius_m: Radius = None,
    settlement: Settlement = None,
    oblast: Oblast = None,
    incident_type: Type = None,
    weapon: Weapon = None,
    object_: Object = None,
    figure: Figure = None,
    perpetrator: Perpetrator = None,
    confidence: Confidence = None,
    concern: Concern = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record a new incident (status reported, internal)."""
    from civwatch.incidents.service import create_incident

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        doc = _doc(
            new=True,
            title=title,
            narrative=narrative,
            start=start,
            end=end,
            precision=precision,
            lat=lat,
            lon=lon,
            radius_m=radius_m,
            settlement=settlement,
            oblast=oblast,
            incident_type=incident_type,
            weapon=weapon,
            object_=object_,
            figure=figure,
            perpetrator=perpetrator,
            confidence=confidence,
            concern=concern,
        )
        _show(create_incident(ws, doc, actor=actor), as_json)


@incident_app.command()
def update(
    incident_id: IncidentId,
    title: Title = None,
    narrative: Narrative = None,
    start: Start = None,
    end: End = None,
    precision: Precision = None,
    lat: Lat = None,
    lon: Lon = None,
    radius_m: Radius = None,
    settlement: Settlement = None,
    oblast: Oblast = None,
    incident_type: Type = None,
    weapon: Weapon = None,
    object_: Object = None,
    figure: Figure = None,
    perpetrator: Perpetrator = None,
    confidence: Confidence = None,
    concern: Concern = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record a new revision of an incident (lists given replace the old ones)."""
    from civwatch.incidents.service import update_incident

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        doc = _doc(
            new=False,
            title=title,
            narrative=narrative,
            start=start,
            end=end,
            precision=precision,
            lat=lat,
            lon=lon,
            radius_m=radius_m,
            settlement=settlement,
            oblast=oblast,
            incident_type=incident_type,
            weapon=weapon,
            object_=object_,
            figure=figure,
            perpetrator=perpetrator,
            confidence=confidence,
            concern=concern,
        )
        _show(update_incident(ws, incident_id, doc, actor=actor), as_json)


@incident_app.command()
def show(incident_id: IncidentId, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """One incident: content, evidence, independent sources, history."""
    from civwatch.incidents.service import get_incident

    with workspace(data_dir) as ws:
        _show(get_incident(ws, incident_id), as_json)


def _period(value: str | None, option: str) -> datetime | None:
    return parse_time(value, option)


@incident_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    visibility: Annotated[str | None, typer.Option(help="internal or public.")] = None,
    oblast: Oblast = None,
    incident_type: Type = None,
    object_: ObjectFilter = None,
    since: Annotated[str | None, typer.Option("--from", help="Start at or after (ISO).")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Start before (ISO).")] = None,
    limit: Annotated[int, typer.Option(help="Most incidents shown.")] = 100,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Incidents, newest first; --json prints a list of objects."""
    from civwatch.incidents.service import list_incidents

    with workspace(data_dir) as ws:
        page = list_incidents(
            ws,
            status=status,
            visibility=visibility,
            oblast=oblast,
            incident_type=incident_type,
            object_=object_,
            start_from=_period(since, "--from"),
            start_to=_period(until, "--to"),
            limit=limit,
        )
    if as_json:
        emit(page["incidents"])
        return
    for d in page["incidents"]:
        out.print(_summary_line(d))
    out.print(f"{len(page['incidents'])} of {page['total']} incident(s)")


@incident_app.command()
def link(
    incident_id: IncidentId,
    sha256: Sha,
    role: Annotated[str, typer.Option(help="primary, corroborating or context.")] = "corroborating",
    note: Annotated[str, typer.Option(help="Why it belongs.")] = "",
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Link an evidence item to an incident (again: change its role or note)."""
    from civwatch.incidents.service import link_evidence

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        _show(link_evidence(ws, incident_id, sha256, role=role, note=note, actor=actor), as_json)


@incident_app.command()
def unlink(
    incident_id: IncidentId,
    sha256: Sha,
    reason: Reason = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Remove a link (recorded, with the reason)."""
    from civwatch.incidents.service import unlink_evidence

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        _show(unlink_evidence(ws, incident_id, sha256, reason=reason or "", actor=actor), as_json)


@incident_app.command()
def status(
    incident_id: IncidentId,
    target: Annotated[
        str,
        typer.Argument(
            help="under_verification (start or reopen), or an outcome to propose for review: "
            "verified, unverifiable, false_or_misattributed."
        ),
    ],
    reason: Reason = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Move an incident one step through verification."""
    from civwatch.incidents.workflow import set_incident_status

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.INCIDENTS_WRITE, token_file)
        _show(set_incident_status(ws, incident_id, target, actor=actor, reason=reason), as_json)


@incident_app.command()
def review(
    incident_id: IncidentId,
    decision: Annotated[str, typer.Argument(help="approve or reject.")],
    reason: Reason = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Approve or reject the outcome proposed for an incident (a second verifier)."""
    from civwatch.incidents.workflow import review_incident

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.REVIEW, token_file)
        _show(review_incident(ws, incident_id, decision, actor=actor, reason=reason), as_json)


@incident_app.command()
def stats(
    by: Annotated[str | None, typer.Option(help="Also a time series: day or week.")] = None,
    status_: Annotated[
        list[str] | None, typer.Option("--status", help="Statuses (repeat).")
    ] = None,
    visibility: Annotated[str | None, typer.Option(help="internal or public.")] = None,
    oblast: Oblast = None,
    incident_type: Type = None,
    object_: ObjectFilter = None,
    since: Annotated[str | None, typer.Option("--from", help="Start at or after (ISO).")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Start before (ISO).")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Casualty totals (sum of minima - sum of maxima) and incidents counted, over a filter."""
    from civwatch.incidents.aggregate import casualty_totals, time_series

    filters: dict[str, Any] = {
        "statuses": status_ or None,
        "visibility": visibility,
        "oblast": oblast,
        "incident_type": incident_type,
        "object_": object_,
        "start_from": _period(since, "--from"),
        "start_to": _period(until, "--to"),
    }
    with workspace(data_dir) as ws:
        doc = casualty_totals(ws, **filters)
        if by:
            doc["series"] = time_series(ws, by, **filters)["series"]
            doc["period"] = by
    if as_json:
        emit(doc)
        return
    k, i = doc["killed"], doc["injured"]
    out.print(
        f"{doc['incidents']} incident(s): killed {k['min']}-{k['max']} "
        f"(figures for {k['incidents_with_figure']}), injured {i['min']}-{i['max']} "
        f"(figures for {i['incidents_with_figure']})"
    )
    for row in doc.get("series", []):
        out.print(
            f"  {row['period']}  {row['incidents']} incident(s)  killed "
            f"{row['killed']['min']}-{row['killed']['max']}  injured "
            f"{row['injured']['min']}-{row['injured']['max']}"
        )


@incident_app.command()
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
        out.print("No incident fits this item.")
    for s in doc["suggestions"]:
        out.print(f"{s['score']:.2f}  {_summary_line(s['incident'])}")
        for reason in s["reasons"]:
            out.print(f"      {escape(reason)}")


@incident_app.command()
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
    emit(doc) if as_json else out.print(f"linked to incident {incident_id}")


@incident_app.command()
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
    emit(doc) if as_json else out.print(f"dismissed incident {incident_id}")


@places_app.command("import")
def places_import(
    path: Annotated[Path, typer.Argument(help="CSV with header id,name,kind,lat,lon.")],
    source: Annotated[str, typer.Option(help="Name of the list, e.g. 'health ministry 2024'.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Import protected places; rows already imported from the source are skipped."""
    from civwatch.incidents.places import import_places

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.REFERENCE_MANAGE, token_file)
        doc = import_places(ws, path, source=source, actor=actor)
    if as_json:
        emit(doc)
    else:
        out.print(
            f"{doc['imported']} imported, {doc['already_present']} already present, "
            f"{len(doc['rejected'])} rejected"
        )
        for r in doc["rejected"]:
            out.print(f"  line {r['line']}: {escape(r['reason'])}")
    raise typer.Exit(1 if doc["rejected"] else 0)


@places_app.command("near")
def places_near(
    incident_id: IncidentId,
    radius_m: Annotated[
        float, typer.Option(help="Radius beyond the location's precision, m.")
    ] = 500,
    kind: Annotated[list[str] | None, typer.Option(help="Only these kinds (repeat).")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Protected places near an incident, nearest first."""
    from civwatch.incidents.places import places_near_incident

    with workspace(data_dir) as ws:
        doc = places_near_incident(ws, incident_id, radius_m, kinds=kind)
    if as_json:
        emit(doc)
        return
    for p in doc["places"]:
        out.print(f"{p['distance_m']:>8} m  {p['kind']}  {escape(p['name'])}")
    out.print(f"{len(doc['places'])} place(s) within {doc['radius_m']:g} m")


@vocab_app.command("list")
def vocab_list(
    kind: Annotated[
        str | None, typer.Argument(help="incident_type, weapon, object, ihl_concern")
    ] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Known terms."""
    from civwatch.incidents.terms import list_terms

    with workspace(data_dir) as ws:
        terms = list_terms(ws, kind)
    if as_json:
        emit(terms)
        return
    for t in terms:
        out.print(f"{t['kind']:<14} {t['code']:<24} {escape(t['label'])}")


@vocab_app.command("add")
def vocab_add(
    kind: Annotated[str, typer.Argument(help="incident_type, weapon, object, ihl_concern")],
    label: Annotated[str, typer.Argument(help="The term as people write it, e.g. Kh-59.")],
    code: Annotated[str | None, typer.Option(help="Code (default: from the label).")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a term to a vocabulary (admin)."""
    from civwatch.incidents.terms import add_term

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.REFERENCE_MANAGE, token_file)
        doc = add_term(ws, kind, label, code=code, actor=actor)
    emit(doc) if as_json else out.print(f"added {doc['kind']} {doc['code']}")


# --- verify-item ---------------------------------------------------------------------------


def _item_view(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(doc)
        return
    proposed = f" (proposed {doc['proposed_status']})" if doc.get("proposed_status") else ""
    out.print(f"[bold]{doc['sha256']}[/] {doc['status']}{proposed}")
    for r in doc["records"]:
        mark = " [dim](superseded)[/]" if r["superseded"] else ""
        out.print(f"  #{r['id']} {r['kind']} by {r['author']} at {r['at'][:19]}{mark}")
    for c in doc["checks"]:
        colour = "yellow" if c["flagged"] else "green"
        out.print(f"  [{colour}]{c['check']}[/]: {escape(c['explanation'])}")
    for h in doc["history"]:
        reason = f": {escape(h['reason'])}" if h["reason"] else ""
        out.print(f"  {h['at'][:19]} {h['actor']} {h['act']} {h['from']} -> {h['to']}{reason}")


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
    emit(doc) if as_json else out.print(f"record #{doc['id']} ({kind}) added")


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
