"""The nearest shelters come from a spatial index and are exactly those a brute-force
haversine scan finds; filters and "working only" never return fewer than asked while
enough shelters qualify; the index follows the registry's changes."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.errors import RejectedInputError
from civwatch.shelters.importing import import_file
from civwatch.shelters.models import Shelter
from civwatch.shelters.nearest import EARTH_RADIUS_M, nearest, warm
from civwatch.shelters.reports import confirm_report, submit_report
from civwatch.workspace import Workspace
from tests.shelters.conftest import PrincipalOf
from tests.shelters.samples import write_csv


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _random_registry(
    ws: Workspace, tmp_path: Path, n: int, seed: int = 7
) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = [
        {
            "id": f"r{i}",
            "name": f"Укриття {i}",
            "lat": round(rng.uniform(44.5, 52.3), 6),
            "lon": round(rng.uniform(22.2, 40.1), 6),
            "step_free": rng.choice(["yes", "no", ""]),
            "pets": rng.choice(["yes", "", ""]),
        }
        for i in range(n)
    ]
    import_file(ws, write_csv(tmp_path / "random.csv", rows))
    return rows


def _ids(ws: Workspace) -> dict[str, str]:
    from civwatch.shelters.models import ShelterSource

    with ws.sessions() as session:
        return dict(
            (source_id, shelter_id)
            for source_id, shelter_id in session.execute(
                select(ShelterSource.source_id, ShelterSource.shelter_id)
            )
        )


def test_the_index_answers_exactly_as_a_brute_force_scan(
    workspace: Workspace, tmp_path: Path
) -> None:
    rows = _random_registry(workspace, tmp_path, 3000)
    ids = _ids(workspace)
    rng = random.Random(11)
    for _ in range(60):
        lat, lon = rng.uniform(44.5, 52.3), rng.uniform(22.2, 40.1)
        step_free = rng.random() < 0.3
        pets = rng.random() < 0.2
        found = nearest(workspace, lat, lon, limit=10, step_free=step_free, pets=pets)
        wanted = sorted(
            (haversine(lat, lon, float(r["lat"]), float(r["lon"])), ids[str(r["id"])])  # type: ignore[arg-type]
            for r in rows
            if (not step_free or r["step_free"] == "yes") and (not pets or r["pets"] == "yes")
        )[:10]
        assert [n.id for n in found] == [i for _d, i in wanted]
        for n, (d, _i) in zip(found, wanted, strict=True):
            assert n.distance_m == pytest.approx(d, rel=1e-9, abs=1e-3)


def test_working_only_skips_closed_shelters_and_still_gives_enough(
    crew: Workspace, principal: PrincipalOf, tmp_path: Path
) -> None:
    # 30 shelters on a line going north from the point, 100 m apart.
    rows = [
        {"id": f"l{i}", "name": f"№{i}", "lat": 50.0 + 0.0009 * (i + 1), "lon": 30.0}
        for i in range(30)
    ]
    import_file(crew, write_csv(tmp_path / "line.csv", rows))
    ids = _ids(crew)
    # The 20 nearest are reported locked, closed or unusable, and confirmed.
    for i in range(20):
        status = ("locked", "closed", "unusable")[i % 3]
        confirm_report(crew, principal("sofia"), submit_report(crew, ids[f"l{i}"], status))
    # One is reported full: full is not closed.
    confirm_report(crew, principal("sofia"), submit_report(crew, ids["l20"], "full"))
    found = nearest(crew, 50.0, 30.0, limit=5)
    assert [n.id for n in found] == [ids[f"l{i}"] for i in range(20, 25)]
    assert found[0].status.code == "full" and found[1].status.code == "unknown"
    assert found[0].compass == "N" and found[0].bearing_deg == pytest.approx(0.0, abs=1e-6)
    everything = nearest(crew, 50.0, 30.0, limit=25, working_only=False)
    assert [n.id for n in everything] == [ids[f"l{i}"] for i in range(25)]


def test_the_index_follows_the_registry(workspace: Workspace, tmp_path: Path) -> None:
    import_file(
        workspace,
        write_csv(tmp_path / "a.csv", [{"id": "a", "name": "A", "lat": 50.1, "lon": 30.1}]),
    )
    assert [n.name for n in nearest(workspace, 50.0, 30.0)] == ["A"]
    assert warm(workspace) == 1
    import_file(
        workspace,
        write_csv(tmp_path / "b.csv", [{"id": "b", "name": "B", "lat": 50.01, "lon": 30.01}]),
    )
    assert [n.name for n in nearest(workspace, 50.0, 30.0)] == ["B", "A"]
    east = nearest(workspace, 50.01, 29.9, limit=1)[0]
    assert east.compass == "E"


def test_an_empty_registry_answers_an_empty_list(workspace: Workspace) -> None:
    assert warm(workspace) == 0
    assert nearest(workspace, 50.45, 30.52) == []


@pytest.mark.parametrize(
    ("lat", "lon", "limit"),
    [
        (91.0, 30.0, 10),
        (50.0, 181.0, 10),
        (float("nan"), 30.0, 10),
        (50.0, 30.0, 0),
        (50.0, 30.0, 1000),
    ],
)
def test_a_bad_question_is_refused(
    workspace: Workspace, lat: float, lon: float, limit: int
) -> None:
    with pytest.raises(RejectedInputError):
        nearest(workspace, lat, lon, limit=limit)


def test_gone_shelters_are_never_offered(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    write_csv(
        path,
        [
            {"id": "x", "name": "X", "lat": 50.1, "lon": 30.1},
            {"id": "y", "name": "Y", "lat": 50.2, "lon": 30.2},
        ],
    )
    import_file(workspace, path)
    write_csv(path, [{"id": "y", "name": "Y", "lat": 50.2, "lon": 30.2}])
    import_file(workspace, path)
    assert [n.name for n in nearest(workspace, 50.1, 30.1)] == ["Y"]
    with workspace.sessions() as session:
        assert len(session.scalars(select(Shelter.id)).all()) == 2
    assert datetime.now(UTC)
