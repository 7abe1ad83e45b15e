"""Need to know. Attacks: an officer outside a person's team, and an admin, try every
read path; they learn nothing, not even that the person exists."""

from __future__ import annotations

import pytest

from civwatch.errors import PermissionDeniedError, RecordNotFoundError
from civwatch.protection.persons import (
    add_person,
    delete_person,
    duplicate_candidates,
    find_persons,
    person_history,
    show_person,
    update_person,
)
from civwatch.workspace import Workspace
from tests.protection.conftest import PrincipalOf
from tests.protection.helpers import MARKER_DOC, MARKER_NAME, MARKER_PHONE, marker_person


def test_an_officer_outside_the_team_gets_not_found_on_every_read(
    desk: Workspace, principal: PrincipalOf
) -> None:
    person_id = add_person(desk, principal("officer1"), marker_person())
    outsider = principal("officer2")
    with pytest.raises(RecordNotFoundError) as outside:
        show_person(desk, outsider, person_id)
    with pytest.raises(RecordNotFoundError) as missing:
        show_person(desk, outsider, "per_doesnotexist000000")
    # The same answer as for an id that does not exist, word for word.
    assert str(outside.value) == str(missing.value).replace("per_doesnotexist000000", person_id)
    with pytest.raises(RecordNotFoundError):
        show_person(desk, outsider, person_id, ["names"])
    with pytest.raises(RecordNotFoundError):
        update_person(desk, outsider, person_id, marker_person(), ["notes"])
    assert find_persons(desk, outsider, name=MARKER_NAME) == []
    assert find_persons(desk, outsider, phone=MARKER_PHONE) == []
    assert find_persons(desk, outsider, document=MARKER_DOC) == []
    # Lead-only acts stay refused at the door for an officer, whatever the person.
    for act in (
        lambda: duplicate_candidates(desk, outsider, person_id),
        lambda: person_history(desk, outsider, person_id),
        lambda: delete_person(desk, outsider, person_id, "no"),
    ):
        with pytest.raises(PermissionDeniedError):
            act()


def test_the_registering_officer_and_leads_read_the_person(
    desk: Workspace, principal: PrincipalOf
) -> None:
    person_id = add_person(desk, principal("officer1"), marker_person())
    for who in ("officer1", "lead1"):
        shown = show_person(desk, principal(who), person_id)
        assert shown["names"][0]["name"] == MARKER_NAME
        assert find_persons(desk, principal(who), phone=MARKER_PHONE) == [person_id]


def test_admins_cannot_read_the_registry(desk: Workspace, principal: PrincipalOf) -> None:
    person_id = add_person(desk, principal("officer1"), marker_person())
    admin = principal("admin")
    for act in (
        lambda: show_person(desk, admin, person_id),
        lambda: find_persons(desk, admin, name=MARKER_NAME),
        lambda: add_person(desk, admin, marker_person()),
        lambda: person_history(desk, admin, person_id),
    ):
        with pytest.raises(PermissionDeniedError):
            act()


def test_a_token_of_another_role_reads_nothing(desk: Workspace, principal: PrincipalOf) -> None:
    """A lead who also holds another role, acting with a token of that role only."""
    from dataclasses import replace

    person_id = add_person(desk, principal("officer1"), marker_person())
    as_viewer = replace(principal("lead1"), roles=frozenset({"viewer"}), via="token")
    with pytest.raises(PermissionDeniedError):
        show_person(desk, as_viewer, person_id)
