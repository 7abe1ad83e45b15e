"""The maps' own data: the offline basemap's layers and labels, the operator's PMTiles
archive, and place search over the offline gazetteer.

* ``GET /map/basemap/{layer}.geojson`` and ``/map/basemap/labels.geojson``: public (both
  maps draw them), gzip when the browser takes it, cacheable for a day with an ETag.
* ``GET /map/tiles.pmtiles``: the archive named by ``CIVWATCH_MAP_PMTILES_PATH``, with
  HTTP range requests (a PMTiles reader fetches only the tiles it draws); 404 when none
  is configured.
* ``GET /api/v1/places?q=&limit=``: places matching a name in Ukrainian, Russian or Latin
  letters, for the team (the incident form's place search).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from pydantic import Field

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.config import Settings
from civwatch.errors import NotFoundError
from civwatch.geo import basemap
from civwatch.geo.gazetteer import MAX_NAME_LENGTH, Candidate
from civwatch.geo.place_names import place_name, ukrainian_name
from civwatch.i18n import _, current_language
from civwatch.incidents.document import gazetteer_for
from civwatch.web.answers import Answer
from civwatch.web.auth import require
from civwatch.web.deps import WS
from civwatch.web.language import Anyone
from civwatch.web.problems import PROBLEM_RESPONSES

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Writer = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
#: A day: the layers change only with a new release of civwatch.
CACHE_CONTROL = "public, max-age=86400"
GEOJSON = "application/geo+json"


#: Where the maps read the operator's PMTiles archive.
PMTILES_URL = "/map/tiles.pmtiles"


def background(settings: Settings) -> dict[str, str]:
    """What a map page tells its map about the background (the ``data-*`` attributes
    written by ``_map_assets.html``): a tile URL, else a PMTiles archive, else the
    offline basemap."""
    archive = bool(settings.map_pmtiles_path) and not settings.map_tile_url
    return {
        "tile_url": settings.map_tile_url,
        "tile_attribution": settings.map_tile_attribution,
        "pmtiles_url": PMTILES_URL if archive else "",
        "basemap_attribution": basemap.ATTRIBUTION,
    }


class _Body:
    """A GeoJSON text with its gzip form and ETag, made once."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.gzipped = gzip.compress(raw, compresslevel=9, mtime=0)
        self.etag = '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


@functools.cache
def _layer(name: str) -> _Body:
    return _Body(basemap.layer_bytes(name))


def _answer(request: Request, body: _Body) -> Response:
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": body.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == body.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(body.gzipped, media_type=GEOJSON, headers=headers)
    return Response(body.raw, media_type=GEOJSON, headers=headers)


@router.get("/map/basemap/labels.geojson")
async def basemap_labels(request: Request, w: WS, _who: Anyone) -> Response:
    """Settlement labels from the gazetteer, each with the zoom it shows from."""

    def make() -> _Body:
        gazetteer = gazetteer_for(w)
        text = json.dumps(basemap.labels(gazetteer), ensure_ascii=False, separators=(",", ":"))
        return _Body(text.encode("utf-8"))

    cached: _Body | None = getattr(request.app.state, "basemap_labels", None)
    if cached is None:
        cached = await run_in_threadpool(make)
        request.app.state.basemap_labels = cached
    return _answer(request, cached)


@router.get("/map/basemap/{layer}.geojson")
def basemap_layer(request: Request, layer: str, _who: Anyone) -> Response:
    """One shipped layer of the offline basemap (land, oblasts, borders, rivers)."""
    if layer not in basemap.LAYERS:
        raise NotFoundError(
            _(
                "There is no map layer %(name)s; the layers are %(names)s.",
                name=repr(layer),
                names=", ".join(basemap.LAYERS),
            )
        )
    return _answer(request, _layer(layer))


@router.get("/map/tiles.pmtiles")
def pmtiles_archive(w: WS, _who: Anyone) -> Response:
    """The operator's PMTiles archive, served with range requests."""
    path = w.settings.map_pmtiles_path
    if path is None or not Path(path).is_file():
        raise NotFoundError(_("No map tile archive is configured on this server."))
    return FileResponse(
        path,
        media_type="application/vnd.pmtiles",
        headers={"Cache-Control": CACHE_CONTROL},
    )


class PlaceAnswer(Answer):
    """A place the gazetteer knows, named for the reader and in both scripts."""

    name: str = Field(description="In the reader's language (Cyrillic for Ukrainian)")
    name_latin: str = Field(description="In Latin letters (GeoNames)")
    name_uk: str | None = Field(description="In Ukrainian, where known")
    lat: float
    lon: float
    country_code: str
    oblast: str | None = Field(description="The oblast or admin1 division, in English")
    oblast_uk: str | None
    population: int
    match: str = Field(description="exact, prefix or fuzzy")
    katottg: str | None = Field(
        default=None, description="The settlement's code in Ukraine's codifier (KATOTTG)"
    )
    code_of: str | None = Field(
        default=None,
        description="When a KATOTTG code was asked for: the unit it names (the settlement, "
        "or the hromada, raion or oblast the place lies in)",
    )


class PlacesAnswer(Answer):
    """Places matching a name, best first."""

    query: str
    places: list[PlaceAnswer]


def place_answer(candidate: Candidate, language: str) -> PlaceAnswer:
    """The answer for one found place, named for a reader of ``language``."""
    place = candidate.place
    uk = ukrainian_name(place.name) if place.country_code == "UA" else None
    return PlaceAnswer(
        name=(uk or place.name) if language == "uk" else place_name(place.name, language),
        name_latin=place.name,
        name_uk=uk,
        lat=place.lat,
        lon=place.lon,
        country_code=place.country_code,
        oblast=place.oblast,
        oblast_uk=place.oblast_uk,
        population=place.population,
        match=candidate.match,
        katottg=place.katottg,
        code_of=candidate.unit.code if candidate.unit is not None else None,
    )


@api_router.get("/places", response_model=PlacesAnswer)
async def places_search(
    w: WS,
    _who: Writer,
    q: Annotated[str, Query(min_length=1, max_length=MAX_NAME_LENGTH)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> PlacesAnswer:
    """Places of Ukraine and its neighbours matching ``q`` (Ukrainian, Russian or Latin),
    or the places of the unit a KATOTTG code (``UA`` and 17 digits) names."""
    language = current_language()

    def find() -> list[PlaceAnswer]:
        found = gazetteer_for(w).search(q, limit)
        return [place_answer(candidate, language) for candidate in found]

    return PlacesAnswer(query=q, places=await run_in_threadpool(find))
