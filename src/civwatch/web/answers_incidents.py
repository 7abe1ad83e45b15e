"""The answers of the incident routes of /api/v1: incidents as the team sees them, their
lists and aggregates, vocabularies, internal fields, and what a package would hold."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from civwatch.incidents import vocabulary as vocab
from civwatch.web.answers import Answer, CasualtyFigure, Cell, Location, MinMax, PublicHistoryEntry

# --- vocabularies and aggregates ---------------------------------------------------------------


class TermAnswer(Answer):
    """A term of a controlled vocabulary."""

    kind: str = Field(description=", ".join(vocab.KINDS))
    code: str
    label: str
    builtin: bool = Field(description="Shipped with civwatch (else added by an admin)")


class CodeLabel(Answer):
    """A vocabulary term as a form offers it."""

    code: str
    label: str


class FacetsAnswer(Answer):
    """The values the filters and forms take."""

    statuses: list[str]
    item_statuses: list[str]
    outcomes: list[str]
    visibilities: list[str]
    time_precisions: list[str]
    link_roles: list[str]
    record_kinds: list[str]
    casualty_groups: list[str]
    incident_types: list[CodeLabel]
    weapons: list[CodeLabel]
    objects: list[CodeLabel]
    ihl_concerns: list[CodeLabel]
    oblasts: list[str]


class FilterAnswer(Answer):
    """The filter an aggregate was computed over, as understood."""

    statuses: list[str] | None
    visibility: str | None
    oblast: str | None
    incident_type: str | None
    object: str | None
    from_: str | None = Field(alias="from", description="Start at or after (ISO 8601)")
    to: str | None = Field(description="Start before (ISO 8601)")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class RangeTotal(Answer):
    """Casualties summed as a range over the incidents that give a figure."""

    incidents_with_figure: int
    min: int = Field(description="Sum of the minima")
    max: int = Field(description="Sum of the maxima")


class TotalsAnswer(Answer):
    """Incidents counted and casualties summed as ranges."""

    filter: FilterAnswer
    incidents: int
    killed: RangeTotal
    injured: RangeTotal


class PeriodTotals(Answer):
    """One day or week of a series."""

    period: str = Field(description="A UTC day or the Monday of an ISO week")
    incidents: int
    killed: RangeTotal
    injured: RangeTotal


class SeriesAnswer(Answer):
    """Incidents and casualty ranges per day or week."""

    filter: FilterAnswer
    period: Literal["day", "week"]
    series: list[PeriodTotals]


class TeamMapFilter(FilterAnswer):
    """The filter a team map page was computed over, as understood."""

    weapon: str | None = Field(default=None, description="Only when asked")
    bbox: list[float] | None = Field(
        default=None,
        min_length=4,
        max_length=4,
        description="west, south, east, north (only when asked)",
    )


class TeamMarkerProperties(Answer):
    """What the team's map shows of an incident."""

    id: int
    title: str
    start: str = Field(description="ISO 8601, UTC")
    status: str
    visibility: str
    incident_type: str
    oblast: str | None
    killed: MinMax | None
    injured: MinMax | None
    url: str = Field(description="The incident's page, relative to the site")


class TeamPoint(Answer):
    """An RFC 7946 Point at the exact location: [longitude, latitude]."""

    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2)


class TeamMarker(Answer):
    """An incident on the team's map (a GeoJSON Feature)."""

    type: Literal["Feature"]
    id: int
    geometry: TeamPoint
    properties: TeamMarkerProperties


class TeamMapPage(Answer):
    """Incidents as GeoJSON points for a viewport (an RFC 7946 FeatureCollection)."""

    type: Literal["FeatureCollection"]
    kind: Literal["points"]
    filter: TeamMapFilter
    number_returned: int
    next: str | None = Field(description="URL of the next page")
    features: list[TeamMarker]


class TeamMapCells(Answer):
    """Incidents counted per grid cell for a wide viewport (an RFC 7946
    FeatureCollection); ``filter.bbox`` is the viewport widened to whole cells."""

    type: Literal["FeatureCollection"]
    kind: Literal["cells"]
    cell_size: float = Field(description="A cell's side in degrees")
    filter: TeamMapFilter
    number_returned: int
    next: None = Field(description="Always null: every incident in view is counted")
    features: list[Cell]


# --- an incident --------------------------------------------------------------------------------


class IncidentSummary(Answer):
    """An incident in short, as lists and suggestions show it."""

    id: int
    title: str
    status: str = Field(description=", ".join(vocab.INCIDENT_STATUSES))
    proposed_status: str | None = Field(description="The outcome waiting for review")
    visibility: str = Field(description="internal or public")
    start: str = Field(description="ISO 8601, UTC")
    end: str = Field(description="ISO 8601, UTC")
    lat: float = Field(description="The exact location (never shown publicly)")
    lon: float
    settlement: str | None
    oblast: str | None
    incident_type: str
    killed: MinMax | None = Field(description="None: no figure given")
    injured: MinMax | None
    revision: int = Field(description="Send it back when changing the incident")


class ChangeSummary(Answer):
    """A change waiting for review or approval, in short."""

    revision: int
    state: str
    proposed_by: str


class ListedIncident(IncidentSummary):
    """An incident in a list, with the change waiting on it if any."""

    change: ChangeSummary | None


class IncidentPage(Answer):
    """A page of incidents, newest first."""

    total: int = Field(description="How many match the filter")
    incidents: list[ListedIncident]


class LinkedEvidence(Answer):
    """An evidence item linked to the incident."""

    sha256: str
    media_type: str
    role: str = Field(description=", ".join(vocab.LINK_ROLES))
    note: str
    linked_by: str
    linked_at: str = Field(description="ISO 8601")
    verification_status: str = Field(description=", ".join(vocab.ITEM_STATUSES))
    custody_leaf: int


class Transition(Answer):
    """A step of a verification workflow (of an incident or an evidence item)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    act: str
    from_: str = Field(alias="from")
    to: str
    proposed_status: str | None
    reason: str | None
    actor: str
    at: str = Field(description="ISO 8601")
    custody_leaf: int


class Revision(Answer):
    """A revision of the incident's document."""

    revision: int
    actor: str
    at: str = Field(description="ISO 8601")
    doc_sha256: str
    custody_leaf: int
    state: str


class FieldChange(Answer):
    """One field a change changes."""

    field: str
    # a field's value: text, a number, a list of terms or the casualty figures, after the
    # field; no one model fits all, and the field's own type is in the incident model
    before: Any
    after: Any


class OpenChange(Answer):
    """A change waiting for review or approval, with its differences."""

    revision: int
    state: str
    base_revision: int | None
    proposed_by: str
    proposed_at: str = Field(description="ISO 8601")
    doc_sha256: str
    custody_leaf: int
    approved_by: str | None
    approved_at: str | None
    diff: list[FieldChange]


class IncidentView(IncidentSummary):
    """An incident as the team sees it: content, public location, linked evidence,
    independent sources, history, revisions and any open change."""

    narrative: str
    time_precision: str = Field(description=", ".join(vocab.TIME_PRECISIONS))
    radius_m: float = Field(description="Uncertainty of the location, in metres")
    raion: str | None
    weapons: list[str]
    objects: list[str]
    casualties: dict[str, CasualtyFigure] = Field(
        description="By kind (" + ", ".join(vocab.CASUALTY_KINDS) + "); absent: not given"
    )
    perpetrator: str | None
    perpetrator_confidence: str | None
    ihl_concerns: list[str]
    public_location: Location
    created_by: str
    created_at: str = Field(description="ISO 8601")
    updated_at: str = Field(description="ISO 8601")
    evidence: list[LinkedEvidence]
    independent_sources: int = Field(description="Linked items, copies of one media counted once")
    history: list[Transition]
    revisions: list[Revision]
    change: OpenChange | None


class PublishedIncident(IncidentView):
    """A just-published incident, with the linked media that have no approved redaction."""

    unredacted_media: list[str] = Field(description="SHA-256 of each such item")


class CorrectedIncident(IncidentView):
    """An incident with a new correction notice, and its public history."""

    public_history: list[PublicHistoryEntry]


class ProtectedPlace(Answer):
    """A protected place (hospital, school...) near an incident."""

    name: str
    kind: str
    lat: float
    lon: float
    distance_m: float
    source: str
    external_id: str


class PlacesAnswer(Answer):
    """Protected places within a radius of an incident."""

    incident: int
    radius_m: float = Field(description="The radius asked plus the location's uncertainty")
    places: list[ProtectedPlace] = Field(description="Nearest first")


# --- internal fields ----------------------------------------------------------------------------


class Witness(Answer):
    """A witness (internal: never published or exported)."""

    id: int
    name: str
    contact: str
    lat: float | None
    lon: float | None
    note: str
    added_by: str
    added_at: str = Field(description="ISO 8601")


class InternalFields(Answer):
    """An incident's internal notes and witnesses."""

    incident_id: int
    internal_notes: str
    witnesses: list[Witness]


# --- evidence packages --------------------------------------------------------------------------


class PackageItem(Answer):
    """An evidence item a package would hold."""

    sha256: str
    media_type: str
    role: str
    verification_status: str
    redacted_copy: bool = Field(description="An approved redacted copy goes in")


class PackagePlan(Answer):
    """What an evidence package of the incident would hold."""

    incident: int
    title: str
    status: str
    items: list[PackageItem]
    custody_entries: int
    excluded: list[str] = Field(description="What a package never holds, in words")
