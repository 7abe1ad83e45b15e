"""Reports from the public: checked input, a photo kept as evidence, decisions only by
coordinators, and no way for the public to pass itself off as a coordinator."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    RejectedInputError,
)
from civwatch.shelters.importing import import_file
from civwatch.shelters.models import Shelter
from civwatch.shelters.reports import (
    confirm_report,
    dismiss_report,
    get_report,
    pending_reports,
    submit_report,
)
from civwatch.shelters.status import shown_status
from civwatch.workspace import Workspace
from tests.shelters.conftest import PrincipalOf
from tests.shelters.samples import write_csv
from tests.support.files import photo


@pytest.fixture
def shelter_id(crew: Workspace, tmp_path: Path) -> str:
    import_file(
        crew,
        write_csv(
            tmp_path / "one.csv", [{"id": "1", "name": "Підвал школи", "lat": 50.45, "lon": 30.52}]
        ),
    )
    with crew.sessions() as session:
        return str(session.scalars(select(Shelter.id)).one())


def test_a_report_waits_for_a_coordinator(crew: Workspace, shelter_id: str) -> None:
    report_id = submit_report(
        crew, shelter_id, "Open", accessibility={"step_free": True}, note="  двері відчинені \x00"
    )
    with crew.sessions() as session:
        (pending,) = pending_reports(session)
    assert pending.id == report_id and pending.status == "open"
    assert pending.accessibility == {"step-free": True}
    assert pending.note == "двері відчинені" and pending.state == "pending"
    assert pending.shelter_name == "Підвал школи"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": "on fire"},
        {"status": "open", "accessibility": {"teleporter": True}},
        {"status": "open", "accessibility": {"ramp": "maybe"}},
        {"status": "open", "note": "x" * 2001},
        {"status": "open", "channel": "carrier-pigeon"},
    ],
)
def test_bad_reports_are_refused(
    crew: Workspace, shelter_id: str, kwargs: dict[str, object]
) -> None:
    with pytest.raises(RejectedInputError):
        submit_report(crew, shelter_id, **kwargs)  # type: ignore[arg-type]
    with crew.sessions() as session:
        assert pending_reports(session) == []


def test_a_report_on_no_shelter_is_refused(crew: Workspace) -> None:
    with pytest.raises(RecordNotFoundError):
        submit_report(crew, "sh_nothing", "open")


def test_the_public_cannot_claim_a_coordinators_weight(crew: Workspace, shelter_id: str) -> None:
    """Attack: the public form or API passes channel="coordinator" to weigh as staff."""
    with pytest.raises(PermissionDeniedError):
        submit_report(crew, shelter_id, "closed", channel="coordinator")


def test_a_coordinators_own_report_counts_at_once(
    crew: Workspace, principal: PrincipalOf, shelter_id: str
) -> None:
    from datetime import UTC, datetime

    report_id = submit_report(
        crew, shelter_id, "open", channel="coordinator", actor=principal("sofia")
    )
    with crew.sessions() as session:
        assert get_report(session, report_id).state == "confirmed"
        shown = shown_status(session, shelter_id, datetime.now(UTC))
    assert (shown.code, shown.basis) == ("open", "reports")
    with pytest.raises(PermissionDeniedError):
        submit_report(crew, shelter_id, "open", channel="coordinator", actor=principal("val"))


def test_only_coordinators_decide_and_only_once(
    crew: Workspace, principal: PrincipalOf, shelter_id: str
) -> None:
    report_id = submit_report(crew, shelter_id, "locked")
    with pytest.raises(PermissionDeniedError):
        confirm_report(crew, principal("val"), report_id)
    with pytest.raises(PermissionDeniedError):
        dismiss_report(crew, principal("val"), report_id, "no")
    with pytest.raises(RejectedInputError):
        dismiss_report(crew, principal("sofia"), report_id, "   ")
    confirm_report(crew, principal("sofia"), report_id)
    with pytest.raises(ConflictError):
        dismiss_report(crew, principal("ada"), report_id, "changed my mind")
    with pytest.raises(RecordNotFoundError):
        confirm_report(crew, principal("sofia"), "shr_nothing")


def test_a_photo_is_kept_as_evidence(crew: Workspace, shelter_id: str, tmp_path: Path) -> None:
    data = photo(tmp_path / "door.jpg").read_bytes()
    report_id = submit_report(crew, shelter_id, "flooded", photo=(data, "../../door.jpg"))
    with crew.sessions() as session:
        kept = get_report(session, report_id).photo_sha256
    import hashlib

    assert kept == hashlib.sha256(data).hexdigest()
    from civwatch.evidence.service import get_item

    assert get_item(crew, kept)["sha256"] == kept


def test_a_photo_that_is_no_image_is_refused(crew: Workspace, shelter_id: str) -> None:
    """Attack: a page or a program sent as a report's "photo" would be kept as evidence."""
    with pytest.raises(RejectedInputError):
        submit_report(
            crew, shelter_id, "open", photo=(b"<html><script>alert(1)</script></html>", "a.jpg")
        )
    with crew.sessions() as session:
        assert pending_reports(session) == []
