"""Shared by the evidence package tests: an incident with two photos, running a package's own
verify.py, and an attacker who rewrites a whole package and re-signs it with their own key."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import bagit
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from civwatch.custody.merkle import leaf_hash, root_of
from civwatch.custody.signing import tree_head_message
from civwatch.evidence.copies import hash_pending
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc, ingest_photo, verify_item

#: The exit status verify.py gives when every check passed but no key was given.
UNVERIFIED_KEY = 3


@dataclass
class Case:
    ws: Workspace
    incident_id: int
    shas: list[str]


def make_case(ws: Workspace, folder: Path, places: Gazetteer) -> Case:
    """An incident with two photos: one verified by ivan and approved by vera, one not."""
    first = ingest_photo(ws, folder, seed=1, caption="<b>posted</b> by a channel")
    second = ingest_photo(ws, folder, seed=2)
    hash_pending(ws)
    verify_item(ws, first, author="ivan", reviewer="vera")
    incident = create_incident(
        ws, incident_doc(title="Strike <script>x</script>"), actor="ivan", places=places
    )
    link_evidence(ws, incident["id"], first, role="primary", actor="ivan")
    link_evidence(ws, incident["id"], second, actor="ivan")
    return Case(ws, incident["id"], [first, second])


def public_key(ws: Workspace) -> bytes:
    """The workspace's raw 32-byte public key (what the organisation publishes)."""
    return ws.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def run_verify(bag: Path, *extra: str, isolated: bool) -> subprocess.CompletedProcess[str]:
    """The package's own verify.py: isolated means no site-packages (no `cryptography`)."""
    flags = ["-I", "-S"] if isolated else []
    return subprocess.run(
        [sys.executable, *flags, str(bag / "verify.py"), str(bag), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=bag.parent,
    )


def last_line(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout.strip().splitlines()[-1]


def info_of(bag: Path) -> dict[str, object]:
    return dict(json.loads((bag / "civwatch-package.json").read_text()))


def rewrite_manifests(bag: Path) -> None:
    """Re-hash the payload and tag files as bagit does (as anyone editing a bag can)."""
    cwd = Path.cwd()
    try:
        bagit.Bag(str(bag)).save(manifests=True)
    finally:
        os.chdir(cwd)


def rewrite_tag_manifest(bag: Path) -> None:
    """Re-hash only the tag files (everything outside data/), leaving the payload manifest
    as civwatch wrote it."""
    lines = []
    for path in sorted(p for p in bag.rglob("*") if p.is_file()):
        rel = path.relative_to(bag).as_posix()
        if rel.startswith("data/") or rel.startswith("tagmanifest-"):
            continue
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {rel}\n")
    (bag / "tagmanifest-sha256.txt").write_text("".join(lines))


def _audit_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 PATH(m, D[n]), straight from its definition."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < k:
        return [*_audit_path(index, leaves[:k]), root_of(leaves[k:])]
    return [*_audit_path(index - k, leaves[k:]), root_of(leaves[:k])]


def forge(bag: Path, *, readme_fingerprint: str | None) -> str:
    """Change the geolocation of a verification record and make the whole package agree with
    it, as an attacker holding the package would: the record, its custody entry, item.json,
    the manifests, the export entry, a new Merkle tree with new proofs, a tree head signed
    with the attacker's key, the key files and the tag manifest. The README then names
    ``readme_fingerprint`` (the attacker's when None). Returns the attacker's fingerprint."""
    info = json.loads((bag / "civwatch-package.json").read_text())
    entries_dir = bag / "custody" / "entries"

    def entry_path(leaf: int) -> Path:
        return entries_dir / f"{leaf:010d}.json"

    binding = next(b for b in info["bindings"] if b["field"] == "content_sha256")
    record_file = bag / binding["file"]
    content = json.loads(record_file.read_bytes())
    content["lat"] = round(content["lat"] + 1.5, 4)
    raw = bytes(rfc8785.dumps(content))
    record_file.write_bytes(raw)
    new_sha = hashlib.sha256(raw).hexdigest()
    entry = json.loads(entry_path(binding["leaf"]).read_bytes())
    entry["content_sha256"] = new_sha
    entry_path(binding["leaf"]).write_bytes(bytes(rfc8785.dumps(entry)))
    item_json = record_file.parent.parent / "item.json"
    item = json.loads(item_json.read_text())
    for record in item["verification"]["records"]:
        if record["custody_leaf"] == binding["leaf"]:
            record["content"], record["content_sha256"] = content, new_sha
    item_json.write_text(json.dumps(item, indent=2, sort_keys=True) + "\n")
    rewrite_manifests(bag)

    export_path = entry_path(info["export_leaf"])
    export = json.loads(export_path.read_bytes())
    rel = item_json.relative_to(bag).as_posix()
    export.setdefault("documents", {})[rel] = hashlib.sha256(item_json.read_bytes()).hexdigest()
    manifest = (bag / "manifest-sha256.txt").read_bytes()
    export["payload_manifest_sha256"] = hashlib.sha256(manifest).hexdigest()
    for line in (bag / "bag-info.txt").read_text().splitlines():
        if line.startswith("Payload-Oxum:"):
            export["payload_oxum"] = line.split(":", 1)[1].strip()
    export_path.write_bytes(bytes(rfc8785.dumps(export)))

    head_path = bag / "custody" / "tree-head.json"
    head = json.loads(head_path.read_text())
    size = int(head["tree_size"])
    leaves = [secrets.token_bytes(32) for _ in range(size)]
    for spec in info["entries"]:
        leaves[spec["leaf"]] = leaf_hash((bag / spec["file"]).read_bytes())
    for spec in info["withheld"]:
        leaves[spec["leaf"]] = bytes.fromhex(spec["leaf_hash"])
    root = root_of(leaves)
    for spec in [*info["entries"], *info["withheld"]]:
        proof_path = bag / spec["proof"]
        proof = json.loads(proof_path.read_text())
        proof["leaf_hash"] = leaves[spec["leaf"]].hex()
        proof["audit_path"] = [h.hex() for h in _audit_path(spec["leaf"], leaves)]
        proof_path.write_text(json.dumps(proof))

    attacker = Ed25519PrivateKey.generate()
    raw_key = attacker.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    fingerprint = hashlib.sha256(raw_key).hexdigest()
    real_fingerprint = head["key_fingerprint"]
    head.update(
        root_hash=root.hex(),
        signature=attacker.sign(tree_head_message(size, head["timestamp_ms"], root)).hex(),
        public_key=raw_key.hex(),
        key_fingerprint=fingerprint,
    )
    head_path.write_text(json.dumps(head))
    (bag / "custody" / "public-key.ed25519").write_bytes(raw_key)
    (bag / "custody" / "public-key.pem").write_bytes(
        attacker.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    readme = bag / "README.txt"
    readme.write_text(
        readme.read_text().replace(real_fingerprint, readme_fingerprint or fingerprint)
    )
    rewrite_manifests(bag)
    return fingerprint
