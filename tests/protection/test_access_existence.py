"""Asking emergency access never tells whether an id is a person. Attack: an officer
outside a team asked access to guessed ids; "not found" for some and "asked" for others
told which ids were people on the desk (and a deleted one from a live one)."""

from __future__ import annotations

import statistics
import time

import pytest
from sqlalchemy import select

from civwatch.errors import ConflictError
from civwatch.protection.access import approve_emergency_access, request_emergency_access
from civwatch.protection.grants import access_requests
from civwatch.protection.models import ProtectionAuditEvent
from civwatch.protection.person_input import person_input
from civwatch.protection.persons import add_person, delete_person
from civwatch.workspace import Workspace
from tests.protection.conftest import PrincipalOf
from tests.protection.helpers import marker_person

NOBODY = "per_nobodyNobodyNobody00"


def _acts_about(ws: Workspace, person_id: str) -> list[str]:
    with ws.sessions() as session:
        return list(
            session.scalars(
                select(ProtectionAuditEvent.act)
                .where(ProtectionAuditEvent.person_id == person_id)
                .order_by(ProtectionAuditEvent.leaf_idx)
            )
        )


def test_asking_access_to_an_id_that_is_no_person_answers_as_for_one_out_of_reach(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer, outsider, lead = principal("officer1"), principal("officer2"), principal("lead1")
    person_id = add_person(desk, officer, marker_person())
    deleted = add_person(desk, officer, person_input({"names": [{"name": "Taras Boiko"}]}))
    delete_person(desk, lead, deleted, "asked to be forgotten")

    asked = {
        target: request_emergency_access(desk, outsider, target, "on call tonight")
        for target in (person_id, NOBODY, deleted)
    }
    assert all(grant.startswith("grant_") for grant in asked.values())
    mine = {r["person_id"]: r for r in access_requests(desk, outsider)["mine"]}
    assert set(mine) == set(asked)
    shapes = {
        tuple(sorted((k, type(v).__name__) for k, v in r.items() if k not in ("id", "person_id")))
        for r in mine.values()
    }
    assert len(shapes) == 1 and {r["state"] for r in mine.values()} == {"pending"}
    # The log holds the same entry for each request, whatever the id names.
    assert _acts_about(desk, NOBODY) == ["access-request"]
    assert _acts_about(desk, person_id)[-1] == "access-request"
    assert _acts_about(desk, deleted)[-1] == "access-request"

    # A lead sees the requests, and cannot grant access to what is no person.
    board = {r["person_id"]: r for r in access_requests(desk, lead)["to_decide"]}
    assert board[person_id]["reason"] == "on call tonight"
    assert board[NOBODY]["reason"] is None
    with pytest.raises(ConflictError):
        approve_emergency_access(desk, lead, asked[NOBODY])
    approve_emergency_access(desk, lead, asked[person_id])


def test_asking_takes_about_as_long_for_an_id_that_is_no_person(
    desk: Workspace, principal: PrincipalOf
) -> None:
    person_id = add_person(desk, principal("officer1"), marker_person())
    outsider = principal("officer2")

    def timed(target: str) -> float:
        start = time.perf_counter()
        request_emergency_access(desk, outsider, target, "on call tonight")
        return time.perf_counter() - start

    runs: dict[str, list[float]] = {person_id: [], NOBODY: []}
    for _round in range(9):
        for target, times in runs.items():
            times.append(timed(target))
    real, nobody = (statistics.median(runs[t]) for t in (person_id, NOBODY))
    assert 1 / 3 < real / nobody < 3, (real, nobody)
