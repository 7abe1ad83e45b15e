"""The answer models of ``/api/v1/shelters`` (see :mod:`civwatch.web.answers`).

The public models name only public fields: a key holder or their contact added to a
public answer by mistake would fail the strict base instead of reaching the public.
"""

from __future__ import annotations

from pydantic import Field

from civwatch.web.answers import Answer


class ShelterStatus(Answer):
    """A shelter's shown status and how it was established."""

    code: str = Field(description="open, closed, locked, flooded, full, unusable or unknown")
    at: str | None = Field(description="ISO 8601: the newest report behind it (none: nothing)")
    confirmations: int = Field(description="Confirmed reports that agree with it")
    basis: str = Field(description="reports, registry or none")
    sentence: str = Field(description="The status in a sentence, in the asked language")


class NearbyShelter(Answer):
    """One shelter near the asked point."""

    id: str
    name: str
    lat: float
    lon: float
    distance_m: float = Field(description="Great-circle distance in metres")
    bearing_deg: float = Field(description="Direction to walk, degrees from north")
    compass: str = Field(description="N, NE, E, SE, S, SW, W or NW")
    status: ShelterStatus
    capacity: int | None
    step_free: bool | None = Field(description="Step-free entrance (none: not known)")
    pets: bool | None = Field(description="Pets allowed (none: not known)")
    type: str
    address: str | None


class PublicShelter(Answer):
    """A shelter as the public sees it (never who holds its key)."""

    id: str
    name: str
    name_en: str | None
    address: str | None
    lat: float
    lon: float
    type: str
    capacity: int | None
    underground: bool | None
    level: str | None
    step_free: bool | None
    ramp: bool | None
    lift: bool | None
    accessible_toilet: bool | None
    facilities: dict[str, bool] = Field(description="Facility code: yes or no (absent: unknown)")
    opening_kind: str | None
    opening_hours: str | None
    responsible_body: str | None
    katottg: str | None
    hromada: str | None
    registry_status: str | None
    gone_from_source_at: str | None
    created_at: str
    updated_at: str
    sources: list[str] = Field(description="kind:source id of each source record")
    status: ShelterStatus


class ReportReceived(Answer):
    """A report kept for a coordinator to confirm."""

    report_id: str


class PendingReport(Answer):
    """A report waiting for a coordinator's decision."""

    id: str
    shelter_id: str
    shelter_name: str
    status: str
    accessibility: dict[str, bool]
    note: str | None
    photo_sha256: str | None
    channel: str
    received_at: str
    state: str


class Decided(Answer):
    """A coordinator's decision on a report."""

    report_id: str
    state: str = Field(description="confirmed or dismissed")
