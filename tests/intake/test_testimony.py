"""Field testimony: the witness by code everywhere, the identity for the team only (every
read recorded), risk flags hiding a testimony from everyone else, consent per purpose."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from civwatch.errors import (
    ConflictError,
    DeskLockedError,
    NotFoundError,
    PermissionDeniedError,
    RecordNotFoundError,
    RejectedInputError,
)
from civwatch.intake import testimony as t
from civwatch.intake.testimony import WitnessInput
from tests.intake.conftest import MARKER_HOME, MARKER_NAME, MARKER_PHONE, Field, marked


def test_a_testimony_shows_the_witness_by_code_and_the_team_alone_opens_who_they_are(
    field: Field,
) -> None:
    made = t.record_testimony(field.ws, field.who("ivan"), marked(field.incident))
    assert made["witness"].startswith("W-") and len(made["witness"]) == 8
    seen = t.testimony_view(field.ws, field.who("vera"), made["id"])
    assert seen["witness"] == made["witness"] and seen["incidents"] == [field.incident]
    assert MARKER_NAME not in repr(seen) and not seen["on_team"]
    with pytest.raises(RecordNotFoundError):
        t.witness_identity(field.ws, field.who("vera"), made["id"])
    opened = t.witness_identity(field.ws, field.who("ivan"), made["id"])
    assert opened["name"] == MARKER_NAME and opened["contacts"] == [MARKER_PHONE]
    assert opened["residence"] == MARKER_HOME
    # a protection lead reads it too; every read is in the protection audit log, by id
    t.witness_identity(field.ws, field.who("lead1"), made["id"])
    reads = [
        h
        for h in t.identity_history(field.ws, field.who("ivan"), made["id"])
        if h["act"] == "protection-read"
    ]
    assert [h["actor"] for h in reads] == ["lead1", "ivan"]
    assert reads[0]["fields"] == ["birth_date", "contacts", "name", "residence"]
    # a member the interviewer adds may read it from then on
    t.add_member(field.ws, field.who("ivan"), made["id"], "iryna")
    assert t.witness_identity(field.ws, field.who("iryna"), made["id"])["name"] == MARKER_NAME


def test_roles_without_the_permission_are_refused(field: Field) -> None:
    with pytest.raises(PermissionDeniedError):
        t.record_testimony(field.ws, field.who("val"), marked(field.incident))
    made = t.record_testimony(field.ws, field.who("ivan"), marked(field.incident))
    for user in ("val", "pat", "admin"):
        with pytest.raises(PermissionDeniedError):
            t.testimony_view(field.ws, field.who(user), made["id"])


def test_a_risk_flag_hides_the_testimony_from_everyone_off_its_team(field: Field) -> None:
    made = t.record_testimony(
        field.ws, field.who("ivan"), marked(field.incident, flags=["minor", "occupied"])
    )
    assert t.testimony_view(field.ws, field.who("ivan"), made["id"])["flags"] == [
        "occupied",
        "minor",
    ]
    with pytest.raises(RecordNotFoundError) as hidden:
        t.testimony_view(field.ws, field.who("vera"), made["id"])
    with pytest.raises(RecordNotFoundError) as missing:
        t.testimony_view(field.ws, field.who("vera"), 99999)
    assert str(hidden.value).replace(str(made["id"]), "N") == str(missing.value).replace(
        "99999", "N"
    )
    assert t.testimonies(field.ws, field.who("vera"), incident_id=field.incident) == []
    assert len(t.testimonies(field.ws, field.who("lead1"), incident_id=field.incident)) == 1
    t.set_flags(field.ws, field.who("ivan"), made["id"], [])
    assert t.testimony_view(field.ws, field.who("vera"), made["id"])["flags"] == []


def test_consent_decides_what_a_package_may_carry_and_withdrawing_it_takes_it_back(
    field: Field,
) -> None:
    made = t.record_testimony(field.ws, field.who("ivan"), marked(field.incident))

    def docs(recipient: str | None) -> dict[str, bytes]:
        with field.ws.sessions() as session:
            return t.package_documents(session, field.who("ivan"), field.incident, recipient)

    assert docs("ICC Office of the Prosecutor") == {}
    consent = t.give_consent(
        field.ws,
        field.who("ivan"),
        made["id"],
        "share",
        given_on=date(2024, 5, 2),
        recipient="ICC Office of the Prosecutor",
    )
    found = docs("icc office of the prosecutor")
    assert list(found) == [f"data/testimony/{made['witness']}-{made['id']}.json"]
    body = next(iter(found.values())).decode()
    assert made["witness"] in body and "east wing" in body and MARKER_NAME not in body
    assert docs("Another court") == {} and docs(None) == {}
    t.withdraw_consent(field.ws, field.who("ivan"), made["id"], consent)
    assert docs("ICC Office of the Prosecutor") == {}
    with pytest.raises(ConflictError):
        t.withdraw_consent(field.ws, field.who("ivan"), made["id"], consent)
    with pytest.raises(RejectedInputError):  # sharing names its recipient
        t.give_consent(field.ws, field.who("ivan"), made["id"], "share", given_on=date.today())
    with pytest.raises(RejectedInputError):
        t.give_consent(field.ws, field.who("ivan"), made["id"], "sell", given_on=date.today())


def test_a_minor_never_leaves_in_a_package_and_a_flag_hides_the_place(field: Field) -> None:
    ws, ivan = field.ws, field.who("ivan")
    minor = t.record_testimony(ws, ivan, marked(field.incident, flags=["minor"]))
    risky = t.record_testimony(ws, ivan, marked(field.incident, flags=["reprisal"]))
    for made in (minor, risky):
        t.give_consent(ws, ivan, made["id"], "share", given_on=date(2024, 5, 2), recipient="Court")
    with ws.sessions() as session:
        found = t.package_documents(session, ivan, field.incident, "Court")
        seen_by_vera = t.package_documents(session, field.who("vera"), field.incident, "Court")
    assert [k for k in found] == [f"data/testimony/{risky['witness']}-{risky['id']}.json"]
    body = next(iter(found.values())).decode()
    assert "volunteer centre" not in body and '"taken_at":"2024-05-02"' in body
    assert seen_by_vera == {}  # off the team, a flagged testimony is not hers to export


def test_the_desk_key_guards_the_identity_rotation_keeps_it_shredding_ends_it(
    field: Field,
) -> None:
    from civwatch.protection.desk import lock_desk, unlock_desk
    from civwatch.protection.rotation import rotate_key

    ws, ivan, lead = field.ws, field.who("ivan"), field.who("lead1")
    made = t.record_testimony(ws, ivan, marked(field.incident))
    rotate_key(ws, lead, new_passphrase="a brand new passphrase here")
    assert t.witness_identity(ws, ivan, made["id"])["name"] == MARKER_NAME
    lock_desk(ws, lead)
    with pytest.raises(DeskLockedError):
        t.witness_identity(ws, ivan, made["id"])
    with pytest.raises(DeskLockedError):  # no identity is taken down in clear meanwhile
        t.record_testimony(ws, ivan, marked(field.incident))
    # a testimony without identity needs no desk
    bare = t.record_testimony(ws, ivan, marked(field.incident, witness=WitnessInput()))
    assert t.testimony_view(ws, ivan, bare["id"])["identity_kept"] is False
    unlock_desk(ws, field.who("lead1"), "a brand new passphrase here")
    t.shred_witness(ws, ivan, made["id"])
    assert t.witness_identity(ws, ivan, made["id"]) == {
        "witness": made["witness"],
        "shredded": True,
    }
    assert t.testimony_view(ws, ivan, made["id"])["witness"] == made["witness"]


@pytest.mark.parametrize(
    ("over", "why"),
    [
        ({"statement": "   "}, "empty"),
        ({"statement": "x" * 100_001}, "at most"),
        ({"statement": "a\x00b"}, "NUL"),
        ({"language": "Ukrainian"}, "language"),
        ({"flags": ["vip"]}, "risk flag"),
        ({"flags": "minor"}, "list"),
        ({"incidents": [999999]}, "incident"),
        ({"attachments": ["../../etc/passwd"]}, "SHA-256"),
        ({"attachments": ["0" * 64]}, "0000"),
        ({"taken_at": "yesterday"}, "when"),
        ({"taken_at": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))}, "when"),
        ({"witness": WitnessInput(name="x" * 301)}, "at most"),
        ({"witness": WitnessInput(contacts=["1", "2", "3", "4", "5", "6"])}, "contacts"),
        ({"witness": WitnessInput(birth_date="long ago")}, "date of birth"),
        ({"witness": WitnessInput(contacts="+380501234567")}, "list"),  # type: ignore[arg-type]
    ],
)
def test_malformed_testimony_is_refused_with_a_clear_error_and_nothing_is_kept(
    field: Field, over: dict[str, object], why: str
) -> None:
    with pytest.raises((RejectedInputError, NotFoundError)) as refused:
        t.record_testimony(field.ws, field.who("ivan"), marked(field.incident, **over))
    assert why.lower() in str(refused.value).lower()
    assert t.testimonies(field.ws, field.who("ivan")) == []
