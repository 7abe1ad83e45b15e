"""Imports of shelters: OpenStreetMap extracts (read with pyosmium), the Ukrainian
open-data shelter schema (CSV or JSON), and GeoJSON or CSV with civwatch's column names.

Every import is idempotent: a record is found again by its source key (kind, source id),
so a re-import updates (or leaves unchanged) what it added before, never duplicates it;
a shelter a new import of the same data set no longer lists is marked gone, never
deleted. Bad rows (no coordinates, coordinates outside Ukraine, a duplicate id) are skipped
and reported with their line (their record number in JSON, their id in OSM) and reason;
nothing else is lost. The whole import is one transaction: an interrupted import leaves
nothing half done, and running it again does it all. docs/shelters.md lists the mappings.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson
from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import authorise
from civwatch.db import utcnow
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.shelters.models import Shelter, ShelterImport, ShelterSource
from civwatch.shelters.osm_source import read_osm
from civwatch.shelters.registry import new_id, registry_changed
from civwatch.shelters.source_values import SourceRecord, clean_text
from civwatch.shelters.table_sources import read_csv, read_geojson, read_ua

if TYPE_CHECKING:
    from civwatch.workspace import Workspace

_SHELTERS: Final[Table] = Shelter.__table__  # type: ignore[assignment]
_SOURCES: Final[Table] = ShelterSource.__table__  # type: ignore[assignment]

FORMATS: Final = ("osm", "ua-opendata", "geojson", "csv")
#: Fields a re-import leaves as they are when its source gives no value: who holds the key
#: and the hromada, which coordinators may have set by hand (OSM gives neither).
KEPT_UNLESS_GIVEN: Final = ("key_holder", "key_holder_contact", "katottg", "hromada")
#: Records imported per round trip to the database.
CHUNK: Final = 2000
#: The fields an import sets on a shelter (the fingerprint covers them).
FIELDS: Final = (
    "name",
    "name_en",
    "address",
    "lat",
    "lon",
    "type",
    "capacity",
    "underground",
    "level",
    "step_free",
    "ramp",
    "lift",
    "accessible_toilet",
    "facilities",
    "opening_kind",
    "opening_hours",
    "key_holder",
    "key_holder_contact",
    "responsible_body",
    "katottg",
    "hromada",
    "registry_status",
)


@dataclass
class ImportResult:
    """What an import did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_gone: int = 0
    #: (line, reason in the language in force) of each row skipped: the line of a CSV
    #: file, the record's number in a JSON file, the object's id in an OSM extract.
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: The import's id (in shelter_imports).
    import_id: str = ""


def _fingerprint(values: Mapping[str, Any]) -> str:
    doc = {name: values.get(name) for name in FIELDS}
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


_READERS: Final[dict[str, Callable[[Path], Iterator[SourceRecord | tuple[int, str]]]]] = {
    "osm": read_osm,
    "ua-opendata": read_ua,
    "geojson": read_geojson,
    "csv": read_csv,
}


def detect_format(path: Path) -> str:
    """The format of ``path`` from its name and, for JSON and CSV, its first bytes."""
    name = path.name.casefold()
    if name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz", ".osm.xml")):
        return "osm"
    if name.endswith(".geojson"):
        return "geojson"
    with path.open("rb") as handle:
        head = handle.read(65536)
    text = head.decode("utf-8", errors="ignore")
    if name.endswith(".json"):
        return "geojson" if '"FeatureCollection"' in text.replace(" ", "") else "ua-opendata"
    if name.endswith(".csv"):
        first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
        return "ua-opendata" if "CATUTTC" in first or "uid" in first.split(",;\t"[0]) else "csv"
    raise RejectedInputError(
        _(
            "Cannot tell the format of %(name)s: give --format, one of %(formats)s.",
            name=path.name,
            formats=", ".join(FORMATS),
        )
    )


def dataset_of(path: Path) -> str:
    """The data set a file is an edition of: its name without extensions."""
    name = path.name
    while "." in name:
        name = name.rsplit(".", 1)[0]
    return name or path.name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _in_hromada(
    record: SourceRecord, hromada_of: Callable[[str], tuple[str, str] | None]
) -> SourceRecord:
    """The record with its KATOTTG code raised to its hromada's: registries often give the
    settlement's code (the city of Kharkiv, not the Kharkiv hromada), and the per-hromada
    lists and bundles would then split one hromada in two. The source's hromada name is
    kept when it gives one; the codifier's fills it in when it gives none."""
    code = record.values.get("katottg")
    found = hromada_of(code) if code else None
    if found is None or (found[0] == code and record.values.get("hromada")):
        return record
    values = {**record.values, "katottg": found[0]}
    values["hromada"] = values.get("hromada") or found[1]
    return dataclasses.replace(record, values=values)


def _write_chunk(
    session: Session,
    kind: str,
    dataset: str,
    import_id: str,
    records: list[SourceRecord],
    result: ImportResult,
    locate: Callable[[list[tuple[float, float]]], list[tuple[str, str] | None]] | None = None,
    hromada_of: Callable[[str], tuple[str, str] | None] | None = None,
) -> None:
    now = utcnow()
    if hromada_of is not None:
        records = [_in_hromada(r, hromada_of) for r in records]
    ids = [r.source_id for r in records]
    known: dict[str, str] = {
        source_id: shelter_id
        for source_id, shelter_id in session.execute(
            select(ShelterSource.source_id, ShelterSource.shelter_id).where(
                ShelterSource.kind == kind, ShelterSource.source_id.in_(ids)
            )
        )
    }
    current = {
        row.id: (row.fingerprint, row.gone_from_source_at)
        for row in session.execute(
            select(Shelter.id, Shelter.fingerprint, Shelter.gone_from_source_at).where(
                Shelter.id.in_(list(known.values()))
            )
        )
    }
    new_shelters: list[dict[str, Any]] = []
    new_sources: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    # A new shelter whose source names no hromada gets the nearest settlement's, set once (a
    # re-import neither repeats nor overrides it, so a coordinator's fix stays).
    placed_in: dict[str, tuple[str, str] | None] = {}
    if locate is not None:
        unplaced = [
            r for r in records if r.source_id not in known and r.values.get("katottg") is None
        ]
        where = [(r.values["lat"], r.values["lon"]) for r in unplaced]
        placed_in = dict(zip((r.source_id for r in unplaced), locate(where), strict=True))
    for record in records:
        values = record.values
        print_ = _fingerprint(values)
        shelter_id = known.get(record.source_id)
        if shelter_id is None:
            shelter_id = new_id("sh_")
            placed = dict(values)
            found = placed_in.get(record.source_id)
            if found is not None:
                placed["katottg"], placed["hromada"] = found
            new_shelters.append(
                {
                    "id": shelter_id,
                    **placed,
                    "fingerprint": print_,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            new_sources.append(
                {
                    "kind": kind,
                    "source_id": record.source_id,
                    "shelter_id": shelter_id,
                    "dataset": dataset,
                    "last_import_id": import_id,
                    "last_seen_at": now,
                }
            )
            result.added += 1
            continue
        seen.append(
            {
                "kind": kind,
                "source_id": record.source_id,
                "dataset": dataset,
                "last_import_id": import_id,
                "last_seen_at": now,
            }
        )
        fingerprint, gone = current.get(shelter_id, (None, None))
        if fingerprint == print_ and gone is None:
            result.unchanged += 1
            continue
        row = {"id": shelter_id, **values, "fingerprint": print_, "updated_at": now}
        row["gone_from_source_at"] = None
        for name in KEPT_UNLESS_GIVEN:
            row[f"keep_{name}"] = row.pop(name)
        changed.append(row)
        result.updated += 1
    if new_shelters:
        # Core executemany: one statement for the chunk (the ORM's bulk insert splits rows
        # by the columns they leave empty, thousands of statements for a chunk).
        session.connection().execute(insert(_SHELTERS), new_shelters)
        session.connection().execute(insert(_SOURCES), new_sources)
    if changed:
        session.connection().execute(
            update(_SHELTERS)
            .where(_SHELTERS.c.id == bindparam("b_id"))
            .values(
                {
                    name: func.coalesce(bindparam(f"keep_{name}"), _SHELTERS.c[name])
                    for name in KEPT_UNLESS_GIVEN
                }
            ),
            [{**{k: v for k, v in row.items() if k != "id"}, "b_id": row["id"]} for row in changed],
        )
    if seen:
        session.connection().execute(
            update(_SOURCES)
            .where(_SOURCES.c.kind == bindparam("b_kind"))
            .where(_SOURCES.c.source_id == bindparam("b_source_id"))
            .values(
                dataset=bindparam("dataset"),
                last_import_id=bindparam("last_import_id"),
                last_seen_at=bindparam("last_seen_at"),
            ),
            [{**row, "b_kind": row["kind"], "b_source_id": row["source_id"]} for row in seen],
        )


def import_file(
    ws: Workspace,
    path: Path,
    fmt: str | None = None,
    *,
    actor: Principal | None = None,
    dataset: str | None = None,
) -> ImportResult:
    """Import the shelters of ``path`` (format ``fmt``, or told from the file) as an edition
    of ``dataset`` (default: the file's name without extensions). ``actor`` must hold
    shelters.coordinate; None is whoever holds the data folder (the command line)."""
    if not path.is_file():
        raise RejectedInputError(_("%(path)s is not a file.", path=str(path)))
    chosen = fmt.strip().casefold() if fmt else detect_format(path)
    if chosen not in _READERS:
        raise RejectedInputError(
            _(
                "%(format)s is not a shelter format; use one of %(formats)s.",
                format=repr(fmt),
                formats=", ".join(FORMATS),
            )
        )
    edition = clean_text(dataset, 200) or dataset_of(path)
    result = ImportResult(import_id=new_id("shi_"))
    digest = _sha256(path)
    first_line: dict[str, int] = {}
    # The gazetteer (codes to hromadas, points to hromadas) is read once per process, and
    # before the transaction: its first reading takes seconds, the write lock must not wait.
    from civwatch.geo.gazetteer import default_gazetteer, hromada_of_code, katottg_for_points

    cache = ws.data_dir / "cache"
    default_gazetteer(cache)
    locate = partial(katottg_for_points, cache_dir=cache) if chosen == "osm" else None
    hromada_of = partial(hromada_of_code, cache_dir=cache)
    with ws.sessions() as session, session.begin():
        if actor is not None:
            authorise(session, actor, Permission.SHELTERS_COORDINATE)
        session.add(
            ShelterImport(
                id=result.import_id,
                format=chosen,
                file_name=path.name[:255],
                sha256=digest,
                dataset=edition,
                at=utcnow(),
                by=None if actor is None else actor.user_id,
            )
        )
        session.flush()
        batch: list[SourceRecord] = []
        try:
            for item in _READERS[chosen](path):
                if isinstance(item, tuple):
                    result.skipped.append(item)
                    continue
                if item.source_id in first_line:
                    result.skipped.append(
                        (
                            item.line,
                            _(
                                "duplicate id %(id)s (first on line %(first)s)",
                                id=item.source_id,
                                first=first_line[item.source_id],
                            ),
                        )
                    )
                    continue
                first_line[item.source_id] = item.line
                batch.append(item)
                if len(batch) >= CHUNK:
                    _write_chunk(
                        session,
                        chosen,
                        edition,
                        result.import_id,
                        batch,
                        result,
                        locate,
                        hromada_of,
                    )
                    batch = []
        except RuntimeError as error:  # pyosmium's error for a broken or foreign file
            raise RejectedInputError(
                _("%(name)s cannot be read: %(error)s", name=path.name, error=str(error))
            ) from error
        if batch:
            _write_chunk(
                session, chosen, edition, result.import_id, batch, result, locate, hromada_of
            )
        result.marked_gone = _mark_gone(session, chosen, edition, result.import_id)
        record = session.get(ShelterImport, result.import_id)
        assert record is not None
        record.added, record.updated, record.unchanged = (
            result.added,
            result.updated,
            result.unchanged,
        )
        record.marked_gone, record.skipped = result.marked_gone, len(result.skipped)
        if result.added or result.updated or result.marked_gone:
            registry_changed(session)
    return result


def _mark_gone(session: Session, kind: str, dataset: str, import_id: str) -> int:
    """Mark the shelters of (kind, dataset) this import did not see; returns how many."""
    missing = select(ShelterSource.shelter_id).where(
        ShelterSource.kind == kind,
        ShelterSource.dataset == dataset,
        or_(ShelterSource.last_import_id.is_(None), ShelterSource.last_import_id != import_id),
    )
    done = session.execute(
        update(Shelter)
        .where(and_(Shelter.id.in_(missing), Shelter.gone_from_source_at.is_(None)))
        .values(gone_from_source_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)
