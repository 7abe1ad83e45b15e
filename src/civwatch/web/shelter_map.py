"""A small map of shelters drawn on the server as SVG: no tiles, no script, a few kilobytes.

The nearest page shows it as a clickable image (``<input type="image">``: the browser sends
where it was clicked, so a map click works without JavaScript), and the printable list
per hromada draws the same map into its PDF. The projection is equirectangular around the
view's centre (east-west distances scaled by the cosine of its latitude), which is exact
enough for a few kilometres and honest for a hromada.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

#: Size of the drawing in SVG units (pixels when shown at its natural size).
WIDTH = 640
HEIGHT = 400
#: Metres per degree of latitude (mean).
METRES_PER_DEGREE = 111_195.0
#: How wide a view may be (a whole country) and how narrow (a few streets), in metres.
MIN_SPAN_M = 300.0
MAX_SPAN_M = 1_500_000.0


@dataclass(frozen=True)
class View:
    """What the map shows: its centre and how many metres its width covers."""

    lat: float
    lon: float
    span_m: float

    def clamped(self) -> View:
        """The same view with its centre and span inside what can be drawn."""
        return View(
            max(-85.0, min(85.0, self.lat)),
            max(-180.0, min(180.0, self.lon)),
            max(MIN_SPAN_M, min(MAX_SPAN_M, self.span_m)),
        )

    def _scale(self) -> tuple[float, float]:
        """Drawing units per degree of longitude and of latitude."""
        per_metre = WIDTH / self.span_m
        cos = max(0.05, math.cos(math.radians(self.lat)))
        return per_metre * METRES_PER_DEGREE * cos, per_metre * METRES_PER_DEGREE

    def to_xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Where a point is drawn."""
        kx, ky = self._scale()
        return WIDTH / 2 + (lon - self.lon) * kx, HEIGHT / 2 - (lat - self.lat) * ky

    def to_latlon(self, x: float, y: float) -> tuple[float, float]:
        """The point drawn at ``(x, y)`` (a click on the map)."""
        kx, ky = self._scale()
        return self.lat - (y - HEIGHT / 2) / ky, self.lon + (x - WIDTH / 2) / kx

    def inside(self, lat: float, lon: float) -> bool:
        """Whether a point falls on the drawing."""
        x, y = self.to_xy(lat, lon)
        return 0 <= x <= WIDTH and 0 <= y <= HEIGHT


@dataclass(frozen=True)
class Pin:
    """One point to draw: a shelter (numbered as in the list beside the map) or a place."""

    lat: float
    lon: float
    label: str
    kind: str = "shelter"  # "shelter", "closed", "here" or "place"


def fit(points: Sequence[tuple[float, float]], *, margin: float = 1.25) -> View:
    """The view that shows every point (at least :data:`MIN_SPAN_M` wide)."""
    if not points:
        return View(48.4, 31.2, MAX_SPAN_M)  # Ukraine
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    lat = (min(lats) + max(lats)) / 2
    lon = (min(lons) + max(lons)) / 2
    cos = max(0.05, math.cos(math.radians(lat)))
    wide = (max(lons) - min(lons)) * METRES_PER_DEGREE * cos
    tall = (max(lats) - min(lats)) * METRES_PER_DEGREE * WIDTH / HEIGHT
    return View(lat, lon, max(wide, tall) * margin).clamped()


def scale_bar(view: View) -> tuple[float, float]:
    """A round distance (1, 2 or 5 times a power of ten metres) at most a fifth of the map
    wide: its length in drawing units and in metres."""
    target = view.span_m / 5
    step = 10 ** math.floor(math.log10(target))
    metres = next(step * f for f in (5, 2, 1) if step * f <= target)
    return metres * WIDTH / view.span_m, metres


def draw(view: View, pins: Sequence[Pin], *, title: str, units: tuple[str, str], north: str) -> str:
    """The SVG document of ``pins`` seen in ``view``. ``units`` are the translated
    abbreviations of metres and kilometres (for the scale bar), ``north`` the letter of
    north (on the arrow)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#eef1ec"/>',
    ]
    # a light grid every fifth of the map: a sense of distance without tiles
    for i in range(1, 5):
        x = WIDTH * i / 5
        y = HEIGHT * i / 5
        parts.append(f'<path d="M{x:.0f} 0V{HEIGHT}M0 {y:.0f}H{WIDTH}" stroke="#d5dbd2"/>')
    shown = [(pin, *view.to_xy(pin.lat, pin.lon)) for pin in pins if view.inside(pin.lat, pin.lon)]
    for pin, x, y in shown:
        if pin.kind == "place":
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#555"/>'
                f'<text x="{x + 5:.1f}" y="{y - 4:.1f}" font-size="12" fill="#333" '
                f'font-family="sans-serif">{escape(pin.label)}</text>'
            )
    for pin, x, y in shown:
        if pin.kind in ("shelter", "closed"):
            fill = "#0b4f9c" if pin.kind == "shelter" else "#8c8f94"
            parts.append(
                f'<g><circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{fill}" stroke="#fff" '
                f'stroke-width="1.5"/><text x="{x:.1f}" y="{y + 4:.1f}" font-size="11" '
                f'text-anchor="middle" fill="#fff" font-family="sans-serif" '
                f'font-weight="bold">{escape(pin.label)}</text></g>'
            )
    for pin, x, y in shown:
        if pin.kind == "here":
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#d62d20" stroke="#fff" '
                f'stroke-width="3"><title>{escape(pin.label)}</title></circle>'
            )
    length, metres = scale_bar(view)
    text = f"{metres / 1000:g} {units[1]}" if metres >= 1000 else f"{metres:g} {units[0]}"
    parts.append(
        f'<path d="M12 {HEIGHT - 14}h{length:.1f}" stroke="#111" stroke-width="3"/>'
        f'<text x="12" y="{HEIGHT - 20}" font-size="12" font-family="sans-serif">'
        f"{escape(text)}</text>"
    )
    parts.append(
        f'<text x="{WIDTH - 14}" y="24" font-size="16" text-anchor="end" '
        f'font-family="sans-serif" font-weight="bold">{escape(north)} ↑</text></svg>'
    )
    return "".join(parts)
