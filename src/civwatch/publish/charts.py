"""Casualty dashboards as server-side SVG charts, drawn from public incidents only.

Figures are ranges, so every chart shows ranges: a solid bar up to the sum of the minima
and a lighter bar on to the sum of the maxima, labelled "min–max". Incidents without a
figure add nothing to the bars and are counted apart. The input is the list of dicts that
:mod:`civwatch.publish.public` returns; nothing here reads the database.

The SVG is built with :mod:`xml.etree.ElementTree` (text is escaped by the serialiser) and
uses presentation attributes only, never ``style``, so it passes a strict CSP. Pages embed
it as a ``data:`` image with an alternative text and the same figures as a table.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from civwatch.incidents.vocabulary import BUILTIN

SVG_NS = "http://www.w3.org/2000/svg"
Kind = Literal["killed", "injured"]
KINDS: tuple[Kind, ...] = ("killed", "injured")
#: Objects that international humanitarian law protects specially (or whose attack is a
#: concern of its own): medical units, schools, shelters, humanitarian sites, cultural
#: property, places of worship and objects indispensable to survival (water).
PROTECTED_OBJECTS = frozenset(
    {
        "hospital",
        "school",
        "kindergarten",
        "shelter",
        "humanitarian",
        "cultural",
        "worship",
        "water",
    }
)
COLOURS = {"killed": ("#8c1d18", "#e3a8a4"), "injured": ("#7a4d00", "#f0c987")}


def term_label(kind: str, code: str | None) -> str:
    """The label of a vocabulary code ("missile_strike" -> "Missile strike")."""
    if not code:
        return "Not known"
    return BUILTIN.get(kind, {}).get(code, code.replace("_", " ").capitalize())


@dataclass
class Range:
    """A summed casualty figure: at least ``low``, at most ``high``, from ``incidents``."""

    low: int = 0
    high: int = 0
    incidents: int = 0

    def add(self, figure: Mapping[str, Any] | None) -> None:
        if not figure or figure.get("min") is None:
            return
        low = int(figure["min"])
        high = figure.get("max")
        self.low += low
        self.high += low if high is None else int(high)
        self.incidents += 1

    @property
    def text(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


@dataclass
class Group:
    """Incidents of one month, oblast or type, and their casualty ranges."""

    key: str
    label: str
    incidents: int = 0
    killed: Range = field(default_factory=Range)
    injured: Range = field(default_factory=Range)

    def add(self, incident: Mapping[str, Any]) -> None:
        self.incidents += 1
        casualties = incident.get("casualties") or {}
        self.killed.add(casualties.get("killed"))
        self.injured.add(casualties.get("injured"))

    def figure(self, kind: Kind) -> Range:
        return self.killed if kind == "killed" else self.injured


def start_of(incident: Mapping[str, Any]) -> datetime:
    """An incident's start as a datetime (the projection may give ISO text)."""
    value = incident.get("start")
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value))


def _group(
    incidents: Iterable[Mapping[str, Any]],
    key: Callable[[Mapping[str, Any]], str],
    label: Callable[[str], str],
) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for incident in incidents:
        k = key(incident)
        if k not in groups:
            groups[k] = Group(k, label(k))
        groups[k].add(incident)
    return groups


def _month_label(key: str) -> str:
    return datetime.strptime(key, "%Y-%m").strftime("%b %Y")


def by_month(incidents: Iterable[Mapping[str, Any]]) -> list[Group]:
    """Per calendar month of the start (UTC), oldest first, months without incidents shown."""
    groups = _group(incidents, lambda i: start_of(i).strftime("%Y-%m"), _month_label)
    if not groups:
        return []
    first, last = min(groups), max(groups)
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        k = f"{year:04d}-{month:02d}"
        out.append(groups.get(k) or Group(k, _month_label(k)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _by_count(groups: dict[str, Group]) -> list[Group]:
    return sorted(groups.values(), key=lambda g: (-g.incidents, -g.killed.high, g.label))


def by_oblast(incidents: Iterable[Mapping[str, Any]]) -> list[Group]:
    """Per oblast, most incidents first."""
    return _by_count(
        _group(incidents, lambda i: str(i.get("oblast") or ""), lambda k: k or "Not known")
    )


def by_type(incidents: Iterable[Mapping[str, Any]]) -> list[Group]:
    """Per incident type, most incidents first."""
    return _by_count(
        _group(
            incidents,
            lambda i: str(i.get("incident_type") or ""),
            lambda k: term_label("incident_type", k),
        )
    )


def totals(incidents: Iterable[Mapping[str, Any]]) -> Group:
    """All incidents together."""
    total = Group("all", "All incidents")
    for incident in incidents:
        total.add(incident)
    return total


def is_protected(incident: Mapping[str, Any]) -> bool:
    """Whether the incident affected a specially protected object."""
    return bool(PROTECTED_OBJECTS & set(incident.get("objects") or ()))


# -- drawing ---------------------------------------------------------------------------

ROW = 26
LABEL_W = 170
BAR_W = 330
VALUE_W = 110
WIDTH = LABEL_W + BAR_W + VALUE_W
TOP = 40


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    node = ET.SubElement(
        parent, f"{{{SVG_NS}}}{tag}", {k.replace("_", "-"): str(v) for k, v in attrs.items()}
    )
    if text is not None:
        node.text = text
    return node


def _clip(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def range_chart(title: str, groups: list[Group], kind: Kind) -> str:
    """A horizontal bar chart of the ``kind`` ranges of each group, as SVG text."""
    solid, light = COLOURS[kind]
    height = TOP + ROW * max(len(groups), 1) + 30
    scale_max = max((g.figure(kind).high for g in groups), default=0) or 1
    ET.register_namespace("", SVG_NS)
    svg = ET.Element(
        f"{{{SVG_NS}}}svg",
        {
            "width": str(WIDTH),
            "height": str(height),
            "viewBox": f"0 0 {WIDTH} {height}",
            "role": "img",
            "font-family": "DejaVu Sans, Verdana, sans-serif",
            "font-size": "12",
        },
    )
    _el(svg, "title", title)
    described = "; ".join(f"{g.label}: {g.figure(kind).text} {kind}" for g in groups)
    _el(svg, "desc", described or "No incidents in this selection.")
    _el(svg, "rect", width=WIDTH, height=height, fill="#ffffff")
    _el(svg, "text", title, x=4, y=18, font_size=14, font_weight="bold", fill="#111111")
    _el(svg, "rect", x=LABEL_W, y=24, width=12, height=10, fill=solid)
    _el(svg, "text", "at least", x=LABEL_W + 16, y=33, fill="#333333")
    _el(svg, "rect", x=LABEL_W + 80, y=24, width=12, height=10, fill=light)
    _el(svg, "text", "up to (range)", x=LABEL_W + 96, y=33, fill="#333333")
    if not groups:
        _el(svg, "text", "No incidents in this selection.", x=4, y=TOP + 16, fill="#333333")
    for n, group in enumerate(groups):
        y = TOP + n * ROW
        figure = group.figure(kind)
        low_w = BAR_W * figure.low / scale_max
        high_w = BAR_W * figure.high / scale_max
        _el(svg, "text", _clip(group.label), x=4, y=y + 16, fill="#111111")
        if high_w > low_w:
            _el(
                svg,
                "rect",
                x=LABEL_W + low_w,
                y=y + 4,
                width=f"{high_w - low_w:.1f}",
                height=16,
                fill=light,
            )
        if low_w > 0:
            _el(svg, "rect", x=LABEL_W, y=y + 4, width=f"{low_w:.1f}", height=16, fill=solid)
        value = f"{figure.text}" if figure.incidents else "not known"
        _el(svg, "text", value, x=LABEL_W + BAR_W + 6, y=y + 16, fill="#111111")
    _el(
        svg,
        "text",
        "Bars add the lowest and highest credible figure of each incident.",
        x=4,
        y=height - 8,
        fill="#444444",
        font_size=11,
    )
    return ET.tostring(svg, encoding="unicode")


def count_chart(title: str, groups: list[Group]) -> str:
    """A horizontal bar chart of the number of incidents of each group, as SVG text."""
    height = TOP + ROW * max(len(groups), 1) + 10
    scale_max = max((g.incidents for g in groups), default=0) or 1
    ET.register_namespace("", SVG_NS)
    svg = ET.Element(
        f"{{{SVG_NS}}}svg",
        {
            "width": str(WIDTH),
            "height": str(height),
            "viewBox": f"0 0 {WIDTH} {height}",
            "role": "img",
            "font-family": "DejaVu Sans, Verdana, sans-serif",
            "font-size": "12",
        },
    )
    _el(svg, "title", title)
    _el(svg, "desc", "; ".join(f"{g.label}: {g.incidents}" for g in groups) or "No incidents.")
    _el(svg, "rect", width=WIDTH, height=height, fill="#ffffff")
    _el(svg, "text", title, x=4, y=18, font_size=14, font_weight="bold", fill="#111111")
    if not groups:
        _el(svg, "text", "No incidents in this selection.", x=4, y=TOP + 16, fill="#333333")
    for n, group in enumerate(groups):
        y = TOP + n * ROW
        _el(svg, "text", _clip(group.label), x=4, y=y + 16, fill="#111111")
        w = BAR_W * group.incidents / scale_max
        if w > 0:
            _el(svg, "rect", x=LABEL_W, y=y + 4, width=f"{w:.1f}", height=16, fill="#1f4e79")
        _el(svg, "text", str(group.incidents), x=LABEL_W + BAR_W + 6, y=y + 16, fill="#111111")
    return ET.tostring(svg, encoding="unicode")


def data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI for an ``<img>`` (allowed by the CSP; works in PDFs)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


@dataclass
class Chart:
    """One chart ready for a page: its title, the image, and the figures as a table."""

    title: str
    uri: str
    groups: list[Group]


def dashboard(incidents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals and the charts of the casualty dashboard (and situation reports)."""
    month, oblast, itype = by_month(incidents), by_oblast(incidents), by_type(incidents)
    charts = [
        Chart("Incidents per month", data_uri(count_chart("Incidents per month", month)), month),
        Chart(
            "People killed per month",
            data_uri(range_chart("People killed per month", month, "killed")),
            month,
        ),
        Chart(
            "People injured per month",
            data_uri(range_chart("People injured per month", month, "injured")),
            month,
        ),
        Chart(
            "People killed per oblast",
            data_uri(range_chart("People killed per oblast", oblast, "killed")),
            oblast,
        ),
        Chart(
            "People killed per type of attack",
            data_uri(range_chart("People killed per type of attack", itype, "killed")),
            itype,
        ),
    ]
    return {"totals": totals(incidents), "charts": charts}
