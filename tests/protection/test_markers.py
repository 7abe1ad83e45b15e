"""Nothing identifying in plaintext anywhere, and crypto-shredding.

A person with marker strings in every field is registered, read, found and updated;
every file under the data folder (the SQLite database, its WAL, the heads files, the
queue's store) is scanned for each marker in UTF-8 and UTF-16, and so are the logs.
Deleting the person destroys their data key: its wrapped form is gone from every file,
nothing of theirs decrypts again with the desk key, the blind index rows are gone."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from civwatch.crypto.envelope import unseal_json
from civwatch.errors import DecryptionError, RecordNotFoundError
from civwatch.protection.desk import desk_key
from civwatch.protection.models import (
    ProtectionBlindIndex,
    ProtectionPerson,
    ProtectionPersonField,
)
from civwatch.protection.persons import (
    add_person,
    delete_person,
    duplicate_candidates,
    find_persons,
    show_person,
)
from civwatch.workspace import Workspace
from tests.protection.conftest import PrincipalOf
from tests.protection.helpers import (
    MARKER_DOC,
    MARKER_NAME,
    MARKER_PHONE,
    MARKERS,
    encodings,
    files_holding,
    marker_person,
    stored_files,
)


def _needles() -> list[bytes]:
    return [n for marker in MARKERS for n in encodings(marker)]


def test_markers_are_nowhere_in_plaintext(
    desk: Workspace, principal: PrincipalOf, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert desk.engine.dialect.name != "sqlite" or any(
        p.name.endswith(".db") for p in stored_files(desk)
    )
    officer, lead = principal("officer1"), principal("lead1")
    person_id = add_person(desk, officer, marker_person())
    assert show_person(desk, officer, person_id)["address"].startswith("MARKERADDR")
    assert find_persons(desk, officer, name=MARKER_NAME) == [person_id]
    assert find_persons(desk, officer, phone=MARKER_PHONE) == [person_id]
    assert find_persons(desk, officer, document=MARKER_DOC) == [person_id]
    duplicate_candidates(desk, lead, person_id)
    desk.sign_head_if_grown()

    assert files_holding(desk, _needles()) == []
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert [m for m in MARKERS if m in logged] == []


def test_deleting_a_person_leaves_nothing_that_decrypts(
    desk: Workspace, principal: PrincipalOf
) -> None:
    if desk.engine.dialect.name != "sqlite":
        pytest.skip("the files of a PostgreSQL server are not the test's to scan")
    officer, lead = principal("officer1"), principal("lead1")
    person_id = add_person(desk, officer, marker_person())
    kept = add_person(desk, officer, marker_person())
    with desk.sessions() as session:
        wrapped = session.get(ProtectionPerson, person_id).wrapped_key  # type: ignore[union-attr]
        sealed = {
            row.field: row.value
            for row in session.scalars(
                select(ProtectionPersonField).where(ProtectionPersonField.person_id == person_id)
            )
        }
    assert wrapped is not None and len(sealed) > 10
    # Before: the wrapped key is in the database's files (it is how the person opens).
    assert files_holding(desk, [wrapped]) != []

    delete_person(desk, lead, person_id, "MARKERREASON the person asked to be forgotten")

    # The wrapped key is gone from every file (database, WAL), the values with it.
    assert files_holding(desk, [wrapped, *sealed.values()]) == []
    assert files_holding(desk, encodings("MARKERREASON")) == []
    with desk.sessions() as session:
        person = session.get(ProtectionPerson, person_id)
        assert person is not None and person.wrapped_key is None
        assert person.deleted_at is not None
        left = session.scalars(
            select(ProtectionBlindIndex).where(ProtectionBlindIndex.person_id == person_id)
        ).all()
        assert left == []
        assert (
            session.scalars(
                select(ProtectionPersonField).where(ProtectionPersonField.person_id == person_id)
            ).all()
            == []
        )
    # An old copy of a sealed value (a backup, an export) opens with no key the desk has.
    key = desk_key(desk)
    for field, value in sealed.items():
        for candidate in (key.subkey("records"), key.subkey("wrap"), key.subkey("blind-index")):
            with pytest.raises(DecryptionError):
                unseal_json(candidate, value, record=person_id, field=field)
    for who in (lead, officer):
        with pytest.raises(RecordNotFoundError):
            show_person(desk, who, person_id)
    assert find_persons(desk, lead, name=MARKER_NAME) == [kept]
    assert find_persons(desk, lead, phone=MARKER_PHONE) == [kept]
    assert show_person(desk, lead, kept)["names"][0]["name"] == MARKER_NAME


@pytest.mark.parametrize(
    "values",
    [
        {"names": [{"name": "MARKERNAME" * 30}]},
        {"names": [{"name": "Ok"}], "contacts": [{"kind": "phone", "value": "MARKER 12"}]},
        {"names": [{"name": "Ok"}], "citizenship": ["MARKERLAND"]},
        {"names": [{"name": "Ok"}], "birth": {"date": "MARKER-DAY"}},
        {"names": [{"name": "Ok", "kind": "MARKERKIND"}]},
        {"names": [{"name": "Ok"}], "groups": ["MARKERGROUP"]},
    ],
)
def test_an_invalid_value_is_never_repeated_in_the_error(values: dict[str, object]) -> None:
    from civwatch.errors import RejectedInputError
    from civwatch.protection.person_input import person_input

    with pytest.raises(RejectedInputError) as refused:
        person_input(values)
    assert "MARKER" not in str(refused.value)
