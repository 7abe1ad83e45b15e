"""Fixtures shared by the incidents, accounts and CLI tests: a team of users, a gazetteer
built once per test session, and evidence ingested from generated photos."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from civwatch.accounts import add_user
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.geo.gazetteer import Gazetteer
from civwatch.workspace import Workspace
from tests.support.files import photo

TEAM = {
    "ada": ["admin"],
    "ivan": ["investigator"],
    "vera": ["verifier"],
    "viktor": ["verifier", "investigator"],
    "pat": ["publisher"],
    "val": ["viewer"],
}
KHARKIV = (49.9935, 36.2304)
WHEN = datetime(2022, 3, 9, 11, 5, tzinfo=UTC)
GEO = {
    "claimed_place": "Kharkiv regional hospital",
    "lat": KHARKIV[0],
    "lon": KHARKIV[1],
    "precision_m": 30,
    "method": "matched facade and street lamps to satellite imagery",
    "references": ["satellite image 2022-02-20"],
}
CHRONO = {
    "claimed_time": "2022-03-09T14:00:00+03:00",
    "window_start": "2022-03-09T10:30:00+00:00",
    "window_end": "2022-03-09T11:30:00+00:00",
    "method": "shadow bearing and EXIF time",
}


def verify_item(ws: Workspace, sha: str, *, author: str, reviewer: str) -> str:
    """Take an item through the two-person rule: geolocated and chronolocated (at Kharkiv,
    9 March 2022) and marked verified by ``author``, approved by ``reviewer``."""
    from civwatch.incidents.verification import add_record, review_item, set_item_status

    add_record(ws, sha, "geolocation", GEO, actor=author)
    add_record(ws, sha, "chronolocation", CHRONO, actor=author)
    set_item_status(ws, sha, "verified", actor=author)
    review_item(ws, sha, "approve", actor=reviewer)
    return sha


@pytest.fixture(scope="session")
def gazetteer_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the compact gazetteer (built once for the whole run)."""
    folder = tmp_path_factory.mktemp("gazetteer-cache")
    Gazetteer.load(folder)
    return folder


@pytest.fixture(scope="session")
def places(gazetteer_cache: Path) -> Gazetteer:
    return Gazetteer.load(gazetteer_cache)


def seed_cache(gazetteer_cache: Path, data_dir: Path) -> None:
    """Give a data folder the prebuilt gazetteer so commands do not rebuild it."""
    target = data_dir / "cache"
    target.mkdir(parents=True, exist_ok=True)
    for f in gazetteer_cache.iterdir():
        shutil.copy2(f, target / f.name)


@pytest.fixture
def team(workspace: Workspace) -> Workspace:
    """The workspace with users: ada (admin), ivan (investigator), vera and viktor
    (verifiers; viktor also investigates), pat (publisher), val (viewer)."""
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    for name, roles in TEAM.items():
        if name != "ada":
            add_user(workspace, name, name.title(), roles, actor="ada")
    return workspace


def ingest_photo(
    ws: Workspace,
    folder: Path,
    *,
    lat: float = KHARKIV[0],
    lon: float = KHARKIV[1],
    seed: int = 1,
    caption: str | None = None,
    taken: datetime | None = None,
) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = photo(folder / f"p{seed}.jpg", lat=lat, lon=lon, seed=seed, taken=taken)
    outcomes = list(ingest_paths(ws, [path], source=SourceInfo(caption=caption), collector="test"))
    assert outcomes[0].sha256 is not None, outcomes
    return outcomes[0].sha256


def incident_doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "title": "Missile strike on a hospital in Kharkiv",
        "narrative": "A missile hit the regional hospital in the morning.",
        "start": WHEN,
        "time_precision": "hour",
        "lat": KHARKIV[0],
        "lon": KHARKIV[1],
        "radius_m": 200,
        "incident_type": "missile strike",
        "weapons": ["Iskander-M"],
        "objects": ["hospital"],
        "casualties": {"killed": {"min": 2, "max": 4, "source": "Regional administration"}},
    }
    doc.update(over)
    return doc
