"""``civwatch verify`` checks field testimony: a testimony, a consent, a disclosure decision
or a quote changed in the database behind civwatch's back is reported."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from civwatch.intake import testimony as t
from civwatch.intake import testimony_disclosure as d
from civwatch.intake import testimony_quotes as q
from civwatch.integrity import verify_workspace
from tests.intake.conftest import Field, marked

COURT = "ICC Office of the Prosecutor"


@pytest.fixture
def recorded(field: Field) -> Field:
    ws, ivan = field.ws, field.who("ivan")
    made = t.record_testimony(ws, ivan, marked(field.incident))
    t.add_member(ws, ivan, made["id"], "olek")
    share = t.give_consent(
        ws, ivan, made["id"], "share", given_on=date(2024, 5, 2), recipient=COURT
    )
    t.withdraw_consent(ws, ivan, made["id"], share)
    t.give_consent(ws, ivan, made["id"], "share", given_on=date(2024, 5, 3), recipient=COURT)
    t.give_consent(ws, ivan, made["id"], "publish-anonymised", given_on=date(2024, 5, 2))
    decision = d.propose_disclosure(ws, field.who("olek"), made["id"], COURT, "Summons")
    d.approve_disclosure(ws, field.who("lead1"), made["id"], decision)
    q.mark_quote(ws, ivan, made["id"], "the missile hit the hospital's east wing")
    t.set_flags(ws, ivan, made["id"], ["reprisal"])
    return field


def _tampered(field: Field, sql: str) -> list[str]:
    with field.ws.engine.begin() as conn:
        conn.execute(text(sql))
    return [str(p) for p in verify_workspace(field.ws, rehash=False, processes=1)]


def test_a_sound_record_verifies(recorded: Field) -> None:
    assert verify_workspace(recorded.ws, rehash=False, processes=1) == []


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ("UPDATE testimony SET statement = 'I saw nothing.'", "testimony"),
        ("UPDATE testimony SET language = 'ru'", "testimony"),
        ("UPDATE testimony SET flags = '[]'", "testimony"),
        ("DELETE FROM testimony_incident", "testimony"),
        ("UPDATE testimony_consent SET recipient = 'Another court'", "testimony_consent"),
        (
            "UPDATE testimony_consent SET withdrawn_at = NULL, withdraw_leaf = NULL, "
            "withdrawn_by = NULL",
            "testimony_consent",
        ),
        (
            "UPDATE testimony_consent SET purpose = 'share' WHERE recipient IS NULL",
            "testimony_consent",
        ),
        ("UPDATE testimony_disclosure SET recipient = 'Another court'", "testimony_disclosure"),
        ("UPDATE testimony_disclosure SET reason = 'Curiosity'", "testimony_disclosure"),
        (
            "UPDATE testimony_disclosure SET revoked_at = NULL, revoke_leaf = NULL",
            "testimony_disclosure",
        ),
        ("DELETE FROM testimony_disclosure", "testimony_disclosure"),
        ("UPDATE testimony_quote SET excerpt = 'Ivan Petrenko saw it'", "testimony_quote"),
        ("UPDATE testimony_witness SET deleted_at = CURRENT_TIMESTAMP", "testimony_witness"),
    ],
)
def test_a_tampered_testimony_row_is_reported(recorded: Field, sql: str, table: str) -> None:
    if "revoke_leaf" in sql:  # a revoked decision brought back to force
        ws = recorded.ws
        tid = t.testimonies(ws, recorded.who("ivan"))[0]["id"]
        d.revoke_disclosure(ws, recorded.who("ivan"), tid, 1)
    problems = _tampered(recorded, sql)
    assert any(p.startswith(table) for p in problems), problems
