"""How the route walk in test_permissions.py calls the public routes (see CORE_CALLS there)."""

from __future__ import annotations

from typing import Any

CALLS: dict[tuple[str, str], dict[str, Any]] = {}

#: The open data API (H7): downloads, TimeMap, the map endpoint, the incidents API.
CALLS.update(
    {
        ("GET", "/api/v1/public/incidents.geojson"): {},
        ("GET", "/api/v1/public/incidents.csv"): {"params": {"bom": "true"}},
        ("GET", "/api/v1/public/incidents.kml"): {},
        ("GET", "/api/v1/public/timemap/events"): {},
        ("GET", "/api/v1/public/timemap/associations"): {},
        ("GET", "/api/v1/public/timemap/sources"): {},
        ("GET", "/api/v1/public/map"): {"params": {"bbox": "22,44,41,53", "limit": "10"}},
        ("GET", "/api/v1/public/incidents"): {"params": {"limit": "5"}},
        ("GET", "/api/v1/public/incidents/{incident_id}"): {},
    }
)

#: The maps' data (issue 15): the offline basemap, the PMTiles archive (404 unless configured).
CALLS.update(
    {
        ("GET", "/map/basemap/labels.geojson"): {},
        ("GET", "/map/basemap/{layer}.geojson"): {},
        ("GET", "/map/tiles.pmtiles"): {},
    }
)

#: The public site (H8): pages, share cards, published media, feeds; situation reports.
CALLS.update(
    {
        ("GET", "/public"): {"params": {"oblast": "Kharkiv Oblast"}},
        ("GET", "/public/timeline"): {},
        ("GET", "/public/dashboard"): {},
        ("GET", "/public/methodology"): {},
        ("GET", "/public/incidents/{incident_id}"): {},
        ("GET", "/public/incidents/{incident_id}/card.png"): {},
        ("GET", "/public/incidents/{incident_id}/media/{index}"): {},
        ("GET", "/public/feed.atom"): {},
        ("GET", "/public/feed.json"): {},
        ("GET", "/public/witness-quotes.json"): {},
        ("GET", "/sitrep"): {"params": {"from": "2022-03-01", "to": "2022-03-31"}},
    }
)

#: The language switch (issue 13): remembers a choice in a cookie, back to a local page.
CALLS.update({("GET", "/language"): {"params": {"lang": "uk", "next": "/public"}}})
