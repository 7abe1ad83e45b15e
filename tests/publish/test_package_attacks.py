"""Attacks on evidence packages: records edited in the database before an export, files
planted or unbound in a package, a package re-signed by another key, a README that lies
about the key. Each is either refused when the package is built or caught by its verify.py."""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from civwatch.db import Base
from civwatch.errors import IntegrityError
from civwatch.evidence.copies import hash_pending
from civwatch.evidence.models import EvidenceItem, MediaHash, Sighting
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.models import (
    EvidenceLink,
    Incident,
    IncidentRevision,
    IncidentTransition,
    ItemTransition,
    ItemVerification,
    VerificationRecord,
)
from civwatch.incidents.service import link_evidence
from civwatch.incidents.workflow import set_incident_status
from civwatch.publish import verify_package
from civwatch.publish.models import PackageExport
from civwatch.publish.package import build_package
from civwatch.workspace import Workspace
from tests.publish.packaging import (
    UNVERIFIED_KEY,
    Case,
    forge,
    info_of,
    last_line,
    make_case,
    public_key,
    rewrite_manifests,
    rewrite_tag_manifest,
    run_verify,
)
from tests.support.old_entries import ingest_as_layout_1


@pytest.fixture
def case(team: Workspace, tmp_path: Path, places: Gazetteer) -> Case:
    return make_case(team, tmp_path / "in", places)


# --------------------------------------------------------------------------- refused builds


@contextmanager
def changed(ws: Workspace, row: Base, **values: Any) -> Iterator[None]:
    """Change columns of one row behind civwatch's back (as someone holding the database
    could), and put them back afterwards."""
    model = type(row)
    key = tuple(row.__mapper__.primary_key_from_instance(row))  # type: ignore[attr-defined]
    with ws.sessions() as session, session.begin():
        target = session.get_one(model, key)
        before = {name: getattr(target, name) for name in values}
        for name, value in values.items():
            setattr(target, name, value)
    try:
        yield
    finally:
        with ws.sessions() as session, session.begin():
            target = session.get_one(model, key)
            for name, value in before.items():
                setattr(target, name, value)


def _first(ws: Workspace, model: type[Base], *where: Any) -> Any:
    with ws.sessions() as session:
        row = session.scalars(select(model).where(*where).order_by(model.id)).first()  # type: ignore[attr-defined]
        assert row is not None, model
        session.expunge(row)
        return row


def _edits(case: Case) -> list[tuple[str, Base, dict[str, Any], str]]:
    """(what, row, new values, the table the refusal must name)."""
    ws, incident_id = case.ws, case.incident_id
    first, _second = case.shas
    item = _first(ws, EvidenceItem, EvidenceItem.sha256 == first)
    revision = _first(ws, IncidentRevision, IncidentRevision.incident_id == incident_id)
    rewritten = {**revision.doc, "title": "A different strike"}
    with ws.sessions() as session:
        state = session.get_one(ItemVerification, item.id)
        session.expunge(state)
    return [
        ("a revision's document", revision, {"doc": rewritten}, "incident_revision"),
        (
            "a revision's document and its digest",
            revision,
            {
                "doc": rewritten,
                "doc_sha256": hashlib.sha256(rfc8785.dumps(rewritten)).hexdigest(),
            },
            "incident_revision",
        ),
        (
            "the incident's title",
            _first(ws, Incident, Incident.id == incident_id),
            {"title": "Nothing happened"},
            "incident",
        ),
        (
            "the incident's status and visibility",
            _first(ws, Incident, Incident.id == incident_id),
            {"status": "verified", "visibility": "public"},
            "incident",
        ),
        (
            "a transition's actor",
            _first(ws, IncidentTransition, IncidentTransition.incident_id == incident_id),
            {"actor": "vera"},
            "incident_transition",
        ),
        (
            "a verification record's coordinates",
            _first(ws, VerificationRecord, VerificationRecord.item_id == item.id),
            {
                "content": {
                    **_first(ws, VerificationRecord, VerificationRecord.item_id == item.id).content,
                    "lat": 48.5,
                }
            },
            "verification_record",
        ),
        ("an item's verification status", state, {"status": "unverifiable"}, "item_verification"),
        (
            "an item transition's actor",
            _first(ws, ItemTransition, ItemTransition.item_id == item.id),
            {"actor": "mallory"},
            "item_transition",
        ),
        (
            "a link's role",
            _first(ws, EvidenceLink, EvidenceLink.incident_id == incident_id),
            {"role": "context"},
            "incident_evidence",
        ),
        ("an item's original name", item, {"original_name": "renamed.jpg"}, "evidence_item"),
        (
            "an item's extracted metadata",
            item,
            {"metadata_": {**item.metadata_, "gps_lat": 10.0}},
            "evidence_item",
        ),
        (
            "a sighting's caption",
            _first(ws, Sighting, Sighting.item_id == item.id),
            {"caption": "posted by someone else"},
            "evidence_sighting",
        ),
        (
            "a perceptual hash",
            _first(ws, MediaHash, MediaHash.item_id == item.id),
            {"quality": 1},
            "media_hash",
        ),
    ]


def test_a_record_that_differs_from_its_custody_entry_stops_the_export(
    case: Case, tmp_path: Path
) -> None:
    """Each record the package would carry is checked against its entry before anything is
    written: the refusal names the table and the custody entry, and nothing is recorded."""
    ws = case.ws
    set_incident_status(ws, case.incident_id, "under_verification", actor="ivan")
    with ws.sessions() as session:
        size_before = ws.custody.size(session)
    out = tmp_path / "pkg"
    for what, row, values, table in _edits(case):
        with changed(ws, row, **values), pytest.raises(IntegrityError) as caught:
            build_package(ws, case.incident_id, out, actor="ivan")
        message = caught.value.message
        assert table in message and "custody entry" in message, (what, message)
        assert "not built" in message, message
        assert not out.exists(), what
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")], what
    with ws.sessions() as session:
        assert ws.custody.size(session) == size_before, "a refused export is not recorded"
        assert session.scalars(select(PackageExport)).first() is None

    # Put back as it was, the incident packages and verifies.
    build_package(ws, case.incident_id, out, actor="ivan")
    proc = run_verify(out, "--key", hashlib.sha256(public_key(ws)).hexdigest(), isolated=True)
    assert proc.returncode == 0, proc.stdout


# --------------------------------------------------------------------------- verify.py


@pytest.fixture
def bag(case: Case, tmp_path: Path) -> Path:
    out = tmp_path / "pkg"
    build_package(case.ws, case.incident_id, out, actor="ivan", include_originals=True)
    return out


def _unbind(bag: Path) -> str:
    info = info_of(bag)
    bindings = info["bindings"]
    assert isinstance(bindings, list)
    dropped = next(b for b in bindings if b["field"] == "content_sha256")
    bindings.remove(dropped)
    (bag / "civwatch-package.json").write_text(json.dumps(info))
    rewrite_tag_manifest(bag)
    return f"{dropped['file']}: it is not bound to any custody entry"


def _edit_document(bag: Path) -> str:
    item_json = sorted((bag / "data" / "items").glob("*/item.json"))[0]
    doc = json.loads(item_json.read_text())
    doc["original_name"] = "elsewhere.jpg"
    item_json.write_text(json.dumps(doc))
    rewrite_manifests(bag)
    rel = item_json.relative_to(bag).as_posix()
    return f"{rel}: its SHA-256 is not the one the export entry recorded"


def _plant(relative: str) -> Callable[[Path], str]:
    def plant(bag: Path) -> str:
        path = bag / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("planted")
        return f"{relative} was added: it is not in the manifests"

    return plant


def _plant_and_list(bag: Path) -> str:
    (bag / "custody" / "notes.json").write_text("{}")
    rewrite_tag_manifest(bag)
    return "custody/notes.json is not part of a civwatch evidence package"


@pytest.mark.parametrize(
    "tamper",
    [
        _unbind,
        _edit_document,
        _plant("notes.txt"),
        _plant("custody/extra.txt"),
        _plant("custody/entries/0000099999.json"),
        _plant("data/extra.txt"),
        _plant_and_list,
    ],
    ids=[
        "unbound-record",
        "edited-document",
        "top-level-file",
        "custody-file",
        "extra-entry",
        "data-file",
        "file-listed-in-rewritten-tag-manifest",
    ],
)
def test_unbound_and_planted_files_are_named(
    bag: Path, case: Case, tamper: Callable[[Path], str]
) -> None:
    expected = tamper(bag)
    proc = run_verify(bag, "--key", hashlib.sha256(public_key(case.ws)).hexdigest(), isolated=True)
    assert proc.returncode == 1, proc.stdout
    assert expected in proc.stdout, proc.stdout
    assert last_line(proc).startswith("NOT VERIFIED:")


def test_without_a_key_the_package_is_unverified_and_the_key_can_be_given_many_ways(
    bag: Path, case: Case, tmp_path: Path
) -> None:
    raw = public_key(case.ws)
    fingerprint = hashlib.sha256(raw).hexdigest()
    assert fingerprint in (bag / "README.txt").read_text()
    assert json.loads((bag / "custody" / "tree-head.json").read_text())["key_fingerprint"] == (
        fingerprint
    )

    alone = run_verify(bag, isolated=True)
    assert alone.returncode == UNVERIFIED_KEY, alone.stdout
    assert last_line(alone).startswith("UNVERIFIED KEY"), alone.stdout
    assert fingerprint in last_line(alone)
    assert alone.stdout.count("\nOK    ") == 6, alone.stdout  # every other check ran

    published = tmp_path / "published"
    published.mkdir()
    pem = published / "civwatch.pem"
    pem.write_bytes(
        case.ws.signing_key.public_key().public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        )
    )
    raw_file = published / "civwatch.key"
    raw_file.write_bytes(raw)
    spaced = ":".join(fingerprint[i : i + 4] for i in range(0, 64, 4)).upper()
    for given in (
        ["--key", fingerprint],
        ["--key", spaced],
        ["--key-file", str(pem)],
        ["--key-file", str(raw_file)],
    ):
        proc = run_verify(bag, *given, isolated=True)
        assert proc.returncode == 0, (given, proc.stdout)
        assert last_line(proc).startswith("VERIFIED:"), proc.stdout

    short = run_verify(bag, "--key", fingerprint[:16], isolated=True)
    assert short.returncode == 2 and "64 hex digits" in short.stdout, short.stdout
    other = hashlib.sha256(b"another key").hexdigest()
    wrong = run_verify(bag, "--key", other, isolated=False)
    assert wrong.returncode == 1 and "not the key" in wrong.stdout, wrong.stdout
    not_a_key = published / "notes.txt"
    not_a_key.write_text("hello")
    unreadable = run_verify(bag, "--key-file", str(not_a_key), isolated=True)
    assert unreadable.returncode == 2, unreadable.stdout


@pytest.mark.parametrize("readme", ["attacker", "real"])
@pytest.mark.parametrize("isolated", [True, False], ids=["stdlib", "cryptography"])
def test_a_package_re_signed_with_another_key_is_caught_only_with_the_real_key(
    bag: Path, case: Case, tmp_path: Path, readme: str, isolated: bool
) -> None:
    """An attacker changes a geolocation and rewrites everything consistently: entries, a new
    tree, proofs, a head signed with their key, the README and the tag manifest. Only the
    key tells: without one the result is UNVERIFIED KEY (or a README that disagrees with the
    signing key fails), and with the organisation's key it fails."""
    real = hashlib.sha256(public_key(case.ws)).hexdigest()
    attacker = forge(bag, readme_fingerprint=real if readme == "real" else None)

    alone = run_verify(bag, isolated=isolated)
    if readme == "attacker":
        assert alone.returncode == UNVERIFIED_KEY, alone.stdout
        assert last_line(alone).startswith("UNVERIFIED KEY") and attacker in last_line(alone)
    else:
        assert alone.returncode == 1, alone.stdout
        assert "README.txt gives the fingerprint" in alone.stdout, alone.stdout
    assert "VERIFIED:" not in alone.stdout.replace("NOT VERIFIED:", "")

    pem = tmp_path / "published.pem"
    pem.write_bytes(
        case.ws.signing_key.public_key().public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        )
    )
    for given in (["--key", real], ["--key-file", str(pem)]):
        proc = run_verify(bag, *given, isolated=isolated)
        assert proc.returncode == 1, proc.stdout
        assert f"signed with key {attacker}, not the key" in proc.stdout, proc.stdout
        assert last_line(proc).startswith("NOT VERIFIED:")


# --------------------------------------------------------------------------- export rows


def test_each_export_has_its_row_written_with_its_entry(bag: Path, case: Case) -> None:
    info = info_of(bag)
    leaf = info["export_leaf"]
    assert isinstance(leaf, int)
    entry = json.loads((bag / "custody" / "entries" / f"{leaf:010d}.json").read_bytes())
    with case.ws.sessions() as session:
        (row,) = session.scalars(select(PackageExport)).all()
    assert row.custody_leaf == leaf
    assert (row.incident_id, row.actor, row.recipient, row.media) == (
        entry["incident"],
        entry["actor"],
        entry["recipient"],
        entry["media"],
    )
    assert row.at.isoformat() == entry["at"]
    assert row.items == entry["items"] and row.entries == entry["entries"]
    assert row.documents == entry["documents"]
    assert sorted(row.documents) == sorted(
        ["data/incident/incident.json", "data/summary.html"]
        + [f"data/items/{sha}/item.json" for sha in case.shas]
    )
    assert (row.payload_oxum, row.payload_manifest_sha256) == (
        entry["payload_oxum"],
        entry["payload_manifest_sha256"],
    )
    head = json.loads((bag / "custody" / "tree-head.json").read_text())
    assert row.tree_size == head["tree_size"]


# --------------------------------------------------------------------------- the script itself


def test_the_verifier_is_python_3_8_and_standard_library_only() -> None:
    source = Path(verify_package.__file__).read_text()
    tree = ast.parse(source, feature_version=(3, 8))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert imported <= {
        "__future__",
        "base64",
        "binascii",
        "datetime",
        "hashlib",
        "json",
        "os",
        "re",
        "struct",
        "sys",
        "pathlib",
        "typing",
        "collections",
        "cryptography",
    }, imported
    # Python 3.9+ library calls the syntax check cannot see.
    for newer in ("removeprefix", "removesuffix", "is_relative_to", "strict=", "bit_count"):
        assert newer not in source, newer


def test_key_files_and_fingerprints_are_read_as_published() -> None:
    """A PEM or raw key file gives the raw key; a fingerprint is 64 hex digits, written
    with or without separators, in either case."""
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    assert verify_package.key_from_bytes(pem) == raw
    assert verify_package.key_from_bytes(raw) == raw
    assert verify_package.normalise_fingerprint(" AB" * 32) == "ab" * 32
    assert verify_package.normalise_fingerprint("ab" * 8) is None


def test_entries_of_the_older_layout_are_packaged_and_verified(case: Case, tmp_path: Path) -> None:
    """An item recorded before the one entry layout (its ingest and sighting entries name
    ``collected_by``) goes into a package beside today's items: the writer checks it
    against its old entries and refuses a changed collector; the package carries the old
    entries as they are and its own verify.py accepts them, and catches a forged one."""
    ws = case.ws
    old = ingest_as_layout_1(ws, tmp_path / "old")
    hash_pending(ws)
    link_evidence(ws, case.incident_id, old, actor="ivan")

    row = _first(ws, EvidenceItem, EvidenceItem.sha256 == old)
    with changed(ws, row, collected_by="mallory"), pytest.raises(IntegrityError) as caught:
        build_package(ws, case.incident_id, tmp_path / "refused", actor="ivan")
    assert "evidence_item" in caught.value.message and "custody entry" in caught.value.message
    assert not (tmp_path / "refused").exists()

    bag = tmp_path / "pkg"
    result = build_package(ws, case.incident_id, bag, actor="ivan")
    assert old in result.items
    item = json.loads((bag / "data" / "items" / old / "item.json").read_text())
    ingest = json.loads(
        (bag / "custody" / "entries" / f"{item['custody']['ingest_leaf']:010d}.json").read_bytes()
    )
    assert ingest["v"] == 1 and ingest["collected_by"] == "olena" and "actor" not in ingest
    proc = run_verify(bag, "--key", hashlib.sha256(public_key(ws)).hexdigest(), isolated=True)
    assert proc.returncode == 0, proc.stdout

    # A package whose item says another collector than its old-layout entry is caught.
    path = bag / "data" / "items" / old / "item.json"
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "collected_by": "eve"}))
    rewrite_manifests(bag)
    proc = run_verify(bag, "--key", hashlib.sha256(public_key(ws)).hexdigest(), isolated=True)
    assert proc.returncode == 1, proc.stdout
    assert "its collector is 'eve', but its custody entry recorded 'olena'" in proc.stdout
