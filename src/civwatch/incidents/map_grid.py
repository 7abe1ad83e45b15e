"""Counts per grid cell for wide map viewports: a fixed world grid, one grouped query.

A map viewport wider than :data:`CELLS_FROM_SPAN` degrees is answered with grid cells
(a cell's centre, bounds and the number of incidents in it) instead of up to a thousand
points: a country view costs a few hundred counts instead of a thousand features, and the
counts cover every incident in view, not the first page. Cells lie on one grid for the
whole world, a power of two degrees wide (``cell = floor((lat + 90) / size),
floor((lon + 180) / size)``), so viewports of the same zoom share their cells and their
answers: the box asked for is widened to whole cells (:attr:`Grid.box`).

The counting itself is one ``GROUP BY`` on the two cell indexes, made here for SQLite and
PostgreSQL alike (:func:`cell_columns`); the incident and public maps add their own
conditions (filters; for the public map, published incidents at their coarsened point).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Integer, cast, func, select

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.incidents.geojson import BBox, MapQuery, bbox_condition, map_conditions
from civwatch.incidents.models import Incident
from civwatch.workspace import Workspace

#: A viewport spanning more than this many degrees (in latitude or longitude) is answered
#: with cells when the client lets the server choose: wider than about 140 km, an oblast
#: (3 x 2 degrees) and more. At the benchmark's density (100,000 incidents over Ukraine)
#: a 2-degree box holds about 1,000 incidents on average (the map's page): an oblast view
#: is where a page of points stopped showing everything and cost the most per answer.
CELLS_FROM_SPAN = 2.0
#: A wide viewport holding more incidents than this is answered with cells: more markers
#: than a map wider than an oblast can show apart (they are clustered anyway), and half of
#: the map's page of 1,000, whose JSON was most of a fresh answer's cost. A collection
#: smaller than this keeps its points at every zoom.
CELLS_OVER = 500
#: About how many cells the longer side of a viewport is cut into (between this and twice
#: it): cells of 40-80 pixels on a screen 1,000 pixels wide.
CELLS_ACROSS = 12
#: The finest and coarsest cell sizes (degrees).
SMALLEST_CELL = 2.0**-10
LARGEST_CELL = 32.0
MapKind = Literal["auto", "points", "cells"]
KINDS: tuple[str, ...] = ("auto", "points", "cells")


def check_kind(kind: str) -> MapKind:
    """``kind`` as given, if it is one of :data:`KINDS`."""
    if kind not in KINDS:
        raise RejectedInputError(
            _("kind must be auto, points or cells, not %(kind)s.", kind=repr(kind))
        )
    return kind  # type: ignore[return-value]


def span(box: BBox) -> float:
    """The longer side of ``box`` in degrees (longitude across the antimeridian counted)."""
    width = (box.east - box.west) % 360.0 if box.crosses_antimeridian else box.east - box.west
    return max(width, box.north - box.south)


def wide(kind: MapKind, box: BBox | None, cursor: int | None) -> bool | None:
    """Whether a map answer is cells, as far as the request alone says: True when asked
    for, False for points, a box of :data:`CELLS_FROM_SPAN` or less, no box or a page after
    the first (a client following ``next`` reads points); None for a wide box left to the
    server, which then counts what the box holds (:func:`wants_cells`)."""
    if kind == "cells":
        return True
    if kind == "points" or box is None or cursor is not None or span(box) <= CELLS_FROM_SPAN:
        return False
    return None


def wants_cells(
    kind: MapKind, box: BBox | None, cursor: int | None, count_up_to: Callable[[int], int]
) -> bool:
    """Whether a map answer is cells: asked for, or a wide box (:func:`wide`) holding more
    than :data:`CELLS_OVER` incidents (``count_up_to(n)`` counts them, stopping at ``n``),
    so a small collection keeps its points at every zoom."""
    decided = wide(kind, box, cursor)
    if decided is not None:
        return decided
    return count_up_to(CELLS_OVER + 1) > CELLS_OVER


def team_map_wants_cells(ws: Workspace, q: MapQuery, kind: MapKind) -> bool:
    """:func:`wants_cells` for the team map: incidents in the box, whatever their state,
    counted in the point index alone (the team may see every one of them)."""

    def count_up_to(most: int) -> int:
        assert q.bbox is not None
        probe = select(Incident.id).where(bbox_condition(q.bbox)).limit(most).subquery()
        with ws.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(probe)) or 0)

    return wants_cells(kind, q.bbox, q.cursor, count_up_to)


@dataclass(frozen=True)
class Grid:
    """The cells of one viewport: their size and the box they cover (whole cells)."""

    size: float
    box: BBox

    def bounds(self, row: int, column: int) -> list[float]:
        """``[west, south, east, north]`` of the cell at grid ``row``, ``column``."""
        west = column * self.size - 180.0
        south = row * self.size - 90.0
        return [west, south, min(west + self.size, 180.0), min(south + self.size, 90.0)]


WORLD = BBox(-180.0, -90.0, 180.0, 90.0)


def grid_for(box: BBox | None) -> Grid:
    """The grid for ``box`` (the world when None): cells a power of two degrees wide,
    ``CELLS_ACROSS`` to twice that along the box's longer side, and the box widened to
    whole cells (clamped to the world)."""
    box = box or WORLD
    wanted = max(span(box), SMALLEST_CELL) / CELLS_ACROSS
    size = min(max(2.0 ** math.floor(math.log2(wanted)), SMALLEST_CELL), LARGEST_CELL)

    def down(value: float, offset: float) -> float:
        return math.floor((value + offset) / size) * size - offset

    def up(value: float, offset: float, top: float) -> float:
        return min(math.ceil((value + offset) / size) * size - offset, top)

    south = max(down(box.south, 90.0), -90.0)
    north = up(box.north, 90.0, 90.0)
    west = max(down(box.west, 180.0), -180.0)
    east = up(box.east, 180.0, 180.0)
    if box.crosses_antimeridian and west <= east:  # the widened sides met: every longitude
        west, east = -180.0, 180.0
    return Grid(size, BBox(west, south, east, north))


def cell_columns(lat: Any, lon: Any, size: float, dialect: str) -> tuple[Any, Any]:
    """SQL expressions of the grid row and column of ``(lat, lon)`` for cells of ``size``
    degrees. Shifted to be 0 or more, so SQLite's cast (which truncates) is the floor;
    PostgreSQL's cast rounds, so it takes ``floor`` first."""

    def index(column: Any, offset: float) -> Any:
        shifted = (column + offset) / size
        if dialect == "postgresql":
            shifted = func.floor(shifted)
        return cast(shifted, Integer)

    return index(lat, 90.0), index(lon, 180.0)


def cell_features(grid: Grid, rows: Iterable[tuple[int, int, int]]) -> list[dict[str, Any]]:
    """GeoJSON Features for ``(row, column, count)``: a Point at the cell's centre (never
    at the incidents' own points) with the count and the cell's bounds."""
    features = []
    for row, column, count in sorted(rows):
        west, south, east, north = grid.bounds(row, column)
        features.append(
            {
                "type": "Feature",
                "id": f"cell-{row}-{column}",
                "geometry": {
                    "type": "Point",
                    "coordinates": [(west + east) / 2, (south + north) / 2],
                },
                "properties": {"count": int(count), "bounds": [west, south, east, north]},
            }
        )
    return features


def cells_answer(
    grid: Grid, features: list[dict[str, Any]], described: dict[str, Any]
) -> dict[str, Any]:
    """A cells answer: an RFC 7946 FeatureCollection with ``kind`` and ``cell_size``."""
    return {
        "type": "FeatureCollection",
        "kind": "cells",
        "cell_size": grid.size,
        "filter": {**described, "bbox": grid.box.as_list()},
        "number_returned": len(features),
        "features": features,
    }


def incident_cells(ws: Workspace, q: MapQuery) -> dict[str, Any]:
    """The team map's answer for a wide viewport: the incidents matching ``q``'s filters
    counted per grid cell (exact points, as the team map shows them), in one grouped query.
    ``next`` is always None: every incident in view is counted."""
    grid = grid_for(q.bbox)
    with ws.sessions() as session:
        conditions, described = map_conditions(session, q)
        dialect = session.get_bind().dialect.name
        row, column = cell_columns(Incident.lat, Incident.lon, grid.size, dialect)
        query = (
            select(row, column, func.count())
            .where(*conditions, bbox_condition(grid.box))
            .group_by(row, column)
        )
        counts = [(int(r), int(c), int(n)) for r, c, n in session.execute(query)]
    answer = cells_answer(grid, cell_features(grid, counts), described)
    answer["next"] = None
    return answer


def cells_text(answer: dict[str, Any]) -> str:
    """A cells answer as compact JSON text."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
