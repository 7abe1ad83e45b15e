"""People at risk: found by name in either script or sounding alike, by a phone in any
format, by a document; duplicates shown to leads as ids only; sealed values bound to
their record and field."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from civwatch.errors import DecryptionError, RejectedInputError
from civwatch.protection.models import ProtectionPersonField
from civwatch.protection.person_input import person_input
from civwatch.protection.persons import (
    add_person,
    duplicate_candidates,
    find_persons,
    person_history,
    show_person,
    update_person,
)
from civwatch.workspace import Workspace
from tests.protection.conftest import PrincipalOf
from tests.protection.helpers import MARKER_NAME, marker_person


def _person(names: list[str], phone: str | None = None, document: str | None = None) -> object:
    return person_input(
        {
            "names": [{"name": n} for n in names],
            "contacts": [{"kind": "phone", "value": phone}] if phone else [],
            "documents": [{"kind": "passport", "number": document}] if document else [],
        }
    )


def test_find_by_name_in_cyrillic_latin_and_sounding_alike(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer = principal("officer1")
    oleksandr = add_person(desk, officer, _person(["Олександр Шевченко"]))  # type: ignore[arg-type]
    other = add_person(desk, officer, _person(["Марія Коваленко"]))  # type: ignore[arg-type]
    for query in (
        "Олександр Шевченко",
        "Oleksandr Shevchenko",
        "Aleksandr Shevchenko",
        "Alexandr Schevchenko",
        "шевченко",
        "SHEVCHENKO",
    ):
        assert find_persons(desk, officer, name=query) == [oleksandr], query
    assert find_persons(desk, officer, name="Mariia Kovalenko") == [other]
    assert find_persons(desk, officer, name="Oleksandr Kovalenko") == []


def test_find_by_phone_in_any_format_and_by_document(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer = principal("officer1")
    person_id = add_person(
        desk,
        officer,
        _person(["Ірина Бондар"], "+380 67 123 4567", "АВ123456"),  # type: ignore[arg-type]
    )
    for phone in ("+380671234567", "067 123 45 67", "(067) 123-45-67", "380671234567"):
        assert find_persons(desk, officer, phone=phone) == [person_id], phone
    # Latin letters that look like the Cyrillic ones typed at registration.
    assert find_persons(desk, officer, document="AB 123456") == [person_id]
    assert find_persons(desk, officer, document="ab123456") == [person_id]
    assert find_persons(desk, officer, document="AB123457") == []
    with pytest.raises(RejectedInputError):
        find_persons(desk, officer)


def test_duplicates_are_shown_to_leads_as_ids_only(desk: Workspace, principal: PrincipalOf) -> None:
    officer, lead = principal("officer1"), principal("lead1")
    first = add_person(desk, officer, _person(["Олександр Шевченко"], "+380671234567"))  # type: ignore[arg-type]
    by_name = add_person(desk, officer, _person(["Aleksandr Shevchenko"]))  # type: ignore[arg-type]
    by_phone = add_person(desk, officer, _person(["Petro Ivanenko"], "067 123 45 67"))  # type: ignore[arg-type]
    same_first_name = add_person(desk, officer, _person(["Олександр Коваль"]))  # type: ignore[arg-type]
    found = duplicate_candidates(desk, lead, first)
    assert {d["id"] for d in found} == {by_name, by_phone}
    assert same_first_name not in {d["id"] for d in found}
    for candidate in found:
        assert set(candidate) == {"id", "matched"}
    assert next(d for d in found if d["id"] == by_phone)["matched"] == ["phone"]


def test_a_sealed_value_moved_to_another_person_does_not_open(
    desk: Workspace, principal: PrincipalOf
) -> None:
    """An attacker with write access to the database copies person A's names over
    person B's: B's record fails to open instead of showing A's names."""
    officer = principal("officer1")
    a = add_person(desk, officer, marker_person())
    b = add_person(desk, officer, _person(["Someone Else"]))  # type: ignore[arg-type]
    with desk.sessions() as session, session.begin():
        sealed = session.scalar(
            select(ProtectionPersonField.value).where(
                ProtectionPersonField.person_id == a, ProtectionPersonField.field == "names"
            )
        )
        session.execute(
            update(ProtectionPersonField)
            .where(ProtectionPersonField.person_id == b, ProtectionPersonField.field == "names")
            .values(value=sealed)
        )
        notes = session.scalar(
            select(ProtectionPersonField.value).where(
                ProtectionPersonField.person_id == a, ProtectionPersonField.field == "notes"
            )
        )
        session.execute(
            update(ProtectionPersonField)
            .where(ProtectionPersonField.person_id == a, ProtectionPersonField.field == "names")
            .values(value=notes)
        )
    with pytest.raises(DecryptionError):
        show_person(desk, officer, b)
    with pytest.raises(DecryptionError):  # another field of the same person
        show_person(desk, officer, a, ["names"])


def test_updates_follow_in_the_indexes_and_every_read_is_recorded(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer, lead = principal("officer1"), principal("lead1")
    person_id = add_person(desk, officer, marker_person())
    update_person(desk, officer, person_id, _person(["Taras Melnyk"]), ["names"])  # type: ignore[arg-type]
    assert find_persons(desk, officer, name=MARKER_NAME) == []
    assert find_persons(desk, officer, name="Тарас Мельник") == [person_id]
    show_person(desk, officer, person_id, ["names", "contacts"])
    history = person_history(desk, lead, person_id)
    reads = [h for h in history if h["act"] == "protection-read"]
    assert reads[0]["actor"] == "officer1"
    assert ["contacts", "names"] in [sorted(h["fields"]) for h in reads]
    assert {h["act"] for h in history} >= {"person-add", "person-update", "protection-read"}
    assert all(MARKER_NAME not in str(h) for h in history)


def test_a_search_answers_the_best_matches_first_and_at_most_its_limit(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer, lead = principal("officer1"), principal("lead1")
    exact = add_person(desk, officer, _person(["Oleksandr Shevchenko"]))  # type: ignore[arg-type]
    alike = add_person(desk, officer, _person(["Alexandr Schevchenko"]))  # type: ignore[arg-type]
    assert find_persons(desk, officer, name="Oleksandr Shevchenko") == [exact, alike]
    many = [add_person(desk, officer, _person([f"Ivan Melnyk {c}"])) for c in "abcdef"]  # type: ignore[arg-type]
    found = find_persons(desk, lead, name="Іван Мельник", limit=4)
    assert len(found) == 4 and set(found) <= set(many)
    reads = [h for h in person_history(desk, lead, found[0]) if h["act"] == "protection-read"]
    assert reads[-1]["fields"] == ["search:name"]
