"""Situation reports: totals, charts, newly published incidents and attacks on protected
objects over a week or any period, as one self-contained HTML file or a PDF.

Everything comes from the public projection (:mod:`civwatch.publish.public`): a report is
a public document and shows nothing a public page would not. The HTML carries its style
inline and its charts as ``data:`` images, so it can be mailed or archived as one file;
the PDF is the same HTML laid out by WeasyPrint. Reports are made on demand (``civwatch
sitrep``, the team's page ``/sitrep`` with its PDF and one-file downloads) and weekly by
the task queue (:data:`WEEKLY`, registered by :func:`register`), which writes
last week's report into ``<data>/reports/``.

A report is written in one language (Ukrainian or English: every catalogue present), its
words, dates, numbers, vocabulary labels and place names all in it; a published report
exists in every language, each file linking the others (:func:`write_reports`). The web
report speaks the reader's language and links its twins (``?lang=``). The period is
calendar days in UTC, as in the exports; times of incidents in Ukraine are Kyiv time.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from markupsafe import Markup

from civwatch import __version__
from civwatch.errors import RejectedInputError
from civwatch.files import write_atomic
from civwatch.geo.place_names import place_label
from civwatch.i18n import (
    _,
    available_languages,
    current_language,
    language_name,
    ngettext,
    use_language,
)
from civwatch.i18n import formatting as fmt
from civwatch.i18n.templating import file_templates
from civwatch.jobs.registry import Schedule, register_schedule
from civwatch.media.pdf import html_to_pdf
from civwatch.publish import charts, feeds
from civwatch.publish.public import iter_public_incidents
from civwatch.workspace import Workspace

TEMPLATES = Path(__file__).parent / "templates"
#: The longest period one report covers (a report is read by people, not a data dump).
MAX_DAYS = 366
_ENV = file_templates(TEMPLATES)
REPORT_CSS = (TEMPLATES / "sitrep.css").read_text(encoding="utf-8")
#: Served reports may use exactly their own inline style and data: images, nothing else.
_CSS_HASH = base64.b64encode(hashlib.sha256(REPORT_CSS.encode()).digest()).decode()
REPORT_CSP = (
    f"default-src 'none'; img-src data:; style-src 'sha256-{_CSS_HASH}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def last_week(today: date) -> tuple[date, date]:
    """The last full week (Monday to Sunday) before ``today``."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


def period(
    first: date | None, last: date | None, *, today: date | None = None
) -> tuple[date, date]:
    """The days a report covers (both included): as given, or last week when not given."""
    if first is None and last is None:
        return last_week(today or datetime.now(UTC).date())
    if first is None or last is None:
        raise RejectedInputError(
            _("Give both the first and the last day of the report, or neither.")
        )
    if last < first:
        raise RejectedInputError(_("The last day of the report is before its first day."))
    if (last - first).days + 1 > MAX_DAYS:
        raise RejectedInputError(
            ngettext(
                "A report covers at most %(num)s day.",
                "A report covers at most %(num)s days.",
                MAX_DAYS,
            )
        )
    return first, last


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _in(at: Any, first: date, last: date) -> bool:
    if at is None:
        return False
    when = feeds._when(at)
    return _midnight(first) <= when < _midnight(last + timedelta(days=1))


def _row(incident: Mapping[str, Any]) -> dict[str, Any]:
    """One incident as a line of the report's tables, in the language in force."""
    location = incident.get("location") or {}
    casualties = incident.get("casualties") or {}
    unknown = _("not known")
    start = incident.get("start")
    kyiv = fmt.in_ukraine(incident)
    return {
        "id": incident["id"],
        "title": incident.get("title") or "",
        "day": fmt.format_date(start, kyiv=kyiv),
        # TRANSLATORS: an incident's time of day outside Ukraine, e.g. "13:05 UTC".
        "time": fmt.format_time(start, kyiv=True)
        if kyiv
        else _("%(time)s UTC", time=fmt.format_time(start)),
        "iso": fmt.iso(start),
        "utc": fmt.utc_text(start),
        "place": place_label(
            location.get("place") or incident.get("oblast") or "", current_language()
        ),
        "type": charts.term_label("incident_type", incident.get("incident_type")),
        "objects": ", ".join(charts.term_label("object", o) for o in incident.get("objects") or ()),
        "killed": fmt.format_figure(casualties.get("killed")) or unknown,
        "injured": fmt.format_figure(casualties.get("injured")) or unknown,
        "url": incident.get("url") or f"/public/incidents/{incident['id']}",
    }


def _by_start(incidents: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(incidents, key=lambda i: (charts.start_of(i).isoformat(), i["id"]))


def build_report(
    ws: Workspace,
    first: date,
    last: date,
    *,
    base_url: str = "",
    language: str | None = None,
) -> dict[str, Any]:
    """What a report says about the days ``first`` to ``last`` (both included), in
    ``language`` (default: the one in force).

    Totals and charts cover incidents that happened in the period; "newly published"
    lists incidents first published in the period, whenever they happened.
    """
    with use_language(language or current_language()) as chosen:
        return _build(ws, first, last, base_url, chosen)


def _build(ws: Workspace, first: date, last: date, base_url: str, language: str) -> dict[str, Any]:
    first, last = period(first, last)
    happened: list[Mapping[str, Any]] = []
    published: list[Mapping[str, Any]] = []
    corrected: list[Mapping[str, Any]] = []
    for i in iter_public_incidents(ws):  # one pass, one state of the database
        if _in(i.get("start"), first, last):
            happened.append(i)
        if _in(i.get("published_at"), first, last):
            published.append(i)
        if any(
            h.get("kind") == "corrected" and _in(h.get("at"), first, last)
            for h in i.get("history") or ()
        ):
            corrected.append(i)
    happened, published, corrected = _by_start(happened), _by_start(published), _by_start(corrected)
    protected = [i for i in happened if charts.is_protected(i)]
    board = charts.dashboard(list(happened))
    return {
        "language": language,
        "organisation": ws.settings.organisation_name,
        "first": first,
        "last": last,
        "title": _("Situation report, %(days)s", days=fmt.format_date_range(first, last)),
        "generated": datetime.now(UTC),
        "version": __version__,
        "totals": board["totals"],
        "charts": board["charts"],
        "protected_totals": charts.totals(protected),
        "happened": [_row(i) for i in happened],
        "published": [_row(i) for i in published],
        "corrected": [_row(i) for i in corrected],
        "protected": [_row(i) for i in protected],
        # links to incident pages: on the public site when its address is configured
        "base_url": (base_url or ws.settings.public_base_url).rstrip("/"),
    }


def render_html(report: Mapping[str, Any], alternates: Mapping[str, str] | None = None) -> str:
    """The report as one self-contained HTML document in its language; ``alternates``
    (language code -> address) are the same report in other languages, linked at its top."""
    language = str(report.get("language") or current_language())
    others = [
        {"code": code, "name": language_name(code), "href": href}
        for code, href in (alternates or {}).items()
        if code != language
    ]
    with use_language(language):
        # The style sheet is a file of this package (never user text): inserted unescaped.
        return _ENV.get_template("sitrep.html").render(
            **report,
            alternates=others,
            css=Markup(REPORT_CSS),  # noqa: S704 - a file of this package, not user text
        )


def render_body(report: Mapping[str, Any]) -> Markup:
    """The report without its page around it (intro, totals, charts, tables, methodology),
    in its language: what the team's report page (``/sitrep``) shows inside the app.
    Everything in it is escaped by the template, charts are ``data:`` images."""
    language = str(report.get("language") or current_language())
    with use_language(language):
        html = _ENV.get_template("sitrep_body.html").render(**report)
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template


def web_alternates(first: date, last: date, file_format: str) -> dict[str, str]:
    """Links from a report served at ``/sitrep`` to the same report in every language."""
    return {
        code: f"/sitrep?from={first.isoformat()}&to={last.isoformat()}"
        f"&format={file_format}&lang={code}"
        for code in available_languages()
    }


def render_pdf(html: str) -> bytes:
    """The report as PDF (WeasyPrint; needs the Pango libraries of the system).

    The report loads nothing (its style is inline, its charts ``data:`` images), so no base
    address is given: relative links (the twin in another language, incident pages when no
    public address is configured) stay relative in the PDF, and a reader resolves them
    beside the file or on the site it came from, never as a path on the machine that
    wrote it."""
    return html_to_pdf(html)


def file_name(first: date, last: date, file_format: str, language: str | None = None) -> str:
    """ "sitrep-2024-03-04-to-2024-03-10.uk.pdf" (the language in force when not given)."""
    code = language or current_language()
    return f"sitrep-{first.isoformat()}-to-{last.isoformat()}.{code}.{file_format}"


def _suffix(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise RejectedInputError(
            _("%(name)s: the report file must end in .html or .pdf.", name=out.name)
        )
    return suffix


def write_report(
    ws: Workspace,
    first: date,
    last: date,
    out: Path,
    *,
    base_url: str = "",
    language: str | None = None,
    alternates: Mapping[str, str] | None = None,
) -> Path:
    """Write the report in ``language`` to ``out``: PDF if it ends in .pdf, HTML if .html
    or .htm; ``alternates`` link the same report in other languages."""
    suffix = _suffix(out)
    report = build_report(ws, first, last, base_url=base_url, language=language)
    html = render_html(report, alternates)
    write_atomic(out, render_pdf(html) if suffix == ".pdf" else html.encode("utf-8"))
    return out


def language_path(out: Path, language: str) -> Path:
    """Where the ``language`` twin of ``out`` goes: "r.pdf" -> "r.uk.pdf"."""
    return out.with_name(f"{out.stem}.{language}{out.suffix}")


def write_reports(
    ws: Workspace,
    first: date,
    last: date,
    out: Path,
    *,
    base_url: str = "",
    languages: Iterable[str] | None = None,
) -> list[Path]:
    """The report in every language (default: all offered) beside ``out``, one file per
    language ("r.uk.pdf", "r.en.pdf"), each linking the others by file name."""
    _suffix(out)
    chosen = list(languages or available_languages())
    paths = {code: language_path(out, code) for code in chosen}
    siblings = {code: path.name for code, path in paths.items()}
    return [
        write_report(ws, first, last, path, base_url=base_url, language=code, alternates=siblings)
        for code, path in paths.items()
    ]


def write_weekly_report(ws: Workspace, *, today: date | None = None) -> list[Path]:
    """Last week's report as HTML and PDF in every language in ``<data>/reports/`` (the
    scheduled run), each file linking its twins in the other languages."""
    first, last = last_week(today or datetime.now(UTC).date())
    folder = ws.data_dir / "reports"
    languages = available_languages()
    written = []
    for code in languages:
        report = build_report(ws, first, last, language=code)
        for file_format in ("html", "pdf"):
            siblings = {other: file_name(first, last, file_format, other) for other in languages}
            html = render_html(report, siblings)
            data = render_pdf(html) if file_format == "pdf" else html.encode("utf-8")
            path = folder / siblings[code]
            write_atomic(path, data)
            written.append(path)
    return written


#: The weekly report's task: Mondays 06:00 UTC.
WEEKLY = Schedule(
    "civwatch.weekly-sitrep",
    lambda ws: [str(p) for p in write_weekly_report(ws)],
    {"day_of_week": "1", "hour": "6", "minute": "0"},
)


def register() -> None:
    """Register the weekly report with the task queue (see :mod:`civwatch.jobs.registry`)."""
    register_schedule(WEEKLY.name, WEEKLY.run, **WEEKLY.when)


def register_weekly_task(huey: Any, open_workspace: Callable[[], Workspace]) -> Any:
    """Add the weekly report (Mondays 06:00 UTC) to ``huey`` as a periodic task on the
    workspace ``open_workspace()`` returns; the consumer must run with periodic tasks
    enabled for it to fire. Returns the task."""
    from civwatch.jobs.queue import add_schedule

    return add_schedule(huey, WEEKLY, open_workspace)
