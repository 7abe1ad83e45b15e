"""Consent overrides are as narrow as consent: an override of the consent to a referral
names the partner it is for, and lets a referral go to that partner only; an override of
contact names its channel. Attack: an override recorded "for referrals" sent the person's
details to any partner."""

from __future__ import annotations

import pytest

from civwatch.crypto import age_packets
from civwatch.errors import ConsentMissingError, RejectedInputError
from civwatch.protection.consent import override_consent, require_consent
from civwatch.protection.partners import add_partner
from civwatch.protection.referrals import refer
from civwatch.workspace import Workspace
from tests.protection.case_helpers import PASSWORD, open_marked_case, set_password
from tests.protection.conftest import PrincipalOf


def _partner(desk: Workspace, principal: PrincipalOf, name: str) -> str:
    _secret, public = age_packets.new_identity()
    return add_partner(desk, principal("lead1"), name, public, country="PL")


def test_an_override_for_one_partner_sends_nothing_to_another(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer, lead = principal("officer1"), principal("lead1")
    set_password(desk, "officer1")
    person_id, case_id = open_marked_case(desk, officer)
    north, south = _partner(desk, principal, "Shelter North"), _partner(desk, principal, "South")

    # An override "for referrals" without a partner is refused: it would open every partner.
    with pytest.raises(RejectedInputError, match="partner"):
        override_consent(desk, lead, person_id, "referral", "detained tomorrow")
    override_consent(desk, lead, person_id, "referral", "detained tomorrow", partner_id=south)

    with pytest.raises(ConsentMissingError):
        refer(desk, officer, case_id, north, ["names"], PASSWORD)
    refer(desk, officer, case_id, south, ["names"], PASSWORD)
    with desk.sessions() as session:
        with pytest.raises(ConsentMissingError):
            require_consent(session, person_id, "referral", partner_id=north)
        require_consent(session, person_id, "referral", partner_id=south)


def test_an_override_of_contact_holds_for_its_channel_only(
    desk: Workspace, principal: PrincipalOf
) -> None:
    person_id, _case_id = open_marked_case(desk, principal("officer1"))
    lead = principal("lead1")
    with pytest.raises(RejectedInputError, match="channel"):
        override_consent(desk, lead, person_id, "contact", "no other way to reach them")
    override_consent(desk, lead, person_id, "contact", "no other way", channel="signal")
    with desk.sessions() as session:
        require_consent(session, person_id, "contact", channel="signal")
        with pytest.raises(ConsentMissingError):
            require_consent(session, person_id, "contact", channel="phone")


def test_an_override_names_an_existing_partner(desk: Workspace, principal: PrincipalOf) -> None:
    person_id, _case_id = open_marked_case(desk, principal("officer1"))
    with pytest.raises(RejectedInputError, match="partner"):
        override_consent(
            desk, principal("lead1"), person_id, "referral", "why", partner_id="prt_nobodynobody"
        )
