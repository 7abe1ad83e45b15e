"""Coordinators edit a shelter; nobody else can, and nothing but the editable fields moves."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.errors import PermissionDeniedError, RecordNotFoundError, RejectedInputError
from civwatch.shelters.importing import import_file
from civwatch.shelters.models import Shelter
from civwatch.shelters.nearest import nearest
from civwatch.shelters.registry import public_shelter, update_shelter
from civwatch.workspace import Workspace
from tests.shelters.conftest import PrincipalOf
from tests.shelters.samples import write_csv


@pytest.fixture
def shelter_id(crew: Workspace, tmp_path: Path) -> str:
    import_file(
        crew,
        write_csv(
            tmp_path / "one.csv", [{"id": "1", "name": "Підвал", "lat": 50.45, "lon": 30.52}]
        ),
    )
    with crew.sessions() as session:
        return str(session.scalars(select(Shelter.id)).one())


def test_a_coordinator_edits_and_nearest_sees_it_at_once(
    crew: Workspace, principal: PrincipalOf, shelter_id: str
) -> None:
    assert nearest(crew, 50.45, 30.52, step_free=True) == []
    view = update_shelter(
        crew,
        principal("sofia"),
        shelter_id,
        {
            "step_free": True,
            "capacity": 120,
            "key_holder": "KEYHOLDERMARKER  Іваненко",
            "opening_kind": "on alert",
        },
    )
    assert (view.step_free, view.capacity, view.opening_kind) == (True, 120, "on-alert")
    assert view.key_holder == "KEYHOLDERMARKER Іваненко"
    assert "KEYHOLDERMARKER" not in repr(public_shelter(view))
    (found,) = nearest(crew, 50.45, 30.52, step_free=True)
    assert found.id == shelter_id and found.capacity == 120


@pytest.mark.parametrize(
    "changes",
    [
        {"lat": 10.0},
        {"id": "sh_other"},
        {"capacity": -5},
        {"capacity": "many"},
        {"step_free": "yes"},
        {"opening_kind": "whenever"},
    ],
)
def test_bad_edits_are_refused(
    crew: Workspace, principal: PrincipalOf, shelter_id: str, changes: dict[str, object]
) -> None:
    with pytest.raises(RejectedInputError):
        update_shelter(crew, principal("sofia"), shelter_id, changes)


def test_only_coordinators_and_admins_edit(
    crew: Workspace, principal: PrincipalOf, shelter_id: str
) -> None:
    with pytest.raises(PermissionDeniedError):
        update_shelter(crew, principal("val"), shelter_id, {"capacity": 1})
    assert update_shelter(crew, principal("ada"), shelter_id, {"capacity": 2}).capacity == 2
    with pytest.raises(RecordNotFoundError):
        update_shelter(crew, principal("sofia"), "sh_none", {"capacity": 3})


def test_a_re_import_keeps_what_a_coordinator_set_and_the_source_does_not_give(
    crew: Workspace, principal: PrincipalOf, tmp_path: Path
) -> None:
    from tests.shelters.samples import BOMB, write_osm

    path = write_osm(tmp_path / "a.osm", [(7, 50.45, 30.52, {**BOMB, "capacity": "10"})])
    import_file(crew, path)
    with crew.sessions() as session:
        shelter_id = str(session.scalars(select(Shelter.id)).one())
    update_shelter(
        crew,
        principal("sofia"),
        shelter_id,
        {"katottg": "UA80000000000093317", "hromada": "Київ", "key_holder": "Двірник"},
    )
    write_osm(path, [(7, 50.45, 30.52, {**BOMB, "capacity": "20"})])
    assert import_file(crew, path).updated == 1
    with crew.sessions() as session:
        from civwatch.shelters.registry import get_shelter, hromadas

        view = get_shelter(session, shelter_id)
        assert (view.capacity, view.katottg, view.key_holder) == (
            20,
            "UA80000000000093317",
            "Двірник",
        )
        assert hromadas(session) == [("UA80000000000093317", "Київ")]
