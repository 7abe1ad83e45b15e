"""An operator's GeoNames country dump (``UA.txt`` or ``UA.zip``): read, join, keep.

The shipped data has Ukraine's places of 500 people or more (about 2,200 of ~29,700
settlements). GeoNames' country dump has nearly all of them, with coordinates; the operator
downloads it and gives it to ``civwatch geo import-geonames FILE``. The file is read as a
stream (tab-separated, 19 fields, UTF-8: geonameid, name, asciiname, alternatenames,
latitude, longitude, feature class, feature code, country code, cc2, admin1..admin4,
population, elevation, dem, timezone, modification date). Populated places (feature
class P, without sections of places and historical or abandoned ones) are joined to the
codifier (:mod:`civwatch.geo.katottg_join`) and kept in the data folder
(``gazetteer/geonames-ua.json.gz``, written atomically); from then on the gazetteer takes
Ukraine's places from it instead of the shipped data.

A line that is not a GeoNames record (wrong number of fields, a bad number, bad UTF-8, a
line over 64 KB) is counted and skipped, never fatal. Limits: the text read (or unpacked
from the ZIP) is at most 2 GB.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from civwatch.errors import RejectedInputError
from civwatch.files import atomic_writer
from civwatch.geo.gazetteer_data import (
    FORMAT,
    PlaceRecord,
    PlaceTable,
    loose_place_keys,
    place_keys,
    table_from_json,
    table_to_json,
)
from civwatch.i18n import _
from civwatch.i18n.formatting import format_size

log = logging.getLogger(__name__)

#: Where an imported dump is kept, relative to the data folder.
IMPORTED_FILE: Final = Path("gazetteer") / "geonames-ua.json.gz"
MAX_TEXT_BYTES: Final = 2_000_000_000
MAX_LINE_BYTES: Final = 64 * 1024
FIELDS: Final = 19
#: Feature codes of class P that are not settlements of their own.
SKIPPED_CODES: Final = frozenset({"PPLX", "PPLH", "PPLQ", "PPLCH"})


@dataclass(frozen=True, slots=True)
class DumpCounts:
    """What reading a dump found."""

    lines: int = 0
    places: int = 0
    other_features: int = 0
    other_countries: int = 0
    malformed: int = 0
    first_malformed: int | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import read, joined and kept."""

    counts: DumpCounts
    joined_places: int
    ambiguous: int
    joined_settlements: int
    settlements: int
    sha256: str
    stored_at: Path

    @property
    def place_join_rate(self) -> float | None:
        return self.joined_places / self.counts.places if self.counts.places else None

    @property
    def settlement_coverage(self) -> float | None:
        return self.joined_settlements / self.settlements if self.settlements else None

    def to_dict(self) -> dict[str, object]:
        c = self.counts
        return {
            "lines": c.lines,
            "places": c.places,
            "malformed": c.malformed,
            "first_malformed_line": c.first_malformed,
            "other_features": c.other_features,
            "other_countries": c.other_countries,
            "joined_places": self.joined_places,
            "ambiguous_places": self.ambiguous,
            "place_join_rate": _rate(self.place_join_rate),
            "katottg_settlements": self.settlements,
            "katottg_settlements_with_coordinates": self.joined_settlements,
            "settlement_coverage": _rate(self.settlement_coverage),
            "sha256": self.sha256,
            "stored_at": str(self.stored_at),
        }


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class _Counting(io.RawIOBase):
    """A binary stream that hashes what passes and refuses more than ``limit`` bytes."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self._inner, self._limit, self.read_bytes = inner, limit, 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self.read_bytes += len(data)
        if self.read_bytes > self._limit:
            raise RejectedInputError(
                _(
                    "The GeoNames file holds more than %(limit)s of text; a country "
                    "dump is far smaller.",
                    limit=format_size(self._limit),
                )
            )
        self.sha256.update(data)
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def _open_text(path: Path) -> Iterator[_Counting]:
    """The dump's text as a counted binary stream: the file, or the ``.txt`` in the ZIP."""
    if not path.is_file():
        raise RejectedInputError(_("%(path)s is not a file.", path=str(path)))
    with path.open("rb") as raw:
        if zipfile.is_zipfile(raw):
            raw.seek(0)
            try:
                archive = zipfile.ZipFile(raw)
            except zipfile.BadZipFile as err:
                raise RejectedInputError(
                    _("%(path)s is a damaged ZIP file.", path=path.name)
                ) from err
            with archive:
                members = [
                    i
                    for i in archive.infolist()
                    if i.filename.lower().endswith(".txt")
                    and "readme" not in i.filename.lower()
                    and not i.is_dir()
                ]
                if len(members) != 1:
                    raise RejectedInputError(
                        _(
                            "%(path)s should hold one GeoNames text file (such as UA.txt); "
                            "it holds %(count)s.",
                            path=path.name,
                            count=len(members),
                        )
                    )
                try:
                    with archive.open(members[0]) as inner:
                        yield _Counting(inner, MAX_TEXT_BYTES)
                except (zipfile.BadZipFile, EOFError) as err:
                    raise RejectedInputError(
                        _("%(path)s is a damaged ZIP file.", path=path.name)
                    ) from err
        else:
            raw.seek(0)
            yield _Counting(raw, MAX_TEXT_BYTES)


def parse_line(line: bytes) -> PlaceRecord | str:
    """One dump line as a place, or why it is no place: "malformed", "feature", "country"."""
    if len(line) > MAX_LINE_BYTES:
        return "malformed"
    try:
        fields = line.decode("utf-8").rstrip("\r\n").split("\t")
    except UnicodeDecodeError:
        return "malformed"
    if len(fields) != FIELDS:
        return "malformed"
    try:
        geonames_id = int(fields[0])
        lat, lon = float(fields[4]), float(fields[5])
        population = int(fields[14] or 0)
    except ValueError:
        return "malformed"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or geonames_id <= 0 or population < 0:
        return "malformed"
    name = fields[1].strip()
    if not name:
        return "malformed"
    if fields[6] != "P" or fields[7] in SKIPPED_CODES:
        return "feature"
    if fields[8] != "UA":
        return "country"
    alternates = [a.strip() for a in fields[3].split(",") if a.strip()]
    if fields[2].strip() and fields[2].strip() != name:
        alternates.insert(0, fields[2].strip())
    keys = place_keys(name, alternates)
    return PlaceRecord(
        geonames_id=geonames_id,
        name=name,
        lat=lat,
        lon=lon,
        country_code="UA",
        admin1_code=fields[10].strip(),
        population=population,
        timezone=fields[17].strip(),
        keys=keys,
        loose_keys=loose_place_keys(keys),
    )


def read_dump(
    path: Path, progress: Callable[[int], None] | None = None
) -> tuple[list[PlaceRecord], DumpCounts, str]:
    """The Ukrainian populated places of a dump, what was counted, and its SHA-256."""
    places: list[PlaceRecord] = []
    counts = {"lines": 0, "places": 0, "feature": 0, "country": 0, "malformed": 0}
    first_malformed: int | None = None
    with _open_text(path) as stream:
        reader = io.BufferedReader(stream, buffer_size=1024 * 1024)
        while True:
            line = reader.readline(MAX_LINE_BYTES + 1)
            if not line:
                break
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest of an endless line
                    line = reader.readline(MAX_LINE_BYTES)
                line = b"x" * (MAX_LINE_BYTES + 1)
            counts["lines"] += 1
            if not line.strip():
                continue
            found = parse_line(line)
            if isinstance(found, PlaceRecord):
                places.append(found)
                counts["places"] += 1
            else:
                counts[found] += 1
                if found == "malformed" and first_malformed is None:
                    first_malformed = counts["lines"]
            if progress is not None and counts["lines"] % 10_000 == 0:
                progress(stream.read_bytes)
        digest = stream.sha256.hexdigest()
    if progress is not None:
        progress(stream.read_bytes)
    return (
        places,
        DumpCounts(
            lines=counts["lines"],
            places=counts["places"],
            other_features=counts["feature"],
            other_countries=counts["country"],
            malformed=counts["malformed"],
            first_malformed=first_malformed,
        ),
        digest,
    )


def import_geonames(
    path: Path,
    data_dir: Path,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Read a GeoNames dump, join its places to the codifier and keep them in the data
    folder, replacing an earlier import. Refuses a file without any Ukrainian place."""
    from dataclasses import replace

    from civwatch.geo.katottg import load_codifier
    from civwatch.geo.katottg_join import join

    places, counts, digest = read_dump(path, progress)
    if not places:
        raise RejectedInputError(
            _(
                "%(path)s has no populated place in Ukraine: give GeoNames' UA.txt or UA.zip "
                "(%(malformed)s lines were not GeoNames records).",
                path=path.name,
                malformed=counts.malformed,
            )
        )
    result = join(places, load_codifier(cache_dir))
    places = [replace(p, katottg=result.codes.get(p.geonames_id)) for p in places]
    places.sort(key=lambda p: p.geonames_id)
    imported_at = datetime.now(UTC).isoformat(timespec="seconds")
    table = PlaceTable(places, {}, f"GeoNames dump {digest[:12]} imported {imported_at}")
    target = data_dir / IMPORTED_FILE
    doc = {**table_to_json(table), "sha256": digest, "imported_at": imported_at}
    with atomic_writer(target) as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())
    return ImportReport(
        counts=counts,
        joined_places=len(result.codes),
        ambiguous=result.ambiguous,
        joined_settlements=result.joined_settlements,
        settlements=result.settlements,
        sha256=digest,
        stored_at=target,
    )


def load_imported(path: Path) -> PlaceTable | None:
    """The imported places kept at ``path``, or None when there are none (or they were
    kept by another layout: import the dump again)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data: dict[str, Any] = json.load(handle)
        if data.get("format") != FORMAT:
            return None
        return table_from_json(data)
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError) as err:
        log.warning("imported gazetteer %s is unreadable (%s); using the shipped data", path, err)
        return None
