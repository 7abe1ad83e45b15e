"""``civwatch verify`` covers every record it vouches for: each attack below edits the
database directly, as someone holding it would, and verify must name the table and row
(and exit 1 through the real command); a sound workspace with every kind of record
verifies clean."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update

from civwatch.accounts import add_user
from civwatch.accounts.local import add_first_admin, issue_token
from civwatch.accounts.service import disable_user
from civwatch.custody.bindings import Problem
from civwatch.custody.merkle import node_at
from civwatch.custody.models import CustodyLeaf, CustodyNode, CustodyState, CustodyTreeHead
from civwatch.evidence.copies import hash_pending
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.evidence.models import EvidenceItem, Sighting
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.internal_fields import add_witness, remove_witness, set_internal_notes
from civwatch.incidents.models import (
    Incident,
    IncidentChangeDecision,
    IncidentRevision,
    IncidentTransition,
    ItemVerification,
    VerificationRecord,
    Witness,
)
from civwatch.incidents.places import import_places
from civwatch.incidents.service import (
    create_incident,
    link_evidence,
    unlink_evidence,
    update_incident,
)
from civwatch.incidents.suggestions import decide
from civwatch.incidents.terms import add_term
from civwatch.incidents.verification import add_record, set_item_status
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.integrity import declarations, verify_workspace
from civwatch.publish.models import PackageExport
from civwatch.publish.package import build_package
from civwatch.publish.publication import (
    correct_incident,
    publish_incident,
    set_location_precision,
)
from civwatch.workspace import Workspace
from tests.conftest import SERVER_URL, run_cli
from tests.incidents import helpers
from tests.incidents.helpers import GEO, incident_doc, ingest_photo, verify_item
from tests.support.old_entries import ingest_as_layout_1

on_sqlite_only = pytest.mark.skipif(
    bool(SERVER_URL), reason="SQLite lets a column hold a value of another type"
)


@dataclass
class Rich:
    """A workspace holding every kind of record, and the ids the attacks aim at."""

    ws: Workspace
    first: str  # verified item, linked to the published incident
    second: str  # under verification, two sightings
    published: int  # a change applied by correction, and one approved waiting for one
    internal: int  # concluded: a change rejected, one applied on approval, one pending
    withdrawn: int  # withdrawn when its only evidence was reopened (an approved change applied)
    package: Path  # the evidence package of the published incident


def _first_admin_and_team(ws: Workspace) -> None:
    """The team, its first admin made as `civwatch init --admin` makes one, and a user
    added and one disabled locally as `civwatch user add` / `user disable` do (no actor)."""
    add_first_admin(ws, "ada", "Ada")
    for name, roles in helpers.TEAM.items():
        if name != "ada":
            add_user(ws, name, name.title(), roles, actor="ada")
    add_user(ws, "clerk", "Clerk", ["viewer"], actor=None, local=True)
    issue_token(ws, "clerk")
    add_user(ws, "left", "Left", ["viewer"], actor=None, local=True)
    disable_user(ws, "left", actor=None, local=True)


def _changes(ws: Workspace, published: int, internal: int) -> None:
    """Changes to concluded incidents in every state: applied by a correction and approved
    waiting for one (public), rejected, applied on approval and pending (internal)."""
    update_incident(ws, published, {"title": "Strike on the regional hospital"}, actor="ivan")
    review_incident(ws, published, "approve", actor="vera")
    correct_incident(ws, published, "The title was corrected.", actor="pat")
    update_incident(ws, published, {"narrative": "Two missiles, one unexploded."}, actor="ivan")
    review_incident(ws, published, "approve", actor="viktor")  # waits for a correction

    set_incident_status(ws, internal, "under_verification", actor="ivan")
    set_incident_status(ws, internal, "unverifiable", actor="ivan")
    review_incident(ws, internal, "approve", actor="vera")
    update_incident(ws, internal, {"title": "Shelling of the central market"}, actor="ivan")
    review_incident(ws, internal, "reject", actor="vera", reason="the market is not named")
    update_incident(ws, internal, {"narrative": "Shells hit the market."}, actor="ivan")
    review_incident(ws, internal, "approve", actor="viktor")  # applied at once
    update_incident(ws, internal, {"narrative": "Shells hit the market twice."}, actor="ivan")


def _withdrawn(ws: Workspace, places: Gazetteer, folder: Path) -> int:
    """A published incident withdrawn when its only verified item is reopened (an
    automatic withdrawal naming the item), applying the approved change that waited."""
    sha = ingest_photo(ws, folder, seed=3, caption="third")
    verify_item(ws, sha, author="ivan", reviewer="vera")
    inc = int(
        create_incident(ws, incident_doc(title="Strike on a school"), actor="ivan", places=places)[
            "id"
        ]
    )
    set_incident_status(ws, inc, "under_verification", actor="ivan")
    link_evidence(ws, inc, sha, role="primary", actor="ivan")
    set_incident_status(ws, inc, "verified", actor="ivan")
    review_incident(ws, inc, "approve", actor="vera")
    publish_incident(ws, inc, actor="pat")
    update_incident(ws, inc, {"title": "Strike on school No. 3"}, actor="ivan")
    review_incident(ws, inc, "approve", actor="vera")
    set_item_status(ws, sha, "under_verification", actor="ivan", reason="looks staged")
    return inc


@pytest.fixture
def rich(workspace: Workspace, places: Gazetteer, tmp_path: Path) -> Rich:
    ws = workspace
    _first_admin_and_team(ws)
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
    _changes(ws, int(published), int(internal))
    withdrawn = _withdrawn(ws, places, tmp_path / "d")
    add_term(ws, "weapon", "Test rocket", actor="ada")
    places_csv = tmp_path / "places.csv"
    places_csv.write_text("id,name,kind,lat,lon\nh1,Hospital,hospital,49.99,36.23\n")
    import_places(ws, places_csv, source="test list", actor="ada")
    add_user(ws, "gone", "Gone", ["viewer"], actor="ada")
    disable_user(ws, "gone", actor="ada")
    package = tmp_path / "package"
    build_package(ws, int(published), package, actor="ivan", recipient="ICC OTP")
    ws.sign_head()
    return Rich(ws, first, second, int(published), int(internal), withdrawn, package)


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


# --- changes to concluded incidents ---------------------------------------------------------------


def revision_row(ws: Workspace, incident: int, state: str) -> IncidentRevision:
    """The (last) revision of ``incident`` in ``state``."""
    with ws.sessions() as session:
        found = session.scalars(
            select(IncidentRevision)
            .where(IncidentRevision.incident_id == incident, IncidentRevision.state == state)
            .order_by(IncidentRevision.revision.desc())
        ).first()
        assert found is not None, (incident, state)
        session.expunge(found)
        return found


def decision_row(ws: Workspace, incident: int, act: str) -> IncidentChangeDecision:
    """The (last) change decision ``act`` on ``incident``."""
    with ws.sessions() as session:
        found = session.scalars(
            select(IncidentChangeDecision)
            .where(
                IncidentChangeDecision.incident_id == incident, IncidentChangeDecision.act == act
            )
            .order_by(IncidentChangeDecision.id.desc())
        ).first()
        assert found is not None, (incident, act)
        session.expunge(found)
        return found


def test_a_pending_change_marked_approved_is_named(rich: Rich) -> None:
    # Approved, it would be published by the next correction without a second person.
    ws = rich.ws
    pending = revision_row(ws, rich.internal, "pending")
    attack(
        ws,
        update(IncidentRevision).where(IncidentRevision.id == pending.id).values(state="approved"),
    )
    found = named(problems_of(ws), "incident_revision", pending.id)
    assert found and "state" in found[0].message and "'pending'" in found[0].message, found


def test_a_rejected_change_marked_applied_with_the_incident_moved_to_it_is_named(
    rich: Rich,
) -> None:
    # The incident row rewritten to the rejected change's content, consistently: the
    # content check alone passes, only the replayed revision history tells.
    ws = rich.ws
    rejected = revision_row(ws, rich.internal, "rejected")
    with ws.sessions() as session:
        before = session.get_one(Incident, rich.internal).revision
    attack(
        ws,
        update(IncidentRevision).where(IncidentRevision.id == rejected.id).values(state="applied"),
        update(Incident)
        .where(Incident.id == rich.internal)
        .values(
            revision=rejected.revision,
            title=rejected.doc["title"],
            narrative=rejected.doc["narrative"],
        ),
    )
    problems = problems_of(ws)
    incident = named(problems, "incident", rich.internal)
    assert any("revision" in p.message and repr(before) in p.message for p in incident), problems
    assert named(problems, "incident_revision", rejected.id)


def test_a_change_decision_rewritten_or_deleted_is_named(rich: Rich) -> None:
    ws = rich.ws
    reject = decision_row(ws, rich.internal, "reject")
    approve = decision_row(ws, rich.published, "approve")
    attack(
        ws,
        update(IncidentChangeDecision)
        .where(IncidentChangeDecision.id == reject.id)
        .values(act="approve", actor="viktor"),
        delete(IncidentChangeDecision).where(IncidentChangeDecision.id == approve.id),
    )
    problems = problems_of(ws)
    rewritten = named(problems, "incident_change_decision", reject.id)
    assert rewritten and rewritten[0].leaf == reject.custody_leaf, problems
    assert "incident-change-reject" in rewritten[0].message
    missing = [p for p in named(problems, "incident_change_decision") if p.row is None]
    assert [p.leaf for p in missing] == [approve.custody_leaf], problems


def test_a_proposed_change_deleted_or_rebased_is_named(rich: Rich) -> None:
    ws = rich.ws
    pending = revision_row(ws, rich.internal, "pending")
    waiting = revision_row(ws, rich.published, "approved")
    attack(
        ws,
        update(IncidentRevision).where(IncidentRevision.id == waiting.id).values(base_revision=1),
        delete(IncidentRevision).where(IncidentRevision.id == pending.id),
    )
    problems = problems_of(ws)
    rebased = named(problems, "incident_revision", waiting.id)
    assert rebased and "base_revision" in rebased[0].message, problems
    missing = [p for p in named(problems, "incident_revision") if p.row is None]
    assert [p.leaf for p in missing] == [pending.custody_leaf], problems


def test_an_applied_change_moved_to_another_revision_is_named(rich: Rich) -> None:
    ws = rich.ws
    applied = decision_row(ws, rich.internal, "apply")
    rejected = revision_row(ws, rich.internal, "rejected")
    attack(
        ws,
        update(IncidentChangeDecision)
        .where(IncidentChangeDecision.id == applied.id)
        .values(revision_id=rejected.id),
    )
    found = named(problems_of(ws), "incident_change_decision", applied.id)
    assert found and any("revision" in p.message for p in found), found


@on_sqlite_only
def test_a_deleted_incident_row_is_named(rich: Rich) -> None:
    # As from the sqlite3 shell, where foreign keys are not enforced.
    ws = rich.ws
    with closing(sqlite3.connect(str(ws.engine.url.database))) as conn:
        conn.execute("DELETE FROM incident WHERE id = ?", (rich.internal,))
        conn.commit()
    found = named(problems_of(ws), "incident", rich.internal)
    assert any("Revisions are recorded" in p.message for p in found), found


# --- evidence package exports -------------------------------------------------------------------


def export_row(ws: Workspace) -> PackageExport:
    with ws.sessions() as session:
        row = session.scalars(select(PackageExport)).one()
        session.expunge(row)
        return row


def test_an_export_rewritten_is_named(rich: Rich, cli_env: dict[str, str]) -> None:
    ws = rich.ws
    export = export_row(ws)
    attack(
        ws,
        update(PackageExport)
        .where(PackageExport.id == export.id)
        .values(recipient="nobody", items=[], media="originals"),
    )
    proc = run_cli(cli_env, "verify", "--no-rehash", "--json")
    assert proc.returncode == 1
    hits = [p for p in json.loads(proc.stdout)["problems"] if p["table"] == "package_export"]
    messages = " ".join(p["message"] for p in hits)
    assert all(p["row"] == str(export.id) for p in hits) and hits, hits
    assert all(p["custody_index"] == export.custody_leaf for p in hits)
    assert "recipient" in messages and "items" in messages and "media" in messages


def test_a_deleted_export_is_named(rich: Rich) -> None:
    ws = rich.ws
    export = export_row(ws)
    attack(ws, delete(PackageExport))
    found = named(problems_of(ws), "package_export")
    assert [p.leaf for p in found] == [export.custody_leaf], found
    assert "missing" in found[0].message


def test_an_export_naming_a_head_never_signed_is_named(rich: Rich) -> None:
    ws = rich.ws
    export = export_row(ws)
    attack(
        ws,
        update(PackageExport)
        .where(PackageExport.id == export.id)
        .values(tree_size=export.tree_size + 1000),
    )
    found = named(problems_of(ws), "package_export", export.id)
    assert found and "tree_size (" in found[0].message, found


def test_the_head_handed_out_in_a_package_is_kept_and_checked(rich: Rich) -> None:
    ws = rich.ws
    handed = json.loads((rich.package / "custody" / "tree-head.json").read_text())
    kept = [line.head for line in ws.heads.read() if line.head is not None]
    assert any(
        h.tree_size == handed["tree_size"] and h.root_hash.hex() == handed["root_hash"]
        for h in kept
    ), "the package's head is not in the heads file"
    # Cut back below the package's head, every later head gone: the kept line tells.
    keep = handed["tree_size"] - 1
    _cut_back(ws, keep)
    attack(ws, delete(CustodyTreeHead))
    log = [p.message for p in problems_of(ws) if p.table == "custody log"]
    assert any(f"size {handed['tree_size']}" in m and "cut back" in m for m in log), log


# --- users added from the machine itself ----------------------------------------------------------


def test_a_user_added_locally_given_an_actor_is_named(rich: Rich) -> None:
    ws = rich.ws
    attack(ws, "UPDATE user_account SET created_by = 'ada' WHERE username = 'clerk'")
    found = named(problems_of(ws), "user_account")
    assert found and "created_by" in found[0].message, found


# --- malformed rows never stop verify ------------------------------------------------------------


@on_sqlite_only
@pytest.mark.raw_custody_entries
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


@pytest.mark.raw_custody_entries
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


# --- entries written in an older layout ---------------------------------------------------------


def test_entries_of_the_older_layout_still_verify_and_are_still_checked(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A log written partly before the one entry layout verifies clean, beside entries of
    today's layout; and a row changed against an old entry is still named."""
    ws = workspace
    new = ingest_photo(ws, tmp_path / "new", seed=1, caption="today")
    old = ingest_as_layout_1(ws, tmp_path / "old")
    hash_pending(ws)
    with ws.sessions() as session:
        layouts = {
            (doc["act"], doc["v"])
            for doc in (json.loads(e) for e in session.scalars(select(CustodyLeaf.entry)))
        }
    assert {("ingest", 1), ("sighting", 1), ("extract", 1), ("ingest", 2)} <= layouts
    assert [str(p) for p in verify_workspace(ws)] == []
    attack(
        ws,
        update(Sighting).where(Sighting.collected_by == "taras").values(collected_by="mallory"),
        update(EvidenceItem).where(EvidenceItem.sha256 == old).values(collected_by="mallory"),
        update(EvidenceItem).where(EvidenceItem.sha256 == new).values(collected_by="mallory"),
    )
    messages = [p.message for p in problems_of(ws)]
    assert sum("collected_by in the database ('mallory')" in m for m in messages) == 3, messages
