"""A witness's identity reaches a court only by a recorded, two-person decision for that
very court, while the witness's consent to share with it stands; and every opening of an
identity passes the protection desk's gate (a second factor, need to know)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from civwatch.accounts import add_user
from civwatch.errors import ConflictError, PermissionDeniedError, RecordNotFoundError
from civwatch.intake import testimony as t
from civwatch.intake import testimony_disclosure as d
from civwatch.intake.testimony_package import build_incident_package
from tests.intake.conftest import MARKER_NAME, MARKER_PHONE, Field, marked

COURT_A = "ICC Office of the Prosecutor"
COURT_B = "Kharkiv District Court"


def _shared(field: Field, *recipients: str) -> tuple[int, dict[str, int]]:
    made = t.record_testimony(field.ws, field.who("ivan"), marked(field.incident))
    t.add_member(field.ws, field.who("ivan"), made["id"], "olek")
    consents = {
        r: t.give_consent(
            field.ws, field.who("ivan"), made["id"], "share", given_on=date(2024, 5, 2), recipient=r
        )
        for r in recipients
    }
    return made["id"], consents


def _package(field: Field, tmp_path: Path, recipient: str, name: str) -> dict[str, str]:
    out = tmp_path / name
    build_incident_package(field.ws, field.who("ivan"), field.incident, out, recipient=recipient)
    return {
        p.relative_to(out).as_posix(): p.read_text("utf-8", "replace")
        for p in out.rglob("*")
        if p.is_file()
    }


def _marked_files(files: dict[str, str]) -> list[str]:
    return sorted(k for k, v in files.items() if MARKER_NAME in v or MARKER_PHONE in v)


def test_without_a_decision_no_package_carries_the_identity(field: Field, tmp_path: Path) -> None:
    testimony, _ = _shared(field, COURT_A)
    files = _package(field, tmp_path, COURT_A, "a")
    assert any(k.startswith("data/testimony/") for k in files)
    assert _marked_files(files) == []
    # a proposal a lead has not approved lets nothing out either
    d.propose_disclosure(field.ws, field.who("olek"), testimony, COURT_A, "Trial of the strike")
    assert _marked_files(_package(field, tmp_path, COURT_A, "a2")) == []


def test_a_decision_for_court_a_discloses_to_court_a_alone(field: Field, tmp_path: Path) -> None:
    testimony, _ = _shared(field, COURT_A, COURT_B)
    decision = d.propose_disclosure(
        field.ws, field.who("olek"), testimony, COURT_A, "The court summons the witness"
    )
    d.approve_disclosure(field.ws, field.who("lead1"), testimony, decision)
    for_a = _package(field, tmp_path, COURT_A, "a")
    sealed = _marked_files(for_a)
    assert len(sealed) == 1 and sealed[0].startswith("data/sealed/witness-identity/")
    doc = json.loads(for_a[sealed[0]])
    assert doc["SEALED"].startswith("SEALED") and doc["recipient"] == COURT_A
    assert doc["ЗАПЕЧАТАНО"].startswith("ЗАПЕЧАТАНО")
    assert doc["identity"]["name"] == MARKER_NAME
    assert doc["decision"]["decided_by"] == "olek" and doc["decision"]["approved_by"] == "lead1"
    assert doc["decision"]["reason"] == "The court summons the witness"
    # listed in the export's custody entry like every document of the package
    assert sealed[0] in for_a["bag-info.txt"] + "".join(for_a.values())
    # court B has the witness's consent to the testimony, but no decision: no identity
    for_b = _package(field, tmp_path, COURT_B, "b")
    assert any(k.startswith("data/testimony/") for k in for_b)
    assert _marked_files(for_b) == []
    # the opening for court A's package is recorded as a read of the witness
    reads = [
        h
        for h in t.identity_history(field.ws, field.who("ivan"), testimony)
        if h["act"] == "protection-read"
    ]
    assert [h["actor"] for h in reads] == ["ivan"]


def test_revoking_the_decision_or_the_consent_stops_later_packages(
    field: Field, tmp_path: Path
) -> None:
    testimony, consents = _shared(field, COURT_A)
    decision = d.propose_disclosure(field.ws, field.who("olek"), testimony, COURT_A, "Summons")
    d.approve_disclosure(field.ws, field.who("lead1"), testimony, decision)
    assert len(_marked_files(_package(field, tmp_path, COURT_A, "before"))) == 1
    t.withdraw_consent(field.ws, field.who("ivan"), testimony, consents[COURT_A])
    after_withdrawal = _package(field, tmp_path, COURT_A, "withdrawn")
    assert _marked_files(after_withdrawal) == []
    assert not any(k.startswith("data/testimony/") for k in after_withdrawal)
    # consent given again: the decision still holds until revoked
    t.give_consent(
        field.ws,
        field.who("ivan"),
        testimony,
        "share",
        given_on=date(2024, 6, 1),
        recipient=COURT_A,
    )
    assert len(_marked_files(_package(field, tmp_path, COURT_A, "again"))) == 1
    d.revoke_disclosure(field.ws, field.who("ivan"), testimony, decision)
    assert _marked_files(_package(field, tmp_path, COURT_A, "revoked")) == []
    with pytest.raises(ConflictError):
        d.revoke_disclosure(field.ws, field.who("ivan"), testimony, decision)
    assert [x["in_force"] for x in d.decisions(field.ws, field.who("ivan"), testimony)] == [False]


def test_the_decision_needs_consent_a_desk_role_the_team_and_a_second_lead(field: Field) -> None:
    testimony, _ = _shared(field, COURT_A)
    with pytest.raises(ConflictError):  # no consent to share with court B
        d.propose_disclosure(field.ws, field.who("olek"), testimony, COURT_B, "Summons")
    with pytest.raises(PermissionDeniedError):  # an investigator holds no desk role
        d.propose_disclosure(field.ws, field.who("ivan"), testimony, COURT_A, "Summons")
    with pytest.raises(PermissionDeniedError):  # a verifier neither
        d.propose_disclosure(field.ws, field.who("vera"), testimony, COURT_A, "Summons")
    # a lead proposes; the same lead may not approve; an officer may not approve
    decision = d.propose_disclosure(field.ws, field.who("lead1"), testimony, COURT_A, "Summons")
    with pytest.raises(PermissionDeniedError):
        d.approve_disclosure(field.ws, field.who("lead1"), testimony, decision)
    with pytest.raises(PermissionDeniedError):
        d.approve_disclosure(field.ws, field.who("olek"), testimony, decision)
    d.approve_disclosure(field.ws, field.who("lead2"), testimony, decision)
    with pytest.raises(ConflictError):
        d.approve_disclosure(field.ws, field.who("lead2"), testimony, decision)
    with pytest.raises(RecordNotFoundError):  # another testimony's decision id
        other, _ = _shared(field, COURT_A)
        d.approve_disclosure(field.ws, field.who("lead2"), other, decision)


def test_an_identity_read_without_a_second_factor_is_refused(field: Field) -> None:
    """Attack: an investigator whose account has no second factor (a password alone, which
    a phishing page takes) opens a witness's identity."""
    add_user(field.ws, "nina", "Nina", ["investigator"], actor="admin")
    made = t.record_testimony(field.ws, field.who("nina"), marked(field.incident))
    with pytest.raises(PermissionDeniedError, match="second factor"):
        t.witness_identity(field.ws, field.who("nina"), made["id"])
    # and nothing was read: no read recorded
    history = t.identity_history(field.ws, field.who("nina"), made["id"])
    assert [h for h in history if h["act"] == "protection-read"] == []
    # the same investigator on a team with the factor set up reads it
    t.add_member(field.ws, field.who("nina"), made["id"], "iryna")
    assert t.witness_identity(field.ws, field.who("iryna"), made["id"])["name"] == MARKER_NAME


def test_a_package_that_must_carry_an_identity_is_refused_to_an_exporter_off_the_team(
    field: Field, tmp_path: Path
) -> None:
    """Attack: an investigator outside the testimony's team builds the package for the
    court a disclosure names, to read the identity in its sealed part."""
    testimony, _ = _shared(field, COURT_A)
    decision = d.propose_disclosure(field.ws, field.who("olek"), testimony, COURT_A, "Summons")
    d.approve_disclosure(field.ws, field.who("lead1"), testimony, decision)
    out = tmp_path / "stolen"
    with pytest.raises(PermissionDeniedError, match="second factor"):
        build_incident_package(
            field.ws, field.who("viktor"), field.incident, out, recipient=COURT_A
        )
    assert not out.exists() or not any(out.rglob("*"))


def test_every_desk_role_that_proposes_a_disclosure_also_writes_testimony() -> None:
    """propose_disclosure asks the table for protection.write alone: that holds only while
    every holder of it also holds testimony.write."""
    from civwatch.accounts.permissions import Permission, holders

    assert set(holders(Permission.PROTECTION_WRITE)) <= set(holders(Permission.TESTIMONY_WRITE))
