"""Shelters from OpenStreetMap, which names no hromada, get the hromada of the nearest
settlement of the codifier; a coordinator's correction survives re-imports."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from civwatch.shelters.importing import import_file
from civwatch.shelters.models import Shelter
from civwatch.shelters.registry import get_shelter, hromadas, update_shelter
from civwatch.workspace import Workspace
from tests.incidents.helpers import seed_cache
from tests.shelters.conftest import PrincipalOf
from tests.shelters.samples import BOMB, write_osm

KYIV = ("UA80000000000093317", "Київ")
BAKHMUT = ("UA14020010000088496", "Бахмутська міська громада")


def test_osm_shelters_get_the_hromada_of_their_place(
    crew: Workspace, principal: PrincipalOf, tmp_path: Path, gazetteer_cache: Path
) -> None:
    seed_cache(gazetteer_cache, crew.data_dir)
    path = write_osm(
        tmp_path / "a.osm",
        [(1, 50.4501, 30.5234, BOMB), (2, 48.5956, 38.0003, {**BOMB, "capacity": "10"})],
    )
    assert import_file(crew, path).added == 2
    with crew.sessions() as session:
        assert sorted(hromadas(session)) == sorted([KYIV, BAKHMUT])
        shelter_id = str(session.scalars(select(Shelter.id).where(Shelter.lat < 49)).one())

    # A coordinator moves the shelter to another hromada; a changed re-import keeps it.
    update_shelter(crew, principal("sofia"), shelter_id, {"katottg": KYIV[0], "hromada": KYIV[1]})
    write_osm(
        path,
        [(1, 50.4501, 30.5234, BOMB), (2, 48.5956, 38.0003, {**BOMB, "capacity": "20"})],
    )
    assert import_file(crew, path).updated == 1
    with crew.sessions() as session:
        view = get_shelter(session, shelter_id)
        assert (view.capacity, view.katottg, view.hromada) == (20, *KYIV)
