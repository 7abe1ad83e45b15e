"""Feeds of newly published and corrected incidents: Atom (RFC 4287) and JSON Feed 1.1.

One entry per public incident, newest change first: ``published`` is when it was first
published, ``updated`` its latest publication or correction; the entry's text ends with
its corrections ("Corrected on DATE: TEXT"), so a reader sees what changed. Entries come
from the public projection (:mod:`civwatch.publish.public`) only. Atom is written with
:mod:`xml.etree.ElementTree` (escaping is the serialiser's job); JSON Feed is plain JSON.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from civwatch.i18n import _, current_language
from civwatch.i18n.formatting import format_date
from civwatch.publish.charts import start_of, term_label

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
#: Entries in a feed (readers poll; older changes are on the site and in the open data).
FEED_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _when(value: Any) -> datetime:
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def changes(incident: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The incident's publications and corrections, oldest first, times as datetimes."""
    found = [
        {"at": _when(h["at"]), "kind": str(h.get("kind") or ""), "note": str(h.get("note") or "")}
        for h in incident.get("history") or ()
        if h.get("kind") in ("published", "corrected")
    ]
    return sorted(found, key=lambda h: h["at"])


def published_at(incident: Mapping[str, Any]) -> datetime:
    found = changes(incident)
    return found[0]["at"] if found else EPOCH


def updated_at(incident: Mapping[str, Any]) -> datetime:
    found = changes(incident)
    return found[-1]["at"] if found else EPOCH


def newest_changes(
    incidents: Iterable[Mapping[str, Any]], size: int = FEED_SIZE
) -> list[Mapping[str, Any]]:
    """The ``size`` incidents published or corrected last, newest first."""
    return sorted(incidents, key=lambda i: (updated_at(i), i.get("id") or 0), reverse=True)[:size]


def _date(at: datetime) -> str:
    return format_date(at)


def _figures_text(killed: str | None, injured: str | None) -> str | None:
    """The casualty ranges of an entry as one sentence, or None without a figure."""
    if killed is not None and injured is not None:
        return _(
            "People killed: %(killed)s; injured: %(injured)s (ranges: lowest and highest "
            "credible count).",
            killed=killed,
            injured=injured,
        )
    if killed is not None:
        return _(
            "People killed: %(killed)s (ranges: lowest and highest credible count).",
            killed=killed,
        )
    if injured is not None:
        return _(
            "People injured: %(injured)s (ranges: lowest and highest credible count).",
            injured=injured,
        )
    return None


def feed_title(organisation: str) -> str:
    """The title of the feeds, in the language in force."""
    return _("%(organisation)s: verified incidents", organisation=organisation)


def feed_subtitle() -> str:
    """What the feeds hold, in the language in force."""
    return _("Incidents newly published or corrected after verification.")


def entry_text(incident: Mapping[str, Any]) -> str:
    """Plain text of an entry: when, where, what, casualty ranges, narrative, corrections."""
    from civwatch.publish.sharecard import figure_text

    location = incident.get("location") or {}
    place = location.get("place") or incident.get("settlement") or incident.get("oblast") or ""
    parts = [
        f"{_date(start_of(incident))}, {place}".strip(", "),
        term_label("incident_type", incident.get("incident_type")),
    ]
    casualties = incident.get("casualties") or {}
    figures = _figures_text(
        figure_text(casualties.get("killed")), figure_text(casualties.get("injured"))
    )
    if figures:
        parts.append(figures)
    if incident.get("narrative"):
        parts.append(str(incident["narrative"]))
    for change in changes(incident):
        if change["kind"] == "corrected":
            parts.append(
                _("Corrected on %(date)s: %(note)s", date=_date(change["at"]), note=change["note"])
            )
    return "\n\n".join(p for p in parts if p)


def _url(base_url: str, incident: Mapping[str, Any]) -> str:
    return f"{base_url.rstrip('/')}/public/incidents/{incident['id']}"


def atom_feed(
    incidents: Iterable[Mapping[str, Any]],
    *,
    base_url: str,
    organisation: str,
    link_base: str | None = None,
) -> bytes:
    """The Atom document (UTF-8) of the incidents published or corrected last.

    ``base_url`` is absolute (the ids: an Atom id must be an absolute IRI); links start
    with ``link_base`` (default ``base_url``; ``""`` makes them relative, which Atom
    allows). Neither may come from a request: see ``Settings.public_base_url``.
    """
    chosen = newest_changes(incidents)
    base = base_url.rstrip("/")
    links = base if link_base is None else link_base.rstrip("/")
    ET.register_namespace("", ATOM_NS)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"xml:lang": current_language()})
    el(feed, "id", f"{base}/public/feed.atom")
    el(feed, "title", feed_title(organisation))
    el(feed, "subtitle", feed_subtitle())
    newest = updated_at(chosen[0]) if chosen else EPOCH
    el(feed, "updated", newest.isoformat())
    author = el(feed, "author")
    el(author, "name", organisation)
    el(feed, "link", rel="self", href=f"{links}/public/feed.atom", type="application/atom+xml")
    el(feed, "link", rel="alternate", href=f"{links}/public", type="text/html")
    el(feed, "generator", "civwatch")
    for incident in chosen:
        entry = el(feed, "entry")
        el(entry, "id", _url(base, incident))
        el(entry, "title", str(incident.get("title") or ""))
        el(entry, "published", published_at(incident).isoformat())
        el(entry, "updated", updated_at(incident).isoformat())
        el(entry, "link", rel="alternate", href=_url(links, incident), type="text/html")
        el(
            entry,
            "category",
            term=str(incident.get("incident_type") or "other"),
            label=term_label("incident_type", incident.get("incident_type")),
        )
        el(entry, "content", entry_text(incident), type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def json_feed(incidents: Iterable[Mapping[str, Any]], *, base_url: str, organisation: str) -> bytes:
    """The JSON Feed 1.1 document (UTF-8) of the incidents published or corrected last.

    Its URLs are absolute, from ``base_url`` (never from a request)."""
    base = base_url.rstrip("/")
    items = []
    for incident in newest_changes(incidents):
        url = _url(base, incident)
        items.append(
            {
                "id": url,
                "url": url,
                "title": str(incident.get("title") or ""),
                "content_text": entry_text(incident),
                "date_published": published_at(incident).isoformat(),
                "date_modified": updated_at(incident).isoformat(),
                "image": f"{url}/card.png",
                "tags": [term_label("incident_type", incident.get("incident_type"))],
            }
        )
    doc = {
        "version": JSON_FEED_VERSION,
        "title": feed_title(organisation),
        "description": feed_subtitle(),
        "home_page_url": f"{base}/public",
        "feed_url": f"{base}/public/feed.json",
        "language": current_language(),
        "authors": [{"name": organisation}],
        "items": items,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()
