"""Referrals: consent to that partner, a fresh password, a packet only the partner opens
holding only the chosen fields; revocation recorded; the partner registry is the leads'."""

from __future__ import annotations

import json

import pytest

from civwatch.crypto import age_packets
from civwatch.errors import (
    ConsentMissingError,
    DecryptionError,
    InvalidRecipientError,
    PermissionDeniedError,
    RecordNotFoundError,
    RejectedInputError,
)
from civwatch.protection import audit
from civwatch.protection.cases import show_case
from civwatch.protection.partners import add_partner, deactivate_partner, list_partners
from civwatch.protection.referrals import (
    refer,
    referral_packet,
    revoke_referral,
    set_referral_state,
)
from civwatch.workspace import Workspace
from tests.protection.case_helpers import (
    MARK_DOC,
    MARK_NAME,
    MARK_PHONE,
    PASSWORD,
    give_consent,
    open_marked_case,
    set_password,
)
from tests.protection.conftest import PrincipalOf


@pytest.fixture
def partners(desk: Workspace, principal: PrincipalOf) -> dict[str, tuple[str, str]]:
    """Two partners: name -> (partner id, the partner's own secret identity)."""
    made = {}
    for name in ("Shelter North", "Exit South"):
        secret, public = age_packets.new_identity()
        made[name] = (add_partner(desk, principal("lead1"), name, public, country="PL"), secret)
    return made


def test_a_referral_needs_consent_to_that_partner_and_a_fresh_password(
    desk: Workspace, principal: PrincipalOf, partners: dict[str, tuple[str, str]]
) -> None:
    officer = principal("officer1")
    set_password(desk, "officer1")
    person_id, case_id = open_marked_case(desk, officer)
    north, _secret = partners["Shelter North"]
    south, _other = partners["Exit South"]
    give_consent(desk, officer, person_id, "referral", partner_id=south)
    with pytest.raises(ConsentMissingError):
        refer(desk, officer, case_id, north, ["names"], PASSWORD)
    with pytest.raises(RejectedInputError, match="password"):
        refer(desk, officer, case_id, south, ["names"], "not the password at all")
    with pytest.raises(RejectedInputError, match="cannot be shared"):
        refer(desk, officer, case_id, south, ["notes"], PASSWORD)
    assert show_case(desk, officer, case_id)["referrals"] == []


def test_the_packet_opens_only_for_the_partner_and_holds_only_the_chosen_fields(
    desk: Workspace, principal: PrincipalOf, partners: dict[str, tuple[str, str]]
) -> None:
    officer = principal("officer1")
    set_password(desk, "officer1")
    person_id, case_id = open_marked_case(desk, officer)
    north, north_secret = partners["Shelter North"]
    _south, south_secret = partners["Exit South"]
    give_consent(desk, officer, person_id, "referral", partner_id=north)
    referral_id = refer(desk, officer, case_id, north, ["names", "groups"], PASSWORD)
    packet = referral_packet(desk, officer, referral_id)["packet"]
    for text in (MARK_NAME, MARK_PHONE, MARK_DOC):
        assert text.encode() not in packet
    with pytest.raises(DecryptionError):
        age_packets.decrypt(packet, south_secret)
    opened = json.loads(age_packets.decrypt(packet, north_secret))
    assert opened["fields"] == ["groups", "names"]
    assert set(opened["person"]) == {"groups", "names"}
    text = json.dumps(opened, ensure_ascii=False)
    assert MARK_NAME in text and MARK_PHONE not in text and MARK_DOC not in text
    (shown,) = show_case(desk, officer, case_id)["referrals"]
    assert shown["state"] == "sent" and shown["fields"] == ["groups", "names"]
    # Another officer cannot send, read or revoke it.
    with pytest.raises(RecordNotFoundError):
        referral_packet(desk, principal("officer2"), referral_id)
    with pytest.raises(RecordNotFoundError):
        revoke_referral(desk, principal("officer2"), referral_id)


def test_a_revoked_referral_is_recorded_and_no_longer_given_out(
    desk: Workspace, principal: PrincipalOf, partners: dict[str, tuple[str, str]]
) -> None:
    from civwatch.errors import ConflictError

    officer = principal("officer1")
    set_password(desk, "officer1")
    person_id, case_id = open_marked_case(desk, officer)
    north, _secret = partners["Shelter North"]
    give_consent(desk, officer, person_id, "referral", partner_id=north)
    referral_id = refer(desk, officer, case_id, north, ["names"], PASSWORD)
    set_referral_state(desk, officer, referral_id, "accepted")
    assert revoke_referral(desk, officer, referral_id)["state"] == "revoked"
    assert show_case(desk, officer, case_id)["referrals"][0]["state"] == "revoked"
    with pytest.raises(ConflictError, match="revoked"):
        referral_packet(desk, officer, referral_id)
    with pytest.raises(ConflictError, match="from Revoked to Accepted by the partner"):
        set_referral_state(desk, officer, referral_id, "accepted")
    with desk.sessions() as session:
        acts = [h["fields"] for h in audit.history(session, case_id=case_id)]
    assert ["referrals"] in acts and ["names"] in acts  # the revocation and the sending


def test_the_partner_registry_is_kept_by_leads(
    desk: Workspace, principal: PrincipalOf, partners: dict[str, tuple[str, str]]
) -> None:
    _secret, public = age_packets.new_identity()
    with pytest.raises(PermissionDeniedError):
        add_partner(desk, principal("officer1"), "Rogue", public)
    with pytest.raises(InvalidRecipientError):
        add_partner(desk, principal("lead1"), "Typo", public[:-3] + "qqq")
    names = [p["name"] for p in list_partners(desk, principal("officer1"))]
    assert names == ["Exit South", "Shelter North"]
    deactivate_partner(desk, principal("lead1"), partners["Exit South"][0])
    assert [p["name"] for p in list_partners(desk, principal("officer1"))] == ["Shelter North"]
