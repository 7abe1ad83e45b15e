"""The location the public sees of an incident: computed and stored on the incident.

The geometry is :func:`civwatch.geo.coarsening.coarsen`; the precision each incident is
shown at is a publication decision (:func:`civwatch.publish.publication.set_location_precision`).
The coarsened point is stored on the incident (``public_lat``, ``public_lon``,
``public_place``) whenever its location or precision changes, so that public maps can
filter on it: filtering on the exact point would let a viewport narrow it down.
"""

from __future__ import annotations

from typing import Any

from civwatch.geo.coarsening import DEFAULT_PRECISION, coarsen
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.models import Incident


def place_publicly(incident: Incident, places: Gazetteer | None) -> None:
    """Store the coarsened location on ``incident`` (called whenever it may change)."""
    shown = coarsen(
        incident.lat,
        incident.lon,
        incident.public_location_precision or DEFAULT_PRECISION,
        settlement=incident.settlement,
        raion=incident.raion,
        oblast=incident.oblast,
        places=places,
    )
    incident.public_lat, incident.public_lon = shown["lat"], shown["lon"]
    incident.public_place = shown["place"][:600]


def coarsened_location(incident: Any) -> dict[str, Any]:
    """THE location the public sees: ``{"lat", "lon", "precision", "place"}``, of an
    :class:`Incident` or a row with its location columns.

    Every public output (pages, map, feeds, open data) takes the location from here and
    never from ``incident.lat``/``incident.lon``.
    """
    precision = incident.public_location_precision or DEFAULT_PRECISION
    if incident.public_lat is None or incident.public_lon is None:
        # Not computed yet (a row older than the column): coarsen without the gazetteer,
        # which can only make it less precise, never more.
        return coarsen(
            incident.lat,
            incident.lon,
            precision,
            settlement=incident.settlement,
            raion=incident.raion,
            oblast=incident.oblast,
        )
    return {
        "lat": incident.public_lat,
        "lon": incident.public_lon,
        "precision": precision,
        "place": incident.public_place or "",
    }
