"""What every typed answer of /api/v1 shares: the strict base model and small parts.

Routes declare their answer with ``response_model=`` (see docs/architecture.md). Domain
code keeps returning plain dicts; the models here describe them. They forbid keys they do
not name: FastAPI would otherwise drop such a key from the answer without a word, so a
field added to a domain dict and forgotten here fails the tests instead of vanishing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

#: Route options for answers whose models have keys the service may leave out: the answer
#: leaves them out too (as the service sent it) instead of showing them as null.
EXACT: dict[str, Any] = {"response_model_exclude_unset": True}


class Answer(BaseModel):
    """Base of the answer models: unknown keys are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class MinMax(Answer):
    """A number of people as a range (``max`` equals ``min`` when exact)."""

    min: int
    max: int


class Figure(Answer):
    """A casualty figure: a range of people and who gave it."""

    min: int
    max: int
    source: str | None = Field(description="Who gave the figure (none: not said)")


class CasualtyFigure(Figure):
    """A casualty figure with its breakdown by group (only when one was given)."""

    groups: dict[str, Figure] | None = Field(
        default=None, description="By casualty group, e.g. children (absent: no breakdown)"
    )


class Location(Answer):
    """The location the public sees: coarsened to its publication precision."""

    lat: float
    lon: float
    precision: str = Field(description="exact, settlement, raion or oblast")
    place: str | None = Field(description="The place named at that precision")


class PublicHistoryEntry(Answer):
    """A publication, correction or withdrawal, as the public sees it."""

    at: str = Field(description="ISO 8601")
    kind: str = Field(description="published, corrected or withdrawn")
    note: str = Field(description="Shown with the entry (may be empty)")


class CellProperties(Answer):
    """What a map shows of a grid cell."""

    count: int = Field(description="Incidents in the cell (every one in it, not a page)")
    bounds: list[float] = Field(
        min_length=4, max_length=4, description="The cell: west, south, east, north"
    )


class CellCentre(Answer):
    """An RFC 7946 Point at a cell's centre: [longitude, latitude]."""

    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2)


class Cell(Answer):
    """A grid cell of a map (a GeoJSON Feature at the cell's centre)."""

    type: Literal["Feature"]
    id: str
    geometry: CellCentre
    properties: CellProperties


class GeoJSONResponse(JSONResponse):
    """A JSON answer sent as GeoJSON (RFC 7946): its schema is documented under that type."""

    media_type = "application/geo+json"
