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

from civwatch.geo.place_names import place_name
from civwatch.i18n import N_, _, current_language, ngettext
from civwatch.i18n.formatting import format_number, format_range, format_short_month
from civwatch.incidents import vocabulary
from civwatch.publish.fonts import fit, text_width

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
    """The label of a vocabulary code in the language in force ("missile_strike" ->
    "Missile strike" / "Ракетний удар"); "Not known" for none."""
    if not code:
        return _("Not known")
    return vocabulary.term_label(kind, code)


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
        """ "6" or "6–10", the numbers written for the language in force; "not known" when
        no incident gave a figure (never 0)."""
        if not self.incidents:
            return _("not known")
        return format_range(self.low, self.high)


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
    return format_short_month(key)


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
        _group(
            incidents,
            lambda i: str(i.get("oblast") or ""),
            lambda k: place_name(k, current_language()) or _("Not known"),
        )
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
    total = Group("all", _("All incidents"))
    for incident in incidents:
        total.add(incident)
    return total


def is_protected(incident: Mapping[str, Any]) -> bool:
    """Whether the incident affected a specially protected object."""
    return bool(PROTECTED_OBJECTS & set(incident.get("objects") or ()))


# -- drawing ---------------------------------------------------------------------------

ROW = 26
LABEL_W = 210
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


def _svg(title: str, height: int) -> ET.Element:
    ET.register_namespace("", SVG_NS)
    svg = ET.Element(
        f"{{{SVG_NS}}}svg",
        {
            "width": str(WIDTH),
            "height": str(height),
            "viewBox": f"0 0 {WIDTH} {height}",
            "role": "img",
            "lang": current_language(),
            "font-family": "DejaVu Sans, Verdana, sans-serif",
            "font-size": "12",
        },
    )
    _el(svg, "title", title)
    return svg


def _two_lines(text: str, size: int, width: float) -> tuple[str, str]:
    """``text`` broken at the last space that lets its first line fit ``width``."""
    words = text.split()
    for n in range(len(words) - 1, 0, -1):
        head = " ".join(words[:n])
        if text_width(head, size) <= width:
            return head, " ".join(words[n:])
    return text, ""


def _label(svg: ET.Element, text: str, y: int) -> None:
    """A group's label left of its bar: on one line, or on two smaller lines when it is too
    long (Ukrainian names run long), cut with "…" only when even two do not hold it."""
    room = LABEL_W - 10
    if text_width(text, 12) <= room:
        _el(svg, "text", text, x=4, y=y + 16, fill="#111111")
        return
    first, rest = _two_lines(text, 11, room)
    if not rest:
        _el(svg, "text", fit(text, 12, room), x=4, y=y + 16, fill="#111111")
        return
    _el(svg, "text", fit(first, 11, room), x=4, y=y + 11, fill="#111111", font_size=11)
    _el(svg, "text", fit(rest, 11, room), x=4, y=y + 23, fill="#111111", font_size=11)


#: How a chart's description names each figure, per kind (for screen readers).
_DESCRIBED = {
    "killed": N_("%(group)s: %(figure)s killed"),
    "injured": N_("%(group)s: %(figure)s injured"),
}


def range_chart(title: str, groups: list[Group], kind: Kind) -> str:
    """A horizontal bar chart of the ``kind`` ranges of each group, as SVG text, its words
    in the language in force."""
    solid, light = COLOURS[kind]
    height = TOP + ROW * max(len(groups), 1) + 30
    scale_max = max((g.figure(kind).high for g in groups), default=0) or 1
    svg = _svg(title, height)
    nothing = _("No incidents in this selection.")
    described = "; ".join(
        _(_DESCRIBED[kind], group=g.label, figure=g.figure(kind).text) for g in groups
    )
    _el(svg, "desc", described or nothing)
    _el(svg, "rect", width=WIDTH, height=height, fill="#ffffff")
    _el(svg, "text", fit(title, 14, WIDTH - 8), x=4, y=18, font_size=14, font_weight="bold")
    # TRANSLATORS: legend of a chart's solid bar: the sum of the lowest credible figures.
    at_least = _("at least")
    # TRANSLATORS: legend of a chart's light bar: up to the sum of the highest figures.
    up_to = _("up to (range)")
    _el(svg, "rect", x=LABEL_W, y=24, width=12, height=10, fill=solid)
    _el(svg, "text", at_least, x=LABEL_W + 16, y=33, fill="#333333")
    second = LABEL_W + 16 + int(text_width(at_least, 12)) + 14
    _el(svg, "rect", x=second, y=24, width=12, height=10, fill=light)
    _el(svg, "text", up_to, x=second + 16, y=33, fill="#333333")
    if not groups:
        _el(svg, "text", nothing, x=4, y=TOP + 16, fill="#333333")
    for n, group in enumerate(groups):
        y = TOP + n * ROW
        figure = group.figure(kind)
        low_w = BAR_W * figure.low / scale_max
        high_w = BAR_W * figure.high / scale_max
        _label(svg, group.label, y)
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
        value = figure.text if figure.incidents else _("not known")
        _el(svg, "text", value, x=LABEL_W + BAR_W + 6, y=y + 16, fill="#111111")
    _el(
        svg,
        "text",
        fit(_("Bars add the lowest and highest credible figure of each incident."), 11, WIDTH - 8),
        x=4,
        y=height - 8,
        fill="#444444",
        font_size=11,
    )
    return ET.tostring(svg, encoding="unicode")


def count_chart(title: str, groups: list[Group]) -> str:
    """A horizontal bar chart of the number of incidents of each group, as SVG text, its
    words in the language in force."""
    height = TOP + ROW * max(len(groups), 1) + 10
    scale_max = max((g.incidents for g in groups), default=0) or 1
    svg = _svg(title, height)
    described = "; ".join(
        ngettext(
            "%(group)s: %(num)s incident",
            "%(group)s: %(num)s incidents",
            g.incidents,
            group=g.label,
            num=format_number(g.incidents),
        )
        for g in groups
    )
    _el(svg, "desc", described or _("No incidents in this selection."))
    _el(svg, "rect", width=WIDTH, height=height, fill="#ffffff")
    _el(svg, "text", fit(title, 14, WIDTH - 8), x=4, y=18, font_size=14, font_weight="bold")
    if not groups:
        _el(svg, "text", _("No incidents in this selection."), x=4, y=TOP + 16, fill="#333333")
    for n, group in enumerate(groups):
        y = TOP + n * ROW
        _label(svg, group.label, y)
        w = BAR_W * group.incidents / scale_max
        if w > 0:
            _el(svg, "rect", x=LABEL_W, y=y + 4, width=f"{w:.1f}", height=16, fill="#1f4e79")
        _el(
            svg,
            "text",
            format_number(group.incidents),
            x=LABEL_W + BAR_W + 6,
            y=y + 16,
            fill="#111111",
        )
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


#: The charts of a dashboard: (title, what is counted, grouping).
_CHARTS: tuple[
    tuple[str, Kind | None, Callable[[Iterable[Mapping[str, Any]]], list[Group]]], ...
] = (
    (N_("Incidents per month"), None, by_month),
    (N_("People killed per month"), "killed", by_month),
    (N_("People injured per month"), "injured", by_month),
    (N_("People killed per oblast"), "killed", by_oblast),
    (N_("People killed per type of attack"), "killed", by_type),
)


def dashboard(incidents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals and the charts of the casualty dashboard (and situation reports), their
    titles, labels and figures in the language in force."""
    charts = []
    for marked, kind, grouping in _CHARTS:
        title = _(marked)
        groups = grouping(incidents)
        svg = count_chart(title, groups) if kind is None else range_chart(title, groups, kind)
        charts.append(Chart(title, data_uri(svg), groups))
    return {"totals": totals(incidents), "charts": charts}
