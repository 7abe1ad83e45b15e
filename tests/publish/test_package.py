"""Evidence packages: built from a real workspace, validated with bagit, checked by their own
verify.py in an isolated interpreter (no site-packages, so no `cryptography`) and with the
venv's Python, and tampered with in the ways someone might try."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import event

from civwatch.errors import (
    IntegrityError,
    NotFoundError,
    PermissionDeniedError,
    RejectedInputError,
)
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident
from civwatch.publish import verify_package
from civwatch.publish.models import Redaction
from civwatch.publish.package import build_package, write_zip
from civwatch.publish.package_contents import disclosable
from civwatch.publish.redaction import approve_redaction, create_redaction
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.incidents import helpers
from tests.incidents.helpers import incident_doc
from tests.publish.packaging import (
    UNVERIFIED_KEY,
    Case,
    last_line,
    make_case,
    public_key,
    rewrite_manifests,
    run_verify,
)
from tests.support.tokens import as_user

# The shared fixtures: a team of users and the gazetteer built once per run.
gazetteer_cache = helpers.gazetteer_cache
places = helpers.places
team = helpers.team


@pytest.fixture
def case(team: Workspace, tmp_path: Path, places: Gazetteer) -> Case:
    """An incident with two photos: one verified by ivan and approved by vera, one not."""
    return make_case(team, tmp_path / "in", places)


def key_of(ws: Workspace) -> list[str]:
    """verify.py's arguments naming the organisation's key, as it would publish it."""
    return ["--key", hashlib.sha256(public_key(ws)).hexdigest()]


def test_package_without_originals_verifies_with_only_the_standard_library(
    case: Case, tmp_path: Path
) -> None:
    bag = tmp_path / "pkg"
    result = build_package(case.ws, case.incident_id, bag, actor="ivan", recipient="ICC OTP")
    assert result.media == "none" and sorted(case.shas) == result.items
    bagit.Bag(str(bag)).validate()
    assert not list((bag / "data" / "items").rglob("original*"))

    assert result.key_fingerprint == hashlib.sha256(public_key(case.ws)).hexdigest()
    proc = run_verify(bag, "--key", result.key_fingerprint, isolated=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "'cryptography' is not installed" in proc.stdout
    assert last_line(proc).startswith("VERIFIED:")
    assert proc.stdout.count("\nOK    ") == 6

    # Run as the README says: in the package folder, first with no arguments.
    in_place = subprocess.run(
        [sys.executable, "-I", "-S", "verify.py"], capture_output=True, text=True, cwd=bag
    )
    assert in_place.returncode == UNVERIFIED_KEY, in_place.stdout
    assert last_line(in_place).startswith("UNVERIFIED KEY"), in_place.stdout

    with_lib = run_verify(bag, "--key", result.key_fingerprint, isolated=False)
    assert with_lib.returncode == 0, with_lib.stdout
    assert "checked with the 'cryptography' package" in with_lib.stdout

    wrong_key = run_verify(bag, "--key", "0" * 64, isolated=False)
    assert wrong_key.returncode == 1 and "not the key" in wrong_key.stdout

    # The export is in the log, names who, what and to whom, and ties the payload manifest.
    info = json.loads((bag / "civwatch-package.json").read_text())
    export = json.loads(
        (bag / "custody" / "entries" / f"{result.export_leaf:010d}.json").read_bytes()
    )
    assert export["act"] == "export" and export["actor"] == "ivan"
    assert export["recipient"] == "ICC OTP" and export["items"] == sorted(case.shas)
    manifest = (bag / "manifest-sha256.txt").read_bytes()
    assert export["payload_manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    assert info["export_leaf"] == result.export_leaf
    with case.ws.sessions() as session:
        assert case.ws.custody.latest_head(session).tree_size == result.tree_size  # type: ignore[union-attr]
        pub = case.ws.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert case.ws.custody.verify(session, pub) == []

    # Metadata files are tied to the entries that recorded their hashes, and the composed
    # documents to the export entry.
    fields = {b["field"] for b in info["bindings"]}
    assert fields == {"metadata_sha256", "content_sha256", "doc_sha256"}
    assert set(export["documents"]) == {
        "data/incident/incident.json",
        "data/summary.html",
        *(f"data/items/{sha}/item.json" for sha in case.shas),
    }
    item = json.loads((bag / "data" / "items" / case.shas[0] / "item.json").read_text())
    assert item["verification"]["status"] == "verified"
    assert {h["actor"] for h in item["verification"]["history"]} == {"ivan", "vera"}
    assert item["hashes"]["sha256"] == case.shas[0]
    assert item["hashes"]["perceptual"], "the photo's PDQ hashes are in its metadata"
    hash_entry = bag / "custody" / "entries" / f"{item['hashes']['custody_leaf']:010d}.json"
    assert json.loads(hash_entry.read_bytes())["act"] == "hash"
    assert item["media"]["included"] is False


@pytest.mark.db
def test_a_package_is_one_state_even_when_evidence_is_verified_while_it_is_read(
    case: Case, tmp_path: Path
) -> None:
    """The second photo is verified (records, proposal, approval: all committed) while the
    package is being read, just after the incident's own evidence list was read. The package
    shows one state of the incident: the incident and each item agree on its verification,
    and the package still verifies."""
    second = case.shas[1]
    changed: list[str] = []

    def verify_meanwhile(conn: object, cursor: object, statement: str, *_: object) -> None:
        if not changed and "item_verification" in statement:
            changed.append(second)  # first: verifying runs statements that come back here
            helpers.verify_item(case.ws, second, author="ivan", reviewer="vera")

    event.listen(case.ws.engine, "after_cursor_execute", verify_meanwhile)
    try:
        bag = tmp_path / "pkg"
        build_package(case.ws, case.incident_id, bag, actor="ivan", recipient=None)
    finally:
        event.remove(case.ws.engine, "after_cursor_execute", verify_meanwhile)
    assert changed == [second]
    incident = json.loads((bag / "data" / "incident" / "incident.json").read_text())
    listed = {e["sha256"]: e["verification_status"] for e in incident["evidence"]}
    shown = {
        sha: json.loads((bag / "data" / "items" / sha / "item.json").read_text())[
            "verification"
        ]["status"]
        for sha in case.shas
    }
    assert listed == shown == {case.shas[0]: "verified", second: "unverified"}
    proc = run_verify(bag, *key_of(case.ws), isolated=True)
    assert proc.returncode == 0, proc.stdout


def test_summary_is_self_contained_and_escapes_what_users_typed(case: Case, tmp_path: Path) -> None:
    bag = tmp_path / "pkg"
    build_package(case.ws, case.incident_id, bag, actor="vera", recipient="Tribunal <registry>")
    html = (bag / "data" / "summary.html").read_text()
    assert "Strike &lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "Tribunal &lt;registry&gt;" in html
    assert "<link" not in html and " src=" not in html and "url(" not in html
    assert "vera" in html and "approve" in html
    assert "No media files are included" in html
    assert "witnesses or people at risk" in html


def test_package_with_originals_holds_the_exact_files(case: Case, tmp_path: Path) -> None:
    bag = tmp_path / "pkg"
    result = build_package(
        case.ws, case.incident_id, bag, actor="pat", include_originals=True, recipient=None
    )
    assert result.media == "originals"
    for sha in case.shas:
        (original,) = (bag / "data" / "items" / sha).glob("original.*")
        assert hashlib.sha256(original.read_bytes()).hexdigest() == sha
    bagit.Bag(str(bag)).validate()
    proc = run_verify(bag, *key_of(case.ws), isolated=True)
    assert proc.returncode == 0, proc.stdout
    assert "2 media files" in proc.stdout

    # A ZIP of it unpacks to a package that verifies just the same.
    archive = tmp_path / "pkg.zip"
    with archive.open("wb") as f:
        write_zip(bag, f, "incident")
    unpacked = tmp_path / "unzipped"
    shutil.unpack_archive(archive, unpacked)
    proc = run_verify(unpacked / "incident", *key_of(case.ws), isolated=True)
    assert proc.returncode == 0, proc.stdout


def test_package_holds_the_approved_redacted_copy_never_the_original(
    case: Case, tmp_path: Path
) -> None:
    first, second = case.shas
    draft = create_redaction(case.ws, first, actor="ivan")
    bag = tmp_path / "draft-only"
    build_package(case.ws, case.incident_id, bag, actor="ivan", recipient=None)
    assert not list((bag / "data" / "items").rglob("redacted*")), "a draft is never exported"

    approve_redaction(case.ws, draft["id"], actor="pat")
    bag = tmp_path / "pkg"
    result = build_package(case.ws, case.incident_id, bag, actor="ivan", recipient=None)
    assert result.media == "redacted"
    (copy,) = (bag / "data" / "items" / first).glob("redacted.*")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == draft["derivative_sha256"]
    assert not list((bag / "data" / "items").rglob("original*"))
    assert not list((bag / "data" / "items" / second).glob("redacted.*"))
    info = json.loads((bag / "civwatch-package.json").read_text())
    assert {
        "file": f"data/items/{first}/{copy.name}",
        "leaf": draft_leaf(bag, draft["id"]),
        "field": "derivative_sha256",
    } in info["bindings"]
    bagit.Bag(str(bag)).validate()
    proc = run_verify(bag, *key_of(case.ws), isolated=True)
    assert proc.returncode == 0, proc.stdout
    assert "1 media file" in proc.stdout

    # A forged copy is caught even when the bag's own manifest is rebuilt to match.
    copy.write_bytes(copy.read_bytes()[:-1] + b"\x00")
    rewrite_manifests(bag)
    proc = run_verify(bag, isolated=True)
    assert proc.returncode == 1 and copy.name in proc.stdout, proc.stdout

    # A redaction whose approver was changed in the database is never exported.
    with case.ws.sessions() as session, session.begin():
        session.get_one(Redaction, draft["id"]).decided_by = "ivan"
    with pytest.raises(IntegrityError, match="media_redaction") as caught:
        build_package(case.ws, case.incident_id, tmp_path / "after", actor="ivan")
    assert f"custody entry {draft_leaf(bag, draft['id'])}" in caught.value.message
    assert not (tmp_path / "after").exists()


def draft_leaf(bag: Path, redaction_id: int) -> int:
    """The custody leaf of the entry that approved a redaction, found in the package."""
    for path in (bag / "custody" / "entries").glob("*.json"):
        doc = json.loads(path.read_bytes())
        if doc["act"] == "redaction-approve" and doc["redaction"] == redaction_id:
            return int(path.stem)
    raise AssertionError("the approval entry is not in the package")


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _entry_file(bag: Path, act: str) -> Path:
    info = json.loads((bag / "civwatch-package.json").read_text())
    spec = next(e for e in info["entries"] if e["act"] == act)
    return bag / spec["file"]


def _edit_entry(bag: Path) -> str:
    path = _entry_file(bag, "ingest")
    path.write_bytes(path.read_bytes().replace(b'"actor":"test"', b'"actor":"tess"'))
    return f"entry {int(path.stem)}"


def _swap_key(bag: Path) -> str:
    other = Ed25519PrivateKey.generate().public_key()
    raw = other.public_bytes(Encoding.Raw, PublicFormat.Raw)
    (bag / "custody" / "public-key.ed25519").write_bytes(raw)
    (bag / "custody" / "public-key.pem").write_bytes(
        other.public_bytes(Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    head_path = bag / "custody" / "tree-head.json"
    head = json.loads(head_path.read_text())
    head["public_key"] = raw.hex()
    head_path.write_text(json.dumps(head))
    return "does not verify with the key"


def _truncate_proof(bag: Path) -> str:
    proofs = sorted((bag / "custody" / "proofs").iterdir())
    target = next(p for p in proofs if len(json.loads(p.read_text())["audit_path"]) > 1)
    proof = json.loads(target.read_text())
    proof["audit_path"] = proof["audit_path"][:-1]
    target.write_text(json.dumps(proof))
    return f"entry {proof['leaf_index']}: its inclusion proof is malformed"


def _flip_payload(bag: Path, sha: str) -> str:
    (original,) = (bag / "data" / "items" / sha).glob("original.*")
    _flip_byte(original)
    return f"data/items/{sha}/{original.name} has changed"


def _flip_metadata(bag: Path, sha: str) -> str:
    path = bag / "data" / "items" / sha / "extraction.json"
    path.write_bytes(path.read_bytes().replace(b'"metadata":{', b'"metadata":{"x":1,'))
    return "extraction.json has changed"


def _add_file(bag: Path, sha: str) -> str:
    (bag / "data" / "items" / sha / "extra.jpg").write_bytes(b"planted")
    return f"data/items/{sha}/extra.jpg was added"


@pytest.mark.parametrize(
    "tamper",
    ["flip_payload", "flip_metadata", "add_file", "edit_entry", "swap_key", "truncate_proof"],
)
@pytest.mark.parametrize("isolated", [True, False], ids=["stdlib", "cryptography"])
def test_tampering_is_caught_and_named(
    case: Case, tmp_path: Path, tamper: str, isolated: bool
) -> None:
    bag = tmp_path / "pkg"
    build_package(case.ws, case.incident_id, bag, actor="ivan", include_originals=True)
    sha = case.shas[0]
    expected = {
        "flip_payload": lambda: _flip_payload(bag, sha),
        "flip_metadata": lambda: _flip_metadata(bag, sha),
        "add_file": lambda: _add_file(bag, sha),
        "edit_entry": lambda: _edit_entry(bag),
        "swap_key": lambda: _swap_key(bag),
        "truncate_proof": lambda: _truncate_proof(bag),
    }[tamper]()
    proc = run_verify(bag, isolated=isolated)
    assert proc.returncode == 1, proc.stdout
    assert expected in proc.stdout, proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith("NOT VERIFIED:")


def test_a_forged_payload_with_a_rebuilt_manifest_is_still_caught(
    case: Case, tmp_path: Path
) -> None:
    """Re-hashing the manifests after a change does not help: the signed export entry
    recorded the manifest's hash, and the ingest entry the original's."""
    bag = tmp_path / "pkg"
    build_package(case.ws, case.incident_id, bag, actor="ivan", include_originals=True)
    _flip_payload(bag, case.shas[0])
    rewrite_manifests(bag)  # bagit rewrites manifest, oxum and tag manifest
    bagit.Bag(str(bag)).validate()
    proc = run_verify(bag, isolated=True)
    assert proc.returncode == 1
    assert "manifest-sha256.txt is not the list of files this export recorded" in proc.stdout
    assert "is not the sha256 that custody entry" in proc.stdout


def test_builtin_ed25519_agrees_with_cryptography() -> None:
    for n in range(6):
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        message = b"civwatch" * n
        signature = key.sign(message)
        assert verify_package.ed25519_verify_builtin(public, message, signature)
        assert not verify_package.ed25519_verify_builtin(public, message + b"!", signature)
        bad = bytearray(signature)
        bad[n] ^= 0x40
        assert not verify_package.ed25519_verify_builtin(public, message, bytes(bad))
        other = (
            Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        assert not verify_package.ed25519_verify_builtin(other, message, signature)


def test_entries_of_unknown_kinds_are_withheld() -> None:
    assert disclosable(b'{"act":"ingest","sha256":"ab"}') is None
    assert disclosable(b'{"act":"item-approve"}') is None
    assert disclosable(b'{"act":"protection-case-open","person":"x"}') is not None
    assert disclosable(b"not json") is not None


def test_bad_requests_get_clear_errors_and_leave_nothing(
    case: Case, tmp_path: Path, places: Gazetteer
) -> None:
    out = tmp_path / "out"
    with pytest.raises(NotFoundError, match="No incident 9999"):
        build_package(case.ws, 9999, out, actor="ivan")
    empty = create_incident(case.ws, incident_doc(), actor="ivan", places=places)
    with pytest.raises(RejectedInputError, match="no evidence linked"):
        build_package(case.ws, empty["id"], out, actor="ivan")
    with pytest.raises(PermissionDeniedError, match="val"):
        build_package(case.ws, case.incident_id, out, actor="val")
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(RejectedInputError, match="not empty"):
        build_package(case.ws, case.incident_id, full, actor="ivan")
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    with pytest.raises(RejectedInputError, match="at most"):
        build_package(case.ws, case.incident_id, out, actor="ivan", recipient="x" * 501)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    # An empty folder is fine.
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    build_package(case.ws, case.incident_id, empty_dir, actor="ivan")
    assert (empty_dir / "verify.py").is_file()


def test_a_damaged_original_stops_the_export_and_leaves_no_partial_package(
    case: Case, tmp_path: Path
) -> None:
    blob = case.ws.vault.local_path(case.shas[1])
    assert blob is not None
    blob.chmod(0o644)
    _flip_byte(blob)
    with case.ws.sessions() as session:
        size_before = case.ws.custody.size(session)
    out = tmp_path / "pkg"
    with pytest.raises(IntegrityError, match="damaged vault"):
        build_package(case.ws, case.incident_id, out, actor="ivan", include_originals=True)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    with case.ws.sessions() as session:
        assert case.ws.custody.size(session) == size_before, "no export was recorded"


def test_the_command_line_builds_and_refuses(
    case: Case, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    out = tmp_path / "cli-pkg"
    viktor = as_user(cli_env, case.ws, "viktor", "verifier")
    ok = run_cli(
        viktor,
        "package",
        str(case.incident_id),
        "--out",
        str(out),
        "--recipient",
        "UN HRMMU",
        "--json",
        check=True,
    )
    doc = json.loads(ok.stdout)
    assert doc["items"] == sorted(case.shas) and doc["media"] == "none"
    assert run_verify(out, *key_of(case.ws), isolated=True).returncode == 0
    again = run_cli(viktor, "package", str(case.incident_id), "--out", str(out))
    assert again.returncode == 1 and "not empty" in again.stderr
    unknown = run_cli(viktor, "package", "4242", "--out", str(tmp_path / "x"))
    assert unknown.returncode == 1 and "No incident 4242" in unknown.stderr
    nobody = run_cli(cli_env, "package", str(case.incident_id), "--out", str(tmp_path / "y"))
    assert nobody.returncode == 1 and "CIVWATCH_TOKEN" in nobody.stderr
