"""The answers of the open-data routes under /api/v1/public: published incidents with
their public fields only, map markers, the GeoJSON export and the TimeMap endpoints.

GeoJSON is modelled here for what civwatch writes (RFC 7946 FeatureCollections of Points),
not for every geometry the format allows."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from civwatch.web.answers import Answer, CasualtyFigure, Cell, Location, PublicHistoryEntry


class PublicCasualties(Answer):
    """Killed and injured as ranges with their sources (None: no figure published)."""

    killed: CasualtyFigure | None
    injured: CasualtyFigure | None


class PublicIncident(Answer):
    """A published incident with its public fields (the location coarsened)."""

    id: int
    title: str
    narrative: str
    start: str = Field(description="ISO 8601, UTC")
    end: str = Field(description="ISO 8601, UTC")
    time_precision: str
    location: Location
    settlement: str | None = Field(description="None also when the precision hides it")
    raion: str | None
    oblast: str | None
    incident_type: str
    weapons: list[str]
    objects: list[str]
    perpetrator: str | None
    perpetrator_confidence: str | None
    ihl_concerns: list[str]
    casualties: PublicCasualties
    sources_count: int = Field(description="Independent sources verified")
    published_at: str | None = Field(description="ISO 8601")
    updated_at: str | None = Field(description="ISO 8601: the last public change")
    history: list[PublicHistoryEntry]
    url: str = Field(description="The incident's public page, relative to the site")


class BoxFilter(Answer):
    """The filter a public list or map was computed over, as understood (only the parts
    given)."""

    oblast: str | None = None
    incident_type: str | None = None
    object: str | None = None
    from_: str | None = Field(default=None, alias="from", description="ISO 8601")
    to: str | None = Field(default=None, description="ISO 8601")
    weapon: str | None = None
    bbox: list[float] | None = Field(
        default=None, description="west, south, east, north", min_length=4, max_length=4
    )


class PublicIncidentPage(Answer):
    """Published incidents, newest first, a page at a time."""

    incidents: list[PublicIncident]
    filter: BoxFilter
    number_returned: int
    next_cursor: int | None
    next: str | None = Field(description="The next page's URL")


class Point(Answer):
    """An RFC 7946 Point: [longitude, latitude]."""

    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2)


class MarkerProperties(Answer):
    """What a map marker shows."""

    id: int
    title: str
    start: str = Field(description="ISO 8601, UTC")
    incident_type: str
    location: Location
    casualties: PublicCasualties
    url: str


class Marker(Answer):
    """A map marker: a published incident at its public location."""

    type: Literal["Feature"]
    id: int
    geometry: Point
    properties: MarkerProperties


class MarkerPage(Answer):
    """Map markers in a viewport (a GeoJSON FeatureCollection), a page at a time."""

    type: Literal["FeatureCollection"]
    kind: Literal["points"]
    features: list[Marker]
    filter: BoxFilter
    number_returned: int
    next_cursor: int | None
    next: str | None = Field(description="The next page's URL")


class MarkerCells(Answer):
    """Published incidents counted per grid cell for a wide viewport, at their public
    (coarsened) points (a GeoJSON FeatureCollection); ``filter.bbox`` is the viewport
    widened to whole cells."""

    type: Literal["FeatureCollection"]
    kind: Literal["cells"]
    cell_size: float = Field(description="A cell's side in degrees")
    features: list[Cell]
    filter: BoxFilter
    number_returned: int
    next_cursor: None = Field(description="Always null: every incident in view is counted")
    next: None = Field(description="Always null")


class ExportProperties(Answer):
    """The export fields of a published incident (the CSV columns; docs/open-data.md)."""

    event_id: int
    event_date: str = Field(description="YYYY-MM-DD")
    start: str
    end: str | None
    time_precision: str | None
    geo_precision: str
    country: str | None
    admin1: str | None = Field(description="Oblast")
    admin2: str | None = Field(description="Raion")
    admin3: str | None = Field(description="Settlement")
    location: str | None
    event_type: str | None
    event_type_label: str
    event_type_label_uk: str = Field(description="The label in Ukrainian")
    weapons: list[str]
    objects_affected: list[str]
    actor: str | None
    actor_confidence: str | None
    ihl_concerns: list[str]
    fatalities_min: int | None
    fatalities_max: int | None
    injured_min: int | None
    injured_max: int | None
    casualty_sources: list[str]
    sources_count: int
    title: str | None
    notes: str | None
    corrections: list[str]
    url: str
    published: str | None
    updated: str | None
    history: list[PublicHistoryEntry]


class ExportFeature(Answer):
    """A published incident as a GeoJSON Feature."""

    type: Literal["Feature"]
    id: int
    geometry: Point
    properties: ExportProperties


class ExportCollection(Answer):
    """Every published incident as an RFC 7946 FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[ExportFeature]


class TimemapAssociation(Answer):
    """A TimeMap association: a filter by a term the incidents use."""

    id: str
    title: str
    desc: str
    mode: Literal["FILTER"]
    filter_paths: list[str]


class TimemapSource(Answer):
    """A TimeMap source: the public record of an incident."""

    id: str
    title: str
    type: str
    paths: list[str]
    url: str
    description: str
    date: str = Field(description="MM/DD/YYYY of publication, as TimeMap reads it")


class TimemapEvent(Answer):
    """A published incident as a TimeMap event (date and time in UTC, as TimeMap reads
    them; coordinates as text)."""

    id: str
    title: str
    description: str
    date: str = Field(description="MM/DD/YYYY")
    time: str = Field(description="HH:mm")
    time_precision: str
    location: str
    latitude: str
    longitude: str
    type: str
    category: str
    associations: list[str] = Field(description="Ids of its TimemapAssociations")
    sources: list[str] = Field(description="Ids of its TimemapSources")
    url: str
