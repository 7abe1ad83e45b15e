"""The protection audit log: every read and change of the desk recorded, ids and field
names only, in a log of its own (Merkle tree, signed heads, its own heads file), with a row
per entry for "who has seen this record" that ``civwatch verify`` checks against the log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Table, delete, insert, select, text, update

from civwatch.custody.merkle import node_at
from civwatch.custody.models import log_tables
from civwatch.errors import RejectedInputError
from civwatch.integrity import protection_declarations, verify_workspace
from civwatch.protection import audit
from civwatch.protection.ids import new_id
from civwatch.protection.models import ProtectionAuditEvent
from civwatch.workspace import Workspace
from tests.conftest import run_cli

from .conftest import PrincipalOf

LEAVES = log_tables("protection_audit").leaves
EVENT = cast(Table, ProtectionAuditEvent.__table__)
EVENTS = EVENT.name
MARKER_NAME = "MARKERNAME-Ꙁ-7f3a"
MARKER_PHONE = "+380671234567"
MARKER_DOC = "MARKERDOC77"
MARKERS = (MARKER_NAME, MARKER_PHONE, MARKER_DOC)


def _entries(ws: Workspace) -> list[bytes]:
    with ws.sessions() as session:
        return [bytes(e) for e in session.scalars(select(LEAVES.c.entry).order_by(LEAVES.c.idx))]


def _raw_events(ws: Workspace) -> list[dict[str, Any]]:
    with ws.engine.connect() as conn:
        rows = conn.execute(select(EVENT).order_by(EVENT.c.leaf_idx))
        return [dict(row._mapping) for row in rows]


def _attack(ws: Workspace, *statements: Any) -> None:
    """Run statements straight on the database, as someone holding it would."""
    with ws.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement) if isinstance(statement, str) else statement)


class Desk:
    """A workspace with a few reads and changes of two people and a case recorded."""

    def __init__(self, ws: Workspace, principal: PrincipalOf) -> None:
        self.ws = ws
        self.person = new_id("per")
        self.other = new_id("per")
        self.case = new_id("case")
        officer, lead = principal("officer1"), principal("lead1")
        with ws.sessions() as session, session.begin():
            audit.record_change(
                session, officer, "person-add", person_id=self.person, fields=["names", "contacts"]
            )
            audit.record_change(session, officer, "person-add", person_id=self.other)
            audit.record_read(
                session,
                officer,
                person_id=self.person,
                case_id=None,
                fields=["names", "contacts", "documents"],
            )
            audit.record_change(
                session, officer, "case-open", person_id=self.person, case_id=self.case
            )
        with ws.sessions() as session, session.begin():
            audit.record_read(
                session, lead, person_id=self.person, case_id=self.case, fields=["names"]
            )
            audit.record_access(
                session, lead, "approve", person_id=self.other, grant_id=new_id("grant")
            )
            audit.record_desk(session, lead, "desk-lock")
            audit.record_change(session, lead, "person-delete", person_id=self.other)
        ws.sign_head(ws.protection_log)


@pytest.fixture
def desk_log(team: Workspace, principal: PrincipalOf) -> Desk:
    return Desk(team, principal)


def problems_of(ws: Workspace) -> list[Any]:
    return verify_workspace(ws, rehash=False)


# --- what an entry holds --------------------------------------------------------------------------


def test_an_entry_holds_ids_and_field_names_only(desk_log: Desk) -> None:
    ws = desk_log.ws
    read = json.loads(_entries(ws)[2])
    assert read == {
        "v": 1,
        "act": "protection-read",
        "actor": "officer1",
        "at": read["at"],
        "person": desk_log.person,
        "case": None,
        "fields": ["names", "contacts", "documents"],
    }
    # Nothing of the desk reaches the evidence custody log.
    with ws.sessions() as session:
        evidence = b"".join(
            bytes(e) for e in session.scalars(select(log_tables("custody").leaves.c.entry))
        )
    assert b'"act":"protection-' not in evidence and desk_log.person.encode() not in evidence


@pytest.mark.parametrize(
    "given",
    [
        {"person_id": MARKER_NAME},
        {"person_id": "per_" + MARKER_PHONE},
        {"case_id": MARKER_DOC},
        {"fields": ["names", MARKER_NAME]},
        {"fields": [MARKER_PHONE]},
        {"fields": MARKER_DOC.lower()},  # one string, not a list of names
    ],
)
def test_a_value_given_for_an_id_or_a_field_name_is_refused_and_never_logged(
    desk_log: Desk, principal: PrincipalOf, given: dict[str, Any]
) -> None:
    ws = desk_log.ws
    before = _entries(ws)
    kwargs: dict[str, Any] = {"person_id": desk_log.person, "case_id": None, "fields": ["names"]}
    kwargs.update(given)
    with pytest.raises(RejectedInputError) as refused, ws.sessions() as session, session.begin():
        audit.record_read(session, principal("officer1"), **kwargs)
    message = str(refused.value.message)
    assert not any(m in message or m.lower() in message for m in MARKERS)
    assert _entries(ws) == before
    everything = b"".join(before) + json.dumps(_raw_events(ws), default=str).encode()
    assert not any(m.encode() in everything for m in MARKERS)


def test_a_change_named_by_free_text_is_refused(desk_log: Desk, principal: PrincipalOf) -> None:
    ws = desk_log.ws
    with pytest.raises(RejectedInputError) as refused, ws.sessions() as session, session.begin():
        audit.record_change(session, principal("officer1"), f"renamed to {MARKER_NAME}")
    assert MARKER_NAME not in str(refused.value.message)


# --- who has seen this record ---------------------------------------------------------------------


def test_history_lists_who_read_and_changed_a_record_newest_first(desk_log: Desk) -> None:
    with desk_log.ws.sessions() as session:
        person = audit.history(session, person_id=desk_log.person)
        case = audit.history(session, case_id=desk_log.case)
        other = audit.history(session, person_id=desk_log.other)
    assert all(set(h) == {"actor", "at", "act", "fields"} for h in person)
    assert [(h["actor"], h["act"], h["fields"]) for h in person] == [
        ("lead1", "protection-read", ["names"]),
        ("officer1", "case-open", []),
        ("officer1", "protection-read", ["names", "contacts", "documents"]),
        ("officer1", "person-add", ["names", "contacts"]),
    ]
    times = [h["at"] for h in person]
    assert times == sorted(times, reverse=True)
    assert [h["act"] for h in case] == ["protection-read", "case-open"]
    assert [(h["actor"], h["act"]) for h in other] == [
        ("lead1", "person-delete"),
        ("lead1", "access-approve"),
        ("officer1", "person-add"),
    ]


# --- civwatch verify --------------------------------------------------------------------------


def test_a_workspace_with_protection_entries_verifies_clean(
    desk_log: Desk, cli_env: dict[str, str]
) -> None:
    ws = desk_log.ws
    assert [str(p) for p in verify_workspace(ws)] == []
    heads = ws.data_dir / "custody" / "protection-heads.jsonl"
    assert [json.loads(line)["tree_size"] for line in heads.read_text().splitlines()] == [8]
    proc = run_cli(cli_env, "verify", "--no-rehash", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_act_of_the_protection_log_is_checked(desk_log: Desk) -> None:
    acts = {json.loads(e)["act"] for e in _entries(desk_log.ws)}
    assert acts - protection_declarations().known_acts() == set()
    assert acts == {
        "protection-read",
        "protection-change",
        "protection-access",
        "person-delete",
        "desk-lock",
    }


def _named(problems: list[Any], table: str, row: object = None) -> list[Any]:
    return [p for p in problems if p.table == table and (row is None or p.row == str(row))]


def test_an_edited_event_row_is_named(desk_log: Desk, cli_env: dict[str, str]) -> None:
    ws = desk_log.ws
    # Hide who read the record and what they read: the lead's read becomes officer2's, of
    # one field less, and an officer's read of the contacts loses them.
    with ws.sessions() as session:
        officer2 = session.scalar(text("SELECT id FROM user_account WHERE username = 'officer2'"))
    _attack(
        ws,
        update(EVENT).where(EVENT.c.leaf_idx == 4).values(actor_id=officer2),
        update(EVENT).where(EVENT.c.leaf_idx == 2).values(fields=["names"]),
        update(EVENT)
        .where(EVENT.c.leaf_idx == 3)
        .values(person_id=desk_log.other, act="person-add"),
    )
    problems = problems_of(ws)
    assert "actor" in " ".join(p.message for p in _named(problems, EVENTS, 4))
    assert "fields" in " ".join(p.message for p in _named(problems, EVENTS, 2))
    third = " ".join(p.message for p in _named(problems, EVENTS, 3))
    assert "person_id" in third and "act" in third
    proc = run_cli(cli_env, "verify", "--no-rehash", "--json")
    assert proc.returncode == 1
    rows = {(p["table"], p["row"]) for p in json.loads(proc.stdout)["problems"]}
    assert {(EVENTS, "2"), (EVENTS, "3"), (EVENTS, "4")} <= rows


def test_a_deleted_event_row_is_named(desk_log: Desk) -> None:
    ws = desk_log.ws
    _attack(ws, delete(EVENT).where(EVENT.c.leaf_idx == 2))
    problems = problems_of(ws)
    found = _named(problems, EVENTS)
    assert [p.leaf for p in found] == [2] and "missing" in found[0].message
    # Worker processes check the protection log as the single process does.
    shared = verify_workspace(ws, rehash=False, processes=2)
    assert sorted(map(str, shared)) == sorted(map(str, problems))


def test_an_event_row_added_from_outside_is_named(desk_log: Desk) -> None:
    ws = desk_log.ws
    row = {**_raw_events(ws)[2], "leaf_idx": 40, "person_id": desk_log.other}
    _attack(ws, insert(EVENT).values(**row))
    found = _named(problems_of(ws), EVENTS, 40)
    assert found and "beyond the end of the log" in found[0].message


def test_an_edited_entry_of_the_protection_log_is_named(desk_log: Desk) -> None:
    ws = desk_log.ws
    forged = _entries(ws)[4].replace(b'"lead1"', b'"nobody"')
    _attack(ws, update(LEAVES).where(LEAVES.c.idx == 4).values(entry=forged))
    problems = problems_of(ws)
    log = _named(problems, "protection audit log")
    assert any(p.leaf == 4 and "altered" in p.message for p in log), problems
    assert _named(problems, EVENTS, 4)  # the row no longer matches its entry either
    assert not _named(problems, "custody log")


def test_a_tampered_protection_heads_file_is_named(desk_log: Desk) -> None:
    ws = desk_log.ws
    path: Path = ws.data_dir / "custody" / "protection-heads.jsonl"
    lines = path.read_text().splitlines()
    doc = json.loads(lines[-1])
    doc["tree_size"] -= 1
    path.write_text("\n".join([*lines, json.dumps(doc), "not json"]) + "\n")
    problems = problems_of(ws)
    assert _named(problems, "protection heads file", len(lines) + 2)
    where = f"custody/protection-heads.jsonl line {len(lines) + 1}"
    assert any(where in p.message and "signature" in p.message for p in problems), problems
    assert not _named(problems, "heads file")


def test_the_protection_log_cut_back_is_found_against_its_heads_file(desk_log: Desk) -> None:
    """Reads erased from the log, its rows, its heads and its state - every trace in the
    database - are still found: the heads file kept a head of the longer log."""
    ws = desk_log.ws
    tables = log_tables("protection_audit")
    keep = 5
    with ws.sessions() as session:
        positions = list(session.scalars(select(tables.nodes.c.position)))
    doomed = [p for p in positions if ((node_at(p)[1] + 1) << node_at(p)[0]) > keep]
    _attack(
        ws,
        delete(tables.leaves).where(tables.leaves.c.idx >= keep),
        delete(tables.heads),
        delete(tables.nodes).where(tables.nodes.c.position.in_(doomed)),
        update(tables.state).values(tree_size=keep),
        delete(EVENT).where(EVENT.c.leaf_idx >= keep),
    )
    log = [p.message for p in _named(problems_of(ws), "protection audit log")]
    assert any("size 8" in m and "cut back" in m for m in log), log


def test_a_protection_head_is_no_head_of_the_evidence_log(desk_log: Desk) -> None:
    """Copied into the evidence log's heads file, a head of the protection log (signed by
    the same key) does not pass for one of the evidence log."""
    ws = desk_log.ws
    protection = ws.data_dir / "custody" / "protection-heads.jsonl"
    evidence = ws.data_dir / "custody" / "heads.jsonl"
    kept = evidence.read_text() if evidence.exists() else ""
    evidence.write_text(kept + protection.read_text().splitlines()[-1] + "\n")
    found = [p.message for p in _named(problems_of(ws), "custody log")]
    assert any("heads.jsonl line" in m and "signature" in m for m in found), found


def test_rows_are_written_in_the_transaction_of_the_read(
    desk_log: Desk, principal: PrincipalOf
) -> None:
    """A read rolled back leaves neither entry nor row: no record of data never returned,
    and the log and its rows stay in step."""
    ws = desk_log.ws
    before = (_entries(ws), _raw_events(ws))
    with pytest.raises(RuntimeError), ws.sessions() as session, session.begin():
        audit.record_read(
            session, principal("officer2"), person_id=desk_log.person, case_id=None, fields=[]
        )
        raise RuntimeError("the read fails after it was recorded")
    assert (_entries(ws), _raw_events(ws)) == before
