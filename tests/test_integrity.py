"""``civwatch verify`` covers every record it vouches for: each attack below edits the
database directly, as someone holding it would, and verify must name the table and row
(and exit 1 through the real command); a sound workspace with every kind of record
verifies clean."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update

from civwatch.accounts import add_user
from civwatch.accounts.service import disable_user
from civwatch.custody.bindings import Problem
from civwatch.custody.merkle import node_at
from civwatch.custody.models import CustodyLeaf, CustodyNode, CustodyState, CustodyTreeHead
from civwatch.evidence.copies import hash_pending
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.models import (
    Incident,
    IncidentRevision,
    IncidentTransition,
    ItemVerification,
    VerificationRecord,
    Witness,
)
from civwatch.incidents.places import import_places
from civwatch.incidents.service import (
    add_witness,
    create_incident,
    link_evidence,
    remove_witness,
    set_internal_notes,
    unlink_evidence,
    update_incident,
)
from civwatch.incidents.suggestions import decide
from civwatch.incidents.terms import add_term
from civwatch.incidents.verification import add_record
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.integrity import declarations, verify_workspace
from civwatch.publish.publication import (
    correct_incident,
    publish_incident,
    set_location_precision,
)
from civwatch.workspace import Workspace
from tests.conftest import SERVER_URL, run_cli
from tests.incidents import helpers
from tests.incidents.helpers import GEO, incident_doc, ingest_photo, verify_item

team = helpers.team  # the shared team of users (ada, ivan, vera, viktor, pat, val)

on_sqlite_only = pytest.mark.skipif(
    bool(SERVER_URL), reason="SQLite lets a column hold a value of another type"
)


@dataclass
class Rich:
    """A workspace holding every kind of record, and the ids the attacks aim at."""

    ws: Workspace
    first: str  # verified item, linked to the published incident
    second: str  # under verification, two sightings
    published: int
    internal: int


@pytest.fixture
def rich(team: Workspace, places: Gazetteer, tmp_path: Path) -> Rich:
    ws = team
    first = ingest_photo(ws, tmp_path / "a", seed=1, caption="first")
    second = ingest_photo(ws, tmp_path / "b", seed=2, caption="second")
    again = tmp_path / "c" / "again.jpg"  # the second photo again, from another source
    again.parent.mkdir()
    shutil.copyfile(tmp_path / "b" / "p2.jpg", again)
    list(ingest_paths(ws, [again], source=SourceInfo(url="https://t.me/x/2"), collector="two"))
    hash_pending(ws)
    verify_item(ws, first, author="ivan", reviewer="vera")
    add_record(ws, second, "geolocation", GEO, actor="viktor")

    published = create_incident(ws, incident_doc(), actor="ivan", places=places)["id"]
    update_incident(ws, published, {"narrative": "Two missiles."}, actor="ivan", places=places)
    set_incident_status(ws, published, "under_verification", actor="ivan")
    link_evidence(ws, published, first, role="primary", actor="ivan")
    link_evidence(ws, published, second, actor="ivan")
    unlink_evidence(ws, published, second, reason="another strike", actor="ivan")
    set_incident_status(ws, published, "verified", actor="viktor")
    review_incident(ws, published, "approve", actor="vera")
    publish_incident(ws, published, actor="pat")
    correct_incident(ws, published, "The narrative was corrected.", actor="pat")
    set_location_precision(ws, published, "raion", actor="ivan", places=places)
    kept = add_witness(
        ws, published, "Witness One", contact="+380", lat=50.0, lon=36.2, actor="ivan"
    )
    gone = add_witness(ws, published, "Witness Two", actor="ivan")
    remove_witness(ws, published, gone["id"], actor="ivan")
    assert kept["id"] != gone["id"]
    set_internal_notes(ws, published, "Call the hospital again.", actor="ivan")

    internal = create_incident(
        ws, incident_doc(title="Shelling of a market"), actor="ivan", places=places
    )["id"]
    decide(ws, second, internal, "dismissed", actor="ivan", reason="not this one")
    add_term(ws, "weapon", "Test rocket", actor="ada")
    places_csv = tmp_path / "places.csv"
    places_csv.write_text("id,name,kind,lat,lon\nh1,Hospital,hospital,49.99,36.23\n")
    import_places(ws, places_csv, source="test list", actor="ada")
    add_user(ws, "gone", "Gone", ["viewer"], actor="ada")
    disable_user(ws, "gone", actor="ada")
    ws.sign_head()
    return Rich(ws, first, second, int(published), int(internal))


def problems_of(ws: Workspace) -> list[Problem]:
    return verify_workspace(ws, rehash=False)


def named(problems: list[Problem], table: str, row: object = None) -> list[Problem]:
    """The problems naming ``table`` (and ``row``, when given)."""
    return [p for p in problems if p.table == table and (row is None or p.row == str(row))]


def item_id(ws: Workspace, sha: str) -> int:
    with ws.sessions() as session:
        return int(session.scalars(select(EvidenceItem.id).where(EvidenceItem.sha256 == sha)).one())


def attack(ws: Workspace, *statements: Any) -> None:
    """Run statements straight on the database, in one transaction."""
    with ws.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement) if isinstance(statement, str) else statement)


# --- a sound workspace ----------------------------------------------------------------------------


def test_a_workspace_with_every_kind_of_record_verifies_clean(rich: Rich) -> None:
    assert [str(p) for p in verify_workspace(rich.ws)] == []


def test_every_act_in_the_log_is_checked(rich: Rich) -> None:
    known = declarations().known_acts()
    with rich.ws.sessions() as session:
        acts = {json.loads(e)["act"] for e in session.scalars(select(CustodyLeaf.entry))}
    assert acts - known == set(), "give each new act a Binding or LogState (see integrity.py)"


# --- the attacks of the review ------------------------------------------------------------------


def test_edited_verification_coordinates_are_named(rich: Rich, cli_env: dict[str, str]) -> None:
    ws = rich.ws
    with ws.sessions() as session:
        record = session.scalars(
            select(VerificationRecord).where(VerificationRecord.kind == "geolocation")
        ).first()
        assert record is not None
        moved = {**record.content, "lat": 50.45, "lon": 30.52}
    attack(
        ws,
        update(VerificationRecord).where(VerificationRecord.id == record.id).values(content=moved),
    )
    proc = run_cli(cli_env, "verify", "--no-rehash", "--json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    hits = [
        p
        for p in report["problems"]
        if p["table"] == "verification_record" and p["row"] == str(record.id)
    ]
    assert hits and "content" in hits[0]["message"], report
    assert hits[0]["custody_index"] == record.custody_leaf
    plain = run_cli(cli_env, "verify", "--no-rehash")
    assert plain.returncode == 1 and "verification_record row" in plain.stderr
    assert "Traceback" not in plain.stderr


def test_an_item_status_set_to_verified_is_named(rich: Rich) -> None:
    ws = rich.ws
    item = item_id(ws, rich.second)
    attack(
        ws,
        update(ItemVerification).where(ItemVerification.item_id == item).values(status="verified"),
    )
    found = named(problems_of(ws), "item_verification", item)
    assert found and "status" in found[0].message and "under_verification" in found[0].message


def test_an_incident_status_visibility_and_title_changed_are_named(rich: Rich) -> None:
    ws = rich.ws
    attack(
        ws,
        update(Incident)
        .where(Incident.id == rich.internal)
        .values(status="verified", visibility="public", title="Nothing happened here"),
    )
    found = named(problems_of(ws), "incident", rich.internal)
    messages = " ".join(p.message for p in found)
    assert "status" in messages and "visibility" in messages and "title" in messages


def test_a_rewritten_revision_document_is_named(rich: Rich) -> None:
    ws = rich.ws
    with ws.sessions() as session:
        revision = session.scalars(
            select(IncidentRevision).where(
                IncidentRevision.incident_id == rich.published, IncidentRevision.revision == 1
            )
        ).one()
        doc = {**revision.doc, "casualties": {}}
    attack(ws, update(IncidentRevision).where(IncidentRevision.id == revision.id).values(doc=doc))
    found = named(problems_of(ws), "incident_revision", revision.id)
    assert found and "rewritten" in found[0].message
    # ... and with its digest rewritten too, the custody entry still tells.
    attack(
        ws,
        update(IncidentRevision)
        .where(IncidentRevision.id == revision.id)
        .values(doc_sha256="0" * 64),
    )
    found = named(problems_of(ws), "incident_revision", revision.id)
    assert any("doc_sha256" in p.message for p in found)


def test_the_current_revision_must_be_the_incident_row(rich: Rich) -> None:
    ws = rich.ws
    attack(ws, update(Incident).where(Incident.id == rich.published).values(revision=1))
    found = named(problems_of(ws), "incident", rich.published)
    assert any("narrative" in p.message for p in found)


def test_a_transition_actor_changed_is_named(rich: Rich) -> None:
    ws = rich.ws
    with ws.sessions() as session:
        submit = session.scalars(
            select(IncidentTransition).where(
                IncidentTransition.incident_id == rich.published, IncidentTransition.act == "submit"
            )
        ).one()
    attack(
        ws,
        update(IncidentTransition).where(IncidentTransition.id == submit.id).values(actor="vera"),
    )
    found = named(problems_of(ws), "incident_transition", submit.id)
    assert found and "actor" in found[0].message and found[0].leaf == submit.custody_leaf


def test_deleted_witnesses_are_named(rich: Rich) -> None:
    ws = rich.ws
    with ws.sessions() as session:
        leaf = session.scalars(select(Witness.custody_leaf)).one()
    attack(ws, delete(Witness))
    found = named(problems_of(ws), "incident_witness")
    assert [p.leaf for p in found] == [leaf], found  # the removed one is not missed


def test_a_witness_rewritten_is_named(rich: Rich) -> None:
    ws = rich.ws
    attack(ws, update(Witness).values(name="Somebody else"))
    assert named(problems_of(ws), "incident_witness")


def test_a_deleted_sighting_is_named(rich: Rich) -> None:
    ws = rich.ws
    with ws.sessions() as session:
        sighting = session.scalars(select(Sighting).where(Sighting.collected_by == "two")).one()
    attack(ws, delete(Sighting).where(Sighting.id == sighting.id))
    found = named(problems_of(ws), "evidence_sighting")
    assert [p.leaf for p in found] == [sighting.custody_leaf]
    assert "missing" in found[0].message


def test_deleted_internal_notes_and_precision_are_named(rich: Rich) -> None:
    ws = rich.ws
    attack(
        ws,
        update(Incident)
        .where(Incident.id == rich.published)
        .values(internal_notes="", public_location_precision="exact"),
    )
    found = named(problems_of(ws), "incident", rich.published)
    messages = " ".join(p.message for p in found)
    assert "internal notes" in messages and "precision" in messages


def _cut_back(ws: Workspace, keep: int) -> None:
    """What an attacker does to make the log end at ``keep`` entries: leaves, newer heads
    and the nodes over removed leaves go, and the state row says ``keep``."""
    with ws.sessions() as session:
        positions = list(session.scalars(select(CustodyNode.position)))
    doomed = [p for p in positions if ((node_at(p)[1] + 1) << node_at(p)[0]) > keep]
    attack(
        ws,
        delete(CustodyLeaf).where(CustodyLeaf.idx >= keep),
        delete(CustodyTreeHead).where(CustodyTreeHead.tree_size > keep),
        delete(CustodyNode).where(CustodyNode.position.in_(doomed)),
        update(CustodyState).values(tree_size=keep),
    )


def test_a_log_cut_back_is_found_against_the_kept_heads(
    rich: Rich, cli_env: dict[str, str]
) -> None:
    ws = rich.ws
    run_cli(cli_env, "custody", "head", check=True)  # a head handed out
    with ws.sessions() as session:
        size = ws.custody.size(session)
        witness_leaf = session.scalars(select(Witness.custody_leaf)).one()
    keep = witness_leaf - 2
    _cut_back(ws, keep)
    with ws.sessions() as session, session.begin():
        heads = list(session.scalars(select(CustodyTreeHead.tree_size)))
    assert heads and max(heads) <= keep
    proc = run_cli(cli_env, "verify", "--no-rehash", "--json")
    assert proc.returncode == 1
    problems = json.loads(proc.stdout)["problems"]
    log = [p["message"] for p in problems if p["table"] == "custody log"]
    assert any(f"size {size}" in m and "cut back" in m for m in log), log
    assert any("missing from the database's table of signed heads" in m for m in log)
    rows = [p for p in problems if p["table"] == "incident_witness"]
    assert rows and "beyond the end of the log" in rows[0]["message"]
    assert rows[0]["custody_index"] == witness_leaf


def test_a_deleted_head_is_found_in_the_heads_file(rich: Rich) -> None:
    ws = rich.ws
    attack(ws, delete(CustodyTreeHead))
    found = [p for p in problems_of(ws) if p.table == "custody log"]
    assert found and all("missing from the database's table" in p.message for p in found)


def test_an_edited_heads_file_line_is_named(rich: Rich) -> None:
    path = rich.ws.data_dir / "custody" / "heads.jsonl"
    lines = path.read_text().splitlines()
    doc = json.loads(lines[-1])
    doc["tree_size"] += 1
    path.write_text("\n".join([*lines, json.dumps(doc), "not json"]) + "\n")
    found = problems_of(rich.ws)
    assert any(p.table == "heads file" and p.row == str(len(lines) + 2) for p in found)
    assert any("signature" in p.message and "line" in p.message for p in found)


def test_a_row_added_from_outside_is_named(rich: Rich) -> None:
    ws = rich.ws
    with ws.sessions() as session:
        record = session.scalars(select(VerificationRecord)).first()
        assert record is not None
        copy = {
            c.name: getattr(record, c.key)
            for c in VerificationRecord.__table__.columns
            if c.name != "id"
        }
    with ws.sessions() as session, session.begin():
        session.add(VerificationRecord(**{**copy, "supersedes_id": None}))
    found = named(problems_of(ws), "verification_record")
    assert any("also claimed by another row" in p.message for p in found)


# --- malformed rows never stop verify ------------------------------------------------------------


@on_sqlite_only
def test_an_entry_stored_as_text_is_named_not_a_crash(rich: Rich, cli_env: dict[str, str]) -> None:
    attack(rich.ws, "UPDATE custody_leaves SET entry = CAST(entry AS TEXT) WHERE idx = 0")
    proc = run_cli(cli_env, "verify", "--no-rehash")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "Leaf 0: its entry is stored as text" in proc.stderr


@on_sqlite_only
def test_garbage_in_columns_is_named_not_a_crash(rich: Rich, cli_env: dict[str, str]) -> None:
    ws = rich.ws
    first = item_id(ws, rich.first)
    attack(
        ws,
        f"UPDATE evidence_item SET metadata = '{{not json', size = 'big' WHERE id = {first}",
        "UPDATE evidence_sighting SET custody_leaf = 'abc', collected_at = 'yesterday' "
        f"WHERE item_id = {first}",
        f"UPDATE incident SET casualties = '[1,' , start_at = 'never' WHERE id = {rich.published}",
        "UPDATE incident_transition SET custody_leaf = 2.5 WHERE act = 'publish'",
        f"UPDATE evidence_item SET extraction_leaf = NULL WHERE id <> {first}",
        "UPDATE custody_tree_heads SET signature = 'forged' WHERE id = 1",
        "UPDATE custody_leaves SET leaf_hash = 'x' WHERE idx = 3",
    )
    proc = run_cli(cli_env, "verify", "--no-rehash", "--json")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    problems = json.loads(proc.stdout)["problems"]
    tables = {p["table"] for p in problems}
    assert {"evidence_item", "evidence_sighting", "incident", "incident_transition"} <= tables
    assert any("Tree head #1 is malformed" in p["message"] for p in problems)
    assert any(p["custody_index"] == 3 and "leaf hash" in p["message"] for p in problems)


def test_an_entry_that_is_not_an_object_is_named(rich: Rich) -> None:
    ws = rich.ws
    with ws.sessions() as session:
        leaf = session.scalars(select(Witness.custody_leaf)).one()
    forged = b"[1, 2]"
    from civwatch.custody import leaf_hash

    attack(
        ws,
        update(CustodyLeaf)
        .where(CustodyLeaf.idx == leaf)
        .values(entry=forged, leaf_hash=leaf_hash(forged)),
    )
    found = named(problems_of(ws), "incident_witness")
    assert found and "not a JSON object" in found[0].message


def test_users_added_or_enabled_from_outside_are_named(rich: Rich) -> None:
    ws = rich.ws
    attack(ws, "UPDATE user_account SET active = TRUE WHERE username = 'gone'")
    with ws.sessions() as session, session.begin():
        from civwatch.accounts.models import User

        session.add(User(username="mallory", display_name="M", roles=["admin"]))
    found = named(problems_of(ws), "user_account")
    messages = " ".join(p.message for p in found)
    assert "active" in messages and "No custody entry" in messages


def test_worker_processes_find_what_one_process_finds(rich: Rich) -> None:
    ws = rich.ws
    assert verify_workspace(ws, rehash=False, processes=2) == []
    with ws.sessions() as session:
        sighting = session.scalars(select(Sighting).where(Sighting.collected_by == "two")).one()
    attack(
        ws,
        delete(Sighting).where(Sighting.id == sighting.id),
        update(IncidentTransition).where(IncidentTransition.act == "publish").values(actor="ivan"),
        update(Witness).values(name="Somebody else"),
    )
    alone = sorted(map(str, verify_workspace(ws, rehash=False, processes=1)))
    shared = sorted(map(str, verify_workspace(ws, rehash=False, processes=2)))
    assert alone == shared and len(alone) >= 3
