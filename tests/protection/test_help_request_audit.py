"""Reading or closing a request for help that is linked to a person is recorded against
that person (ids only): "who has seen this record" shows it. Attack: an officer read a
converted request (what the person wrote about themselves) and the person's history did
not show it."""

from __future__ import annotations

from civwatch.protection.help_limits import AddressLimiter
from civwatch.protection.help_requests import (
    HelpRequestInput,
    close_help_request,
    convert_to_person,
    help_request_id,
    open_help_request,
    submit_help_request,
)
from civwatch.protection.person_input import PersonInput
from civwatch.protection.persons import person_history
from civwatch.workspace import Workspace
from tests.protection.conftest import PrincipalOf


def test_reads_and_closing_of_a_linked_request_are_in_the_persons_history(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer, other, lead = principal("officer1"), principal("officer2"), principal("lead1")
    reference = submit_help_request(
        desk, HelpRequestInput(about="MARKERABOUT a journalist"), "en", limiter=AddressLimiter()
    )
    request_id = help_request_id(desk, officer, reference)
    person = PersonInput.model_validate({"names": [{"name": "Olena Kovalenko"}]})
    person_id = convert_to_person(desk, officer, request_id, person)

    open_help_request(desk, other, request_id)
    close_help_request(desk, other, request_id)

    mine = [
        (e["actor"], e["act"], e["fields"])
        for e in person_history(desk, lead, person_id)
        if e["actor"] == "officer2"
    ]
    assert mine == [
        ("officer2", "help-request-close", ["help_request"]),
        ("officer2", "protection-read", ["help_request"]),
    ]
