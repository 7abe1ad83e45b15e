"""Screening a grant's person against the imported sanctions list: the person's name
in Cyrillic is found by the list's Latin spelling and blocks the approval until someone
other than the requester clears it with a reason; another date of birth does not block;
only the operator imports the list, and a malformed list changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from civwatch.accounts.audit import AuditRecord
from civwatch.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RejectedInputError,
)
from civwatch.protection.models import ProtectionAuditEvent
from civwatch.relief import grants
from civwatch.relief.models import ReliefSanctionsEntry, ReliefSanctionsVersion
from civwatch.relief.screening import import_sanctions_list, screen_grant
from civwatch.workspace import Workspace
from tests.protection.conftest import principal_of
from tests.relief.conftest import SANCTIONS_CSV, Fund


def add_person_with_case(ws: Workspace, officer_name: str, name: str, born: str) -> str:
    """A person with ``name`` and date of birth ``born``, a current risk assessment and a
    safe-exit case led by ``officer_name``: the case id."""
    from civwatch.protection.cases import open_case
    from civwatch.protection.person_input import PersonInput
    from civwatch.protection.persons import add_person
    from civwatch.protection.risk import RiskInput, add_assessment
    from tests.protection.case_helpers import give_consent

    officer = principal_of(ws, officer_name)
    person_id = add_person(
        ws,
        officer,
        PersonInput.model_validate(
            {"names": [{"name": name, "kind": "legal"}], "birth": {"date": born}}
        ),
    )
    give_consent(ws, officer, person_id, "case-handling")
    add_assessment(ws, officer, person_id, RiskInput(threats=["detention"], likelihood=4, impact=4))
    return open_case(ws, officer, person_id, "safe-exit")


def _requested(f: Fund, case_id: str) -> str:
    g = grants.request_grant(
        f.ws, f.who("officer1"), case_id, fund=f.fund, amount="300.00", purpose="transport"
    )["id"]
    for check in ("identity", "risk", "duplicates"):
        grants.vet(f.ws, f.who("officer1"), g, check)
    grants.vet(f.ws, f.who("appr1"), g, "conflict")
    return str(g)


def test_a_cyrillic_name_on_a_latin_list_blocks_until_cleared_with_a_reason(
    relief: Fund,
) -> None:
    f = relief
    import_sanctions_list(f.ws, principal_of(f.ws, "admin"), SANCTIONS_CSV)
    case_id = add_person_with_case(f.ws, "officer1", "Коваленко Олександр Петрович", "1975-04-12")
    g = _requested(f, case_id)
    reads = _reads(f.ws)
    screened = screen_grant(f.ws, f.who("officer1"), g)
    assert screened["screening"] == "blocked"
    (candidate,) = screened["candidates"]
    assert candidate["entry"] == "EU-1" and candidate["score"] >= 0.85
    assert "birth-date-agrees" in candidate["reasons"]
    # The names and birth opened through the desk: the read is recorded there.
    assert _reads(f.ws) == reads + 1
    with pytest.raises(ConflictError, match="sanctions"):
        grants.approve(f.ws, f.who("appr1"), g)
    with pytest.raises(RejectedInputError, match="reason"):
        grants.vet(f.ws, f.who("appr2"), g, "sanctions")
    with pytest.raises(ConflictError, match="requester"):
        grants.vet(f.ws, f.who("officer1"), g, "sanctions", note="not them")
    grants.vet(f.ws, f.who("appr2"), g, "sanctions", note="another man: passport seen")
    assert grants.approve(f.ws, f.who("appr1"), g)["state"] == "approved"
    # The audit log holds the count of candidates, never the list entry or the name.
    with f.ws.sessions() as s:
        details = " ".join(str(r.detail) for r in s.scalars(select(AuditRecord)))
    assert "KOVALENKO" not in details and "Коваленко" not in details and "EU-1" not in details


def test_another_date_of_birth_does_not_block(relief: Fund) -> None:
    f = relief
    import_sanctions_list(f.ws, principal_of(f.ws, "admin"), SANCTIONS_CSV)
    case_id = add_person_with_case(f.ws, "officer1", "Коваленко Олександр Петрович", "1990-01-02")
    g = _requested(f, case_id)
    screened = screen_grant(f.ws, f.who("officer1"), g)
    assert screened["screening"] == "passed" and screened["candidates"] == []
    assert grants.approve(f.ws, f.who("appr1"), g)["state"] == "approved"


def test_screening_needs_a_list_and_the_person_within_reach(relief: Fund) -> None:
    f = relief
    g = _requested(f, f.case_id)
    with f.ws.sessions() as s, s.begin():
        # A workspace that never imported one.
        s.execute(delete(ReliefSanctionsEntry))
        s.execute(delete(ReliefSanctionsVersion))
    with pytest.raises(ConflictError, match="import"):
        screen_grant(f.ws, f.who("officer1"), g)
    import_sanctions_list(f.ws, principal_of(f.ws, "admin"), SANCTIONS_CSV)
    # An approver vets but is not on the case's team: the person is not found for them.
    with pytest.raises(NotFoundError):
        screen_grant(f.ws, f.who("appr1"), g)


def test_only_the_operator_imports_and_a_malformed_list_changes_nothing(relief: Fund) -> None:
    f = relief
    with pytest.raises(PermissionDeniedError):
        import_sanctions_list(f.ws, f.who("fin1"), SANCTIONS_CSV)
    admin = principal_of(f.ws, "admin")
    assert import_sanctions_list(f.ws, admin, SANCTIONS_CSV)["entries"] == 2
    for bad in (b"", b"id,name\n1,\n", b"name,date_of_birth\nX Y,31.02.1999\n", b"\xff\xfe\x00"):
        with pytest.raises(RejectedInputError):
            import_sanctions_list(f.ws, admin, bad)
    with f.ws.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReliefSanctionsEntry)) == 2


def _reads(ws: Workspace) -> int:
    with ws.sessions() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(ProtectionAuditEvent)
                .where(ProtectionAuditEvent.act == "protection-read")
            )
            or 0
        )


def test_a_new_list_of_the_same_size_is_the_one_screened(relief: Fund) -> None:
    f = relief
    case_id = add_person_with_case(f.ws, "officer1", "Коваленко Олександр Петрович", "1975-04-12")
    g = _requested(f, case_id)
    assert screen_grant(f.ws, f.who("officer1"), g)["screening"] == "blocked"
    other = b"id,name\nUN-1,Petro Shevchuk\nUN-2,Ivan Drahomanov\n"
    import_sanctions_list(f.ws, principal_of(f.ws, "admin"), other)
    assert screen_grant(f.ws, f.who("officer1"), g)["screening"] == "passed"
