"""Requests for help: received while the desk is locked and kept only as ciphertext,
opened after unlocking, quotable references, the rate limit keeping no address."""

from __future__ import annotations

import pytest

from civwatch.errors import ConflictError, DeskLockedError, TooManyAttemptsError
from civwatch.protection.desk import lock_desk, unlock_desk
from civwatch.protection.help_limits import AddressLimiter
from civwatch.protection.help_requests import (
    HelpRequestInput,
    convert_to_person,
    help_request_id,
    list_help_requests,
    open_help_request,
    submit_help_request,
)
from civwatch.workspace import Workspace
from tests.protection.case_helpers import MARK_NAME, MARK_PHONE, files_holding
from tests.protection.conftest import PASSPHRASE, PrincipalOf

ADDRESS = "203.0.113.77"
ABOUT = f"Я {MARK_NAME}, журналістка, мене шукають. Телефон {MARK_PHONE}."


def test_a_request_sent_while_the_desk_is_locked_is_kept_only_as_ciphertext(
    desk: Workspace, principal: PrincipalOf, caplog: pytest.LogCaptureFixture
) -> None:
    lead = principal("lead1")
    lock_desk(desk, lead)
    with caplog.at_level("DEBUG"):
        reference = submit_help_request(
            desk,
            HelpRequestInput(about=ABOUT, needs="виїзд", contact=MARK_PHONE),
            "uk",
            client=ADDRESS,
            limiter=AddressLimiter(),
        )
    assert not any(t in caplog.text for t in (MARK_NAME, MARK_PHONE, ADDRESS))
    desk.engine.dispose()  # every connection closed: what is on disk is all there is
    found = files_holding(desk.settings.data_dir, MARK_NAME, MARK_PHONE, ADDRESS, "журналістка")
    assert found == []
    request_id = help_request_id(desk, principal("officer1"), reference.lower())
    with pytest.raises(DeskLockedError):
        open_help_request(desk, principal("officer1"), request_id)
    unlock_desk(desk, lead, PASSPHRASE)
    opened = open_help_request(desk, principal("officer1"), request_id)
    assert opened["about"] == ABOUT and opened["contact"] == MARK_PHONE
    assert opened["reference"] == reference and opened["language"] == "uk"
    assert [r["state"] for r in list_help_requests(desk, principal("officer2"))] == ["opened"]


def test_references_are_unique_and_the_sixth_request_in_a_minute_is_refused(
    desk: Workspace, principal: PrincipalOf
) -> None:
    limiter = AddressLimiter()
    references = [
        submit_help_request(
            desk, HelpRequestInput(about=f"request {n}"), "en", client=ADDRESS, limiter=limiter
        )
        for n in range(5)
    ]
    assert len(set(references)) == 5
    with pytest.raises(TooManyAttemptsError):
        submit_help_request(
            desk, HelpRequestInput(about="one more"), "en", client=ADDRESS, limiter=limiter
        )
    submit_help_request(
        desk, HelpRequestInput(about="elsewhere"), "en", client="198.51.100.9", limiter=limiter
    )
    listed = list_help_requests(desk, principal("officer1"))
    assert [r["reference"] for r in listed][:5] == references
    desk.engine.dispose()
    assert files_holding(desk.settings.data_dir, ADDRESS, "198.51.100.9") == []


def test_a_request_becomes_a_registered_person(desk: Workspace, principal: PrincipalOf) -> None:
    from civwatch.protection.person_input import PersonInput

    officer = principal("officer1")
    reference = submit_help_request(
        desk, HelpRequestInput(about=ABOUT), "uk", limiter=AddressLimiter()
    )
    request_id = help_request_id(desk, officer, reference)
    person = PersonInput.model_validate({"names": [{"name": MARK_NAME}]})
    person_id = convert_to_person(desk, officer, request_id, person)
    (row,) = list_help_requests(desk, officer, states=("converted",))
    assert row["person_id"] == person_id
    with pytest.raises(ConflictError, match="already registered"):
        convert_to_person(desk, principal("officer2"), request_id, person)
