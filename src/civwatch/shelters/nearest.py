"""The nearest shelters to a point, from a spatial index, never a scan.

Shelters are points on a sphere of radius :data:`EARTH_RADIUS_M`; the index is a KD-tree
(scipy's ``cKDTree``) over their 3D unit vectors. The straight-line (chord) distance
between unit vectors grows with the great-circle distance, so the k nearest by chord are
exactly the k nearest by haversine. One tree is kept per database engine (the workspace's)
for each combination of filters (step-free, pets). The confirmed reports of the last
:data:`~civwatch.shelters.status.HORIZON` are held too, and each candidate's status is
weighed at query time, so it ages as it should; "working only" widens k until enough
working shelters are found.

Keeping up with the registry (its version and its reports' version,
:func:`civwatch.shelters.registry.registry_versions`, grow at every change):

- a transaction of this process that changes either brings this process's indexes up to
  date as it commits, before the commit returns (an import, a coordinator's edit, a
  confirmed report is shown by the very next answer);
- a web process runs a watcher (:func:`watch`) that reads the versions every
  :data:`WATCH_INTERVAL` and rebuilds what another process changed; its queries read no
  database at all;
- without a watcher (the command line), each query reads the versions first.

A registry is rebuilt beside the one in use, which goes on answering until the new one,
trees and all, takes its place: no answer waits for a rebuild, except the very first one of
a process holding nothing yet. The confirmed reports are a small read and are read at once.
"""

from __future__ import annotations

import logging
import math
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.shelters.models import Shelter, ShelterRegistryState
from civwatch.shelters.registry import CHANGED_KEY
from civwatch.shelters.status import HORIZON, ShownStatus, confirmed_reports, weigh
from civwatch.shelters.vocabulary import CLOSED_STATUSES, COMPASS_POINTS

if TYPE_CHECKING:
    from civwatch.workspace import Workspace

#: The mean Earth radius (IUGG), as in the haversine formula civwatch.geo uses.
EARTH_RADIUS_M: Final = 6_371_008.8
#: The most shelters one query answers.
MAX_LIMIT: Final = 100
#: The filter combinations (step-free, pets) a tree is kept for.
FILTERS: Final = ((False, False), (True, False), (False, True), (True, True))

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Nearby:
    """A shelter near the point asked about."""

    id: str
    name: str
    lat: float
    lon: float
    distance_m: float
    #: The initial bearing from the point to the shelter, degrees from north, clockwise.
    bearing_deg: float
    #: One of :data:`civwatch.shelters.vocabulary.COMPASS_POINTS` ("N", "NE", ...).
    compass: str
    status: ShownStatus
    capacity: int | None
    step_free: bool | None
    pets: bool | None
    type: str
    address: str | None


def unit_vectors(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """The 3D unit vectors of points given in degrees."""
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def chord_to_metres(chord: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle distances (metres) from chord lengths between unit vectors."""
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The initial bearing (degrees, 0 = north, clockwise) from point 1 to point 2."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def compass(bearing_deg: float) -> str:
    """The nearest of the eight compass points to a bearing."""
    return COMPASS_POINTS[round(bearing_deg / 45.0) % 8]


@dataclass
class _Registry:
    """The shelters in force (not gone from their source) of one registry version, and the
    trees over them, built lazily per filter combination."""

    version: int
    ids: list[str]
    names: list[str]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    xyz: NDArray[np.float64]
    step_free: NDArray[np.bool_]
    pets: NDArray[np.bool_]
    known_step_free: list[bool | None]
    known_pets: list[bool | None]
    capacity: list[int | None]
    types: list[str]
    addresses: list[str | None]
    #: What the source states of each shelter (a disused one), and since when.
    stated: list[tuple[str | None, datetime | None]]
    trees: dict[tuple[bool, bool], tuple[cKDTree, NDArray[np.intp]]] = field(default_factory=dict)

    def tree(self, step_free: bool, pets: bool) -> tuple[cKDTree, NDArray[np.intp]]:
        """The tree over the shelters passing the filters, and their rows (built once; a
        registry in use has them all, see :func:`_build`)."""
        key = (step_free, pets)
        if key not in self.trees:
            mask = np.ones(len(self.ids), dtype=bool)
            if step_free:
                mask &= self.step_free
            if pets:
                mask &= self.pets
            rows = np.flatnonzero(mask)
            self.trees[key] = (cKDTree(self.xyz[rows]), rows)
        return self.trees[key]


def _load(session: Session, version: int) -> _Registry:
    # Only the pets flag of the facilities, and the time only of shelters whose source
    # states a status: decoding 200,000 JSON documents and timestamps took seconds.
    pets_flag = Shelter.facilities["pets"].as_boolean()
    rows = (
        session.connection()
        .execute(
            select(
                Shelter.id,
                Shelter.name,
                Shelter.lat,
                Shelter.lon,
                Shelter.step_free,
                pets_flag,
                Shelter.capacity,
                Shelter.type,
                Shelter.address,
            )
            .where(Shelter.gone_from_source_at.is_(None))
            .order_by(Shelter.id)
        )
        .all()
    )
    stated_by_id = {
        shelter_id: (status, at)
        for shelter_id, status, at in session.connection().execute(
            select(Shelter.id, Shelter.registry_status, Shelter.updated_at).where(
                Shelter.gone_from_source_at.is_(None), Shelter.registry_status.is_not(None)
            )
        )
    }
    ids, names, lat_list, lon_list, step_free, pets, capacity, types, addresses = (
        [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(9)]
    )
    lat = np.array(lat_list, dtype=np.float64)
    lon = np.array(lon_list, dtype=np.float64)
    known_pets: list[bool | None] = [None if p is None else bool(p) for p in pets]
    known_step_free: list[bool | None] = [None if v is None else bool(v) for v in step_free]
    nothing: tuple[str | None, datetime | None] = (None, None)
    return _Registry(
        version=version,
        ids=ids,
        names=names,
        lat=lat,
        lon=lon,
        xyz=unit_vectors(lat, lon) if rows else np.zeros((0, 3)),
        step_free=np.array([v is True for v in known_step_free], dtype=bool),
        pets=np.array([p is True for p in known_pets], dtype=bool),
        known_step_free=known_step_free,
        known_pets=known_pets,
        capacity=capacity,
        types=types,
        addresses=addresses,
        stated=[stated_by_id.get(i, nothing) for i in ids],
    )


@dataclass
class _Reports:
    """The confirmed reports of the last HORIZON (and a day), by shelter."""

    version: int
    by_shelter: dict[str, list[tuple[str, str, datetime]]]


def _load_reports(session: Session, version: int) -> _Reports:
    since = datetime.now(UTC) - HORIZON - timedelta(days=1)
    return _Reports(version, confirmed_reports(session, since))


#: How often (seconds) a watching process asks the database whether the registry changed.
WATCH_INTERVAL: Final = 1.0
#: How long (seconds) stopping the watcher waits for a check or a rebuild under way.
STOP_WAIT_S: Final = 60.0


@dataclass
class _Index:
    """What this process holds for one database: the registry and its trees, the confirmed
    reports, and how they are kept up to date."""

    registry: _Registry | None = None
    reports: _Reports | None = None
    #: Held by whoever builds the registry (one build at a time; a query never waits on it
    #: while a registry is held).
    building: threading.Lock = field(default_factory=threading.Lock)
    #: Set while a watcher keeps the index up to date: queries then read no database.
    watching: threading.Event | None = None


_INDEXES: weakref.WeakKeyDictionary[Engine, _Index] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()

_STATE = ShelterRegistryState.__table__
_VERSIONS = select(_STATE.c.version, _STATE.c.reports_version).where(_STATE.c.id == 1)


def _index(engine: Engine) -> _Index:
    with _LOCK:
        index = _INDEXES.get(engine)
        if index is None:
            index = _INDEXES[engine] = _Index()
            event.listen(engine, "engine_disposed", _forget)
        return index


def _forget(engine: Engine) -> None:
    """``engine`` was closed (``Workspace.close``): its index goes with it. Otherwise a
    later commit on the same database would catch it up through the closed engine, and
    the connection that opens would stay in a pool no one closes any more (left to the
    garbage collector, open)."""
    with _LOCK:
        _INDEXES.pop(engine, None)


def _versions(engine: Engine) -> tuple[int, int]:
    """The registry's and the reports' versions (one primary-key read, on a bare
    connection)."""
    with engine.connect() as conn:
        row = conn.execute(_VERSIONS).first()
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def _build(engine: Engine, index: _Index) -> None:
    """Read the registry into ``index`` if the database's version is newer than the one
    held (the caller holds ``index.building``). The answers keep coming from the registry
    held until the new one, trees and all, takes its place."""
    version = _versions(engine)[0]
    if index.registry is not None and index.registry.version == version:
        return
    with Session(engine) as session:
        built = _load(session, version)
    for key in FILTERS:
        built.tree(*key)
    index.registry = built


def _build_aside(engine: Engine, index: _Index) -> None:
    try:
        _build(engine, index)
    except Exception:
        logger.exception("the shelters' index could not be rebuilt")
    finally:
        index.building.release()


def _catch_up(engine: Engine, index: _Index, *, wait: bool) -> None:
    """Bring ``index`` up to the database's versions: the confirmed reports at once (a
    small read), the registry at once if none is held or ``wait``, else in a thread of its
    own while the registry held goes on answering."""
    registry_version, reports_version = _versions(engine)
    reports = index.reports
    if reports is None or reports.version != reports_version:
        with Session(engine) as session:
            index.reports = _load_reports(session, reports_version)
    held = index.registry
    if held is not None and held.version == registry_version:
        return
    if held is None or wait:
        with index.building:  # after a build under way, builds only if still behind
            _build(engine, index)
    elif index.building.acquire(blocking=False):  # no build under way: start one
        threading.Thread(
            target=_build_aside, args=(engine, index), name="shelter-index", daemon=True
        ).start()


def _held(ws: Workspace) -> tuple[_Registry, _Reports]:
    """The registry and the confirmed reports this process holds for ``ws``: as the
    watcher keeps them if one runs; else checked against the database's versions first."""
    index = _index(ws.engine)
    registry, reports = index.registry, index.reports
    if index.watching is None or registry is None or reports is None:
        _catch_up(ws.engine, index, wait=False)
        registry, reports = index.registry, index.reports
    assert registry is not None and reports is not None
    return registry, reports


def ready(ws: Workspace) -> bool:
    """Whether :func:`nearest` would answer for ``ws`` from memory alone, without reading
    the database (a watcher keeps the index up to date): the web calls it on its event loop
    then, instead of handing it to a worker thread."""
    index = _INDEXES.get(ws.engine)
    return (
        index is not None
        and index.watching is not None
        and index.registry is not None
        and index.reports is not None
    )


def warm(ws: Workspace) -> int:
    """Read the registry and the confirmed reports into this process and build the index
    (a web process calls it at start, so no one waits for it at their first question);
    returns how many shelters the index holds."""
    reg, _reports = _held(ws)
    tree, _rows = reg.tree(False, False)
    return int(tree.n)


def watch(ws: Workspace, interval: float = WATCH_INTERVAL) -> Callable[[], None]:
    """Keep this process's index for ``ws`` up to date from a thread of its own: every
    ``interval`` seconds it reads the versions and rebuilds what changed beside the index in
    use, which answers meanwhile; queries no longer read the database at all. A change
    committed in this process is taken at its commit (see :func:`_committed`). Returns the
    function that stops the watcher and waits for a check under way (the web app calls it
    at shutdown, before it closes the workspace)."""
    engine = ws.engine
    index = _index(engine)
    _catch_up(engine, index, wait=True)
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                _catch_up(engine, index, wait=True)
            except Exception:
                logger.exception("the shelters' index could not be checked")

    index.watching = stop
    thread = threading.Thread(target=run, name="shelter-index-watch", daemon=True)
    thread.start()

    def stop_watching() -> None:
        stop.set()
        if index.watching is stop:
            index.watching = None
        # The caller closes the engine next: a check or rebuild still under way would
        # give its connection back after that, to a pool no one closes any more.
        thread.join(STOP_WAIT_S)
        if index.building.acquire(timeout=STOP_WAIT_S):
            index.building.release()
        if thread.is_alive():
            logger.warning("the shelters' index watcher did not stop in %s s", STOP_WAIT_S)

    return stop_watching


def _committed(session: Session) -> None:
    """A transaction that changed the registry or its reports (marked by
    :func:`civwatch.shelters.registry.registry_changed` or ``reports_changed``) committed:
    every index this process holds for that database catches up before the commit returns,
    so what this process answers next shows the change."""
    if not session.info.pop(CHANGED_KEY, False):
        return
    bind = session.bind
    if bind is None:
        return
    engine = bind if isinstance(bind, Engine) else bind.engine
    url = engine.url.render_as_string(hide_password=False)
    with _LOCK:
        held = [
            (other, index)
            for other, index in _INDEXES.items()
            if index.registry is not None and other.url.render_as_string(hide_password=False) == url
        ]
    for other, index in held:  # the web app's engine, when a test or a job changed it
        try:
            _catch_up(other, index, wait=True)
        except Exception:
            logger.exception("the shelters' index could not catch up after a change")


def _rolled_back(session: Session, _previous: object) -> None:
    session.info.pop(CHANGED_KEY, None)


if not event.contains(Session, "after_commit", _committed):
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_soft_rollback", _rolled_back)


def check_point(lat: float, lon: float) -> None:
    """Refuse a point that is not a latitude and longitude in degrees."""
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise RejectedInputError(
            _(
                "%(lat)s, %(lon)s is not a position: give a latitude between -90 and 90 and a "
                "longitude between -180 and 180, in degrees.",
                lat=lat,
                lon=lon,
            )
        )


def nearest(
    ws: Workspace,
    lat: float,
    lon: float,
    *,
    limit: int = 10,
    step_free: bool = False,
    pets: bool = False,
    working_only: bool = True,
    now: datetime | None = None,
) -> list[Nearby]:
    """The ``limit`` shelters nearest to (``lat``, ``lon``), nearest first: only step-free
    ones (known so) if ``step_free``, only those taking pets if ``pets``, and, if
    ``working_only``, none whose shown status is closed, locked or unusable. Shelters gone
    from their source are never offered."""
    check_point(lat, lon)
    if not 1 <= limit <= MAX_LIMIT:
        raise RejectedInputError(
            _("Ask for between 1 and %(max)s shelters, not %(limit)s.", max=MAX_LIMIT, limit=limit)
        )
    at = now or datetime.now(UTC)
    phi, lam = math.radians(lat), math.radians(lon)
    point = (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))
    reg, reports = _held(ws)
    tree, rows = reg.tree(step_free, pets)
    total = len(rows)
    if total == 0:
        return []
    found: list[Nearby] = []
    k = min(total, limit if not working_only else limit + 8)
    seen = 0
    while True:
        chords, idx = tree.query(point, k=k)
        chords, idx = np.atleast_1d(chords), np.atleast_1d(idx)
        for chord, i in zip(chords[seen:], idx[seen:], strict=True):
            row = int(rows[i])
            shelter_id = reg.ids[row]
            status = weigh(reports.by_shelter.get(shelter_id, ()), at, reg.stated[row])
            if working_only and status.code in CLOSED_STATUSES:
                continue
            found.append(_nearby(reg, row, float(chord), status, lat, lon))
            if len(found) == limit:
                return found
        seen = k
        if k >= total:
            return found
        k = min(total, k * 4)


def _nearby(
    reg: _Registry, row: int, chord: float, status: ShownStatus, lat: float, lon: float
) -> Nearby:
    s_lat, s_lon = float(reg.lat[row]), float(reg.lon[row])
    heading = bearing(lat, lon, s_lat, s_lon)
    return Nearby(
        id=reg.ids[row],
        name=reg.names[row],
        lat=s_lat,
        lon=s_lon,
        distance_m=2.0 * EARTH_RADIUS_M * math.asin(min(max(chord / 2.0, 0.0), 1.0)),
        bearing_deg=heading,
        compass=compass(heading),
        status=status,
        capacity=reg.capacity[row],
        step_free=reg.known_step_free[row],
        pets=reg.known_pets[row],
        type=reg.types[row],
        address=reg.addresses[row],
    )
