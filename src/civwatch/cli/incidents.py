"""Commands on incidents (``civwatch incident ...``): record, revise, link, move through
verification, count, and evidence suggested for them; protected places and vocabularies
are its subcommands ``places`` and ``vocab`` (:mod:`civwatch.cli.places`,
:mod:`civwatch.cli.vocab`), the verification of evidence items is
:mod:`civwatch.cli.verify_items`. Acts are done as the user of the API token given in
``CIVWATCH_TOKEN`` (or with ``--token-file FILE``), with the permission its role allows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

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
    history_line,
    incident_line,
    out,
    parse_time,
    workspace,
)
from civwatch.cli.places import places_app
from civwatch.cli.suggestions import suggestions_app
from civwatch.cli.vocab import vocab_app
from civwatch.i18n import _, ngettext

incident_app = typer.Typer(no_args_is_help=True, help="Incidents: record, link, verify, count.")
# suggest, confirm and dismiss are commands of ``incident`` itself (listed before the groups)
incident_app.add_typer(suggestions_app)
incident_app.add_typer(places_app, name="places")
incident_app.add_typer(vocab_app, name="vocab")


def _show(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(doc)
        return
    out.print(f"[bold]{incident_line(doc)}[/]")
    if doc.get("proposed_status"):
        out.print(_("in review, proposed: %(status)s", status=doc["proposed_status"]))
    change = doc.get("change")
    if change:
        # TRANSLATORS: a change to a concluded incident: its state (a code), the revision
        # it proposes, who proposed it, and the fields it changes (codes).
        out.print(
            _(
                "change %(state)s (revision %(revision)s by %(who)s): %(fields)s",
                state=change["state"],
                revision=change["revision"],
                who=change["proposed_by"],
                fields=", ".join(d["field"] for d in change["diff"]),
            )
        )
    # TRANSLATORS: an incident's type, weapons and objects affected (codes; "-": none).
    out.print(
        _(
            "type %(type)s; weapons %(weapons)s; objects %(objects)s",
            type=doc["incident_type"],
            weapons=", ".join(doc["weapons"]) or "-",
            objects=", ".join(doc["objects"]) or "-",
        )
    )
    # TRANSLATORS: the evidence items linked to an incident, then a second sentence with
    # how many independent sources they come from.
    out.print(
        ngettext(
            "%(num)s evidence item, %(sources)s",
            "%(num)s evidence items, %(sources)s",
            len(doc["evidence"]),
            sources=ngettext(
                "%(num)s independent source",
                "%(num)s independent sources",
                doc["independent_sources"],
            ),
        )
    )
    for e in doc["evidence"]:
        out.print(f"  {e['sha256'][:16]} {e['role']} \\[{e['verification_status']}]")
    for h in doc["history"]:
        out.print("  " + history_line(h))


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
        out.print(incident_line(d))
    out.print(
        ngettext(
            "%(shown)s of %(num)s incident",
            "%(shown)s of %(num)s incidents",
            page["total"],
            shown=len(page["incidents"]),
        )
    )


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


def _summed(figure: dict[str, Any]) -> str:
    """A summed range as the text output writes it: "not known" when no incident gave a
    figure (never "0-0")."""
    if not figure.get("incidents_with_figure", 1):
        return _("not known")
    return f"{figure['min']}-{figure['max']}"


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
    # TRANSLATORS: casualty totals over the incidents counted: ranges of people killed and
    # injured ("3-5"), and how many incidents gave a figure for each.
    out.print(
        ngettext(
            "%(num)s incident: killed %(killed)s (figures for %(killed_figures)s), injured "
            "%(injured)s (figures for %(injured_figures)s)",
            "%(num)s incidents: killed %(killed)s (figures for %(killed_figures)s), injured "
            "%(injured)s (figures for %(injured_figures)s)",
            doc["incidents"],
            killed=_summed(k),
            killed_figures=k["incidents_with_figure"],
            injured=_summed(i),
            injured_figures=i["incidents_with_figure"],
        )
    )
    for row in doc.get("series", []):
        # TRANSLATORS: one period (a day or a week) of a time series.
        out.print(
            "  "
            + ngettext(
                "%(period)s  %(num)s incident  killed %(killed)s  injured %(injured)s",
                "%(period)s  %(num)s incidents  killed %(killed)s  injured %(injured)s",
                row["incidents"],
                period=row["period"],
                killed=_summed(row["killed"]),
                injured=_summed(row["injured"]),
            )
        )
