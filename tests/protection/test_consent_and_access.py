"""Consent per purpose (refused without it, withdrawn, overridden by a lead with a
reason) and emergency access (asked with a reason, approved by a lead, limited in time)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from civwatch.db import utcnow
from civwatch.errors import (
    ConsentMissingError,
    PermissionDeniedError,
    RecordNotFoundError,
    RejectedInputError,
)
from civwatch.protection.access import (
    approve_emergency_access,
    request_emergency_access,
    revoke_emergency_access,
)
from civwatch.protection.consent import (
    consents,
    override_consent,
    record_consent,
    require_consent,
)
from civwatch.protection.models import ProtectionAccessGrant
from civwatch.protection.persons import add_person, person_history, show_person
from civwatch.workspace import Workspace
from tests.protection.conftest import PrincipalOf
from tests.protection.helpers import MARKER_NAME, files_holding, marker_person


def _required(ws: Workspace, person_id: str, purpose: str = "case-handling") -> None:
    with ws.sessions() as session:
        require_consent(session, person_id, purpose)


def test_an_act_without_consent_is_refused_until_given_or_overridden(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer, lead = principal("officer1"), principal("lead1")
    person_id = add_person(desk, officer, marker_person())
    with pytest.raises(ConsentMissingError, match="handling a case"):
        _required(desk, person_id)
    record_consent(desk, officer, person_id, "case-handling", how="verbal")
    _required(desk, person_id)
    record_consent(desk, officer, person_id, "case-handling", how="written", given=False)
    with pytest.raises(ConsentMissingError):
        _required(desk, person_id)
    with pytest.raises(PermissionDeniedError):
        override_consent(desk, officer, person_id, "case-handling", "urgent")
    override_consent(desk, lead, person_id, "case-handling", "MARKEROVERRIDE detained tomorrow")
    _required(desk, person_id)
    assert [c["given"] for c in consents(desk, officer, person_id)] == [False, True]
    assert files_holding(desk, [b"MARKEROVERRIDE"]) == []
    acts = [h["act"] for h in person_history(desk, lead, person_id)]
    assert acts[1:] == ["consent-override", "consent-withdraw", "consent-give", "person-add"]


def test_consent_names_its_partner_or_channel(desk: Workspace, principal: PrincipalOf) -> None:
    officer = principal("officer1")
    person_id = add_person(desk, officer, marker_person())
    with pytest.raises(RejectedInputError, match="partner"):
        record_consent(desk, officer, person_id, "referral", how="verbal")
    with pytest.raises(RejectedInputError, match="channel"):
        record_consent(desk, officer, person_id, "contact", how="verbal")
    record_consent(desk, officer, person_id, "contact", how="verbal", channel="signal")
    with desk.sessions() as session:
        require_consent(session, person_id, "contact", channel="signal")
        with pytest.raises(ConsentMissingError):
            require_consent(session, person_id, "contact", channel="email")
    with pytest.raises(RecordNotFoundError):
        record_consent(desk, principal("officer2"), person_id, "relief-grant", how="verbal")


def test_emergency_access_needs_a_lead_and_ends_by_itself(
    desk: Workspace, principal: PrincipalOf
) -> None:
    owner, outsider, lead = principal("officer1"), principal("officer2"), principal("lead1")
    person_id = add_person(desk, owner, marker_person())
    grant = request_emergency_access(desk, outsider, person_id, "MARKERWHY on call tonight")
    with pytest.raises(RecordNotFoundError):  # asking opens nothing
        show_person(desk, outsider, person_id)
    with pytest.raises(PermissionDeniedError):
        approve_emergency_access(desk, owner, grant)
    approved = approve_emergency_access(desk, lead, grant, hours=2)
    assert approved["person_id"] == person_id
    assert show_person(desk, outsider, person_id)["names"][0]["name"] == MARKER_NAME
    with desk.sessions() as session, session.begin():
        session.execute(
            update(ProtectionAccessGrant).values(expires_at=utcnow() - timedelta(minutes=1))
        )
    with pytest.raises(RecordNotFoundError):
        show_person(desk, outsider, person_id)
    assert files_holding(desk, [b"MARKERWHY"]) == []


def test_a_lead_cannot_approve_their_own_request_and_revokes_others(
    team: Workspace, principal: PrincipalOf
) -> None:
    from civwatch.accounts import add_user
    from civwatch.protection.desk import init_desk
    from tests.protection.conftest import PASSPHRASE

    add_user(team, "lead2", "Lead Two", ["protection_lead"], actor="admin")
    init_desk(team, passphrase=PASSPHRASE, actor=principal("lead1"))
    owner, outsider = principal("officer1"), principal("officer2")
    person_id = add_person(team, owner, marker_person())
    own = request_emergency_access(team, principal("lead1"), person_id, "checking")
    with pytest.raises(PermissionDeniedError, match="Another protection lead"):
        approve_emergency_access(team, principal("lead1"), own)
    grant = request_emergency_access(team, outsider, person_id, "on call")
    approve_emergency_access(team, principal("lead2"), grant)
    assert show_person(team, outsider, person_id)["id"] == person_id
    revoke_emergency_access(team, principal("lead1"), grant)
    with pytest.raises(RecordNotFoundError):
        show_person(team, outsider, person_id)
