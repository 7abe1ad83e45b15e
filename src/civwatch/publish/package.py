"""Court-ready evidence packages: a BagIt bag a court can check without civwatch.

One package holds one incident: its record and history, each linked evidence item's
metadata and verification, the custody log entries that recorded all of it (the exact
bytes, so leaf hashes recompute), an inclusion proof for each against one signed tree
head, the public key, ``verify.py`` (standard library only) and a README for the clerk.

The chain of trust a verifier follows::

    signed tree head --(inclusion proof)--> export entry --(hash)--> manifest-sha256.txt
        --(hash)--> every file under data/
    signed tree head --(inclusion proof)--> ingest entry --(names)--> the original's SHA-256
    signed tree head --(inclusion proof)--> extract / verification / revision entry
        --(hash)--> the metadata file it recorded

The export itself is a custody entry (act ``export``) naming who, when, which incident,
which items and entries, to whom, and the payload's manifest hash and Payload-Oxum.

**What a package leaves out** (see :data:`EXCLUDED`): anything about witnesses or people
at risk (the protection registry, contacts), the audit log, user account details beyond
the usernames that signed acts, other incidents' records, and custody entries of a kind
not known to be about evidence (only their hash and proof are included, "withheld").
Media are included only when asked (originals) or once redacted copies exist; see
:func:`redacted_media`, the single place where they plug in.

The package is built in a hidden folder next to the target and renamed into place at the
end, so a failure leaves nothing behind.
"""

from __future__ import annotations

import functools
import hashlib
import json
import mimetypes
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import bagit
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch import __version__
from civwatch.accounts.service import require_role
from civwatch.custody.signing import TreeHead, key_fingerprint
from civwatch.db import utcnow
from civwatch.errors import IntegrityError, RejectedInputError
from civwatch.evidence.ingest import metadata_digest
from civwatch.evidence.models import EvidenceItem, MediaHash
from civwatch.evidence.service import find_item, item_json
from civwatch.incidents import entries
from civwatch.incidents.models import EvidenceLink, IncidentRevision, SuggestionDecision
from civwatch.incidents.service import get_incident
from civwatch.incidents.verification import item_verification
from civwatch.publish import redaction
from civwatch.workspace import Workspace

#: Roles that may export (the same as ``Permission.EXPORT`` on the web).
EXPORTERS = ("investigator", "verifier", "publisher")
FORMAT = "civwatch-evidence-package-v1"
PACKAGE_FILE = "civwatch-package.json"
MAX_RECIPIENT = 500
CHUNK = 1 << 20
#: Kinds of custody entry whose content goes into a package; any other entry about the
#: incident or its items is "withheld": its leaf hash and proof only.
INCLUDED_ACT_PREFIXES = (
    "item-",
    "incident-",
    "evidence-",
    "verification-",
    "suggestion-",
    "redaction-",
)
INCLUDED_ACTS = frozenset({"ingest", "extract", "sighting", "hash", "match", "unpack", "export"})
#: What a package never contains, as the summary and README say.
EXCLUDED = (
    "Anything about witnesses or people at risk: the protection registry, their cases, "
    "names and contacts are never exported.",
    "The audit log (sign-ins, addresses of computers) and user accounts beyond the "
    "usernames that signed each act.",
    "Records of other incidents and other evidence.",
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class MediaFile:
    """A media file to put in the package and the custody entry that vouches for it."""

    #: "original" or "redacted".
    kind: str
    sha256: str
    media_type: str
    #: The custody entry whose ``field`` holds this file's SHA-256.
    leaf: int
    field: str
    open: Callable[[], BinaryIO]
    #: Other custody entries about this file (a redaction's creation), proved alongside.
    also: tuple[int, ...] = ()


@dataclass
class PackageResult:
    """What was built, for the command line and the API."""

    path: Path
    incident_id: int
    items: list[str]
    media: str
    recipient: str | None
    export_leaf: int
    tree_size: int
    key_fingerprint: str
    payload_oxum: str
    payload_manifest_sha256: str
    entries: int
    withheld: int

    def as_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "incident": self.incident_id,
            "items": self.items,
            "media": self.media,
            "recipient": self.recipient,
            "export_leaf": self.export_leaf,
            "tree_size": self.tree_size,
            "key_fingerprint": self.key_fingerprint,
            "payload_oxum": self.payload_oxum,
            "payload_manifest_sha256": self.payload_manifest_sha256,
            "entries": self.entries,
            "withheld": self.withheld,
        }


@dataclass
class _Item:
    sha256: str
    record: EvidenceItem
    link: dict[str, Any]
    verification: dict[str, Any]
    hashes: list[dict[str, Any]]
    leaves: set[int]
    media: MediaFile | None = None


@dataclass
class _Contents:
    incident: dict[str, Any]
    link_rows: list[dict[str, Any]]
    revisions: list[tuple[int, dict[str, Any], str, int]]
    incident_leaves: set[int]
    items: list[_Item] = field(default_factory=list)


# --------------------------------------------------------------------------- media


def redacted_media(ws: Workspace, incident_id: int, items: Iterable[str]) -> dict[str, MediaFile]:
    """The approved redacted copies of the items' media, by original SHA-256, each bound to
    the custody entry that approved it (the one that made it is proved alongside).
    Items without an approved redaction are listed without media (the summary says so)."""
    wanted = set(items)
    with ws.sessions() as session:
        published = redaction.published_media(session, incident_id)
    found: dict[str, MediaFile] = {}
    for m in published:
        if m["original_sha256"] not in wanted or m["approval_leaf"] is None:
            continue
        derivative = m["derivative_sha256"]
        found[m["original_sha256"]] = MediaFile(
            kind="redacted",
            sha256=derivative,
            media_type=m["media_type"],
            leaf=m["approval_leaf"],
            field="derivative_sha256",
            open=functools.partial(ws.vault.open, derivative),
            also=(m["custody_leaf"],),
        )
    return found


def _original(ws: Workspace, item: EvidenceItem) -> MediaFile:
    sha = item.sha256
    return MediaFile(
        kind="original",
        sha256=sha,
        media_type=item.media_type,
        leaf=item.ingest_leaf,
        field="sha256",
        open=lambda: ws.vault.open(sha),
    )


def _extension(media_type: str) -> str:
    ext = mimetypes.guess_extension(media_type.split(";")[0].strip(), strict=False)
    return ext if ext and ext[1:].isalnum() else ".bin"


# --------------------------------------------------------------------------- gathering


def _disclosable(entry: bytes) -> str | None:
    """None when the entry may go into a package, else why it is withheld."""
    try:
        doc = json.loads(entry)
    except ValueError:
        return "not a JSON entry"
    act = doc.get("act") if isinstance(doc, dict) else None
    if isinstance(act, str) and (act in INCLUDED_ACTS or act.startswith(INCLUDED_ACT_PREFIXES)):
        return None
    return "an entry of a kind that is not known to be about evidence (content withheld)"


def _hashes(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(MediaHash).where(MediaHash.item_id == item_id).order_by(MediaHash.id)
    )
    return [
        {
            "algorithm": h.algorithm,
            "version": h.version,
            "view": h.view,
            "frame_t": h.frame_t,
            "hash": bytes(h.bits).hex(),
            "quality": h.quality,
        }
        for h in rows
    ]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _readable_time(value: datetime | str | None) -> str:
    """``2022-03-09 11:05:00 UTC`` for the summary (the JSON files keep full ISO 8601)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _gather(ws: Workspace, incident_id: int, include_originals: bool) -> _Contents:
    incident = get_incident(ws, incident_id)
    if not incident["evidence"]:
        raise RejectedInputError(
            f"Incident {incident_id} has no evidence linked to it: there is nothing to package."
        )
    leaves = {h["custody_leaf"] for h in incident["history"]}
    leaves |= {r["custody_leaf"] for r in incident["revisions"]}
    with ws.sessions() as session:
        links = session.scalars(
            select(EvidenceLink)
            .where(EvidenceLink.incident_id == incident_id)
            .order_by(EvidenceLink.id)
        ).all()
        item_shas = dict(
            session.execute(
                select(EvidenceItem.id, EvidenceItem.sha256).where(
                    EvidenceItem.id.in_({lk.item_id for lk in links})
                )
            ).all()
        )
        link_rows = [
            {
                "sha256": item_shas[lk.item_id],
                "role": lk.role,
                "note": lk.note,
                "linked": lk.linked,
                "actor": lk.actor,
                "at": _iso(lk.at),
                "custody_leaf": lk.custody_leaf,
            }
            for lk in links
        ]
        leaves |= {lk.custody_leaf for lk in links}
        leaves |= set(
            session.scalars(
                select(SuggestionDecision.custody_leaf).where(
                    SuggestionDecision.incident_id == incident_id
                )
            )
        )
        revisions = [
            (r.revision, r.doc, r.doc_sha256, r.custody_leaf)
            for r in session.scalars(
                select(IncidentRevision)
                .where(IncidentRevision.incident_id == incident_id)
                .order_by(IncidentRevision.revision)
            )
        ]
        contents = _Contents(incident, link_rows, revisions, leaves)
        for link in incident["evidence"]:
            record = find_item(ws, link["sha256"])
            verification = item_verification(ws, record.sha256)
            item_leaves = {record.ingest_leaf, *(s.custody_leaf for s in record.sightings)}
            if record.extraction_leaf is not None:
                item_leaves.add(record.extraction_leaf)
            item_leaves |= {r["custody_leaf"] for r in verification["records"]}
            item_leaves |= {h["custody_leaf"] for h in verification["history"]}
            contents.items.append(
                _Item(
                    sha256=record.sha256,
                    record=record,
                    link=link,
                    verification=verification,
                    hashes=_hashes(session, record.id),
                    leaves=item_leaves,
                )
            )
    redacted = redacted_media(ws, incident_id, [i.sha256 for i in contents.items])
    for item in contents.items:
        if include_originals:
            item.media = _original(ws, item.record)
        else:
            item.media = redacted.get(item.sha256)
        if item.media is not None:
            item.leaves |= {item.media.leaf, *item.media.also}
    return contents


def package_plan(ws: Workspace, incident_id: int) -> dict[str, Any]:
    """What a package of the incident would hold, without building it."""
    contents = _gather(ws, incident_id, include_originals=False)
    leaves = set(contents.incident_leaves)
    for item in contents.items:
        leaves |= item.leaves
    return {
        "incident": incident_id,
        "title": contents.incident["title"],
        "status": contents.incident["status"],
        "items": [
            {
                "sha256": i.sha256,
                "media_type": i.record.media_type,
                "role": i.link["role"],
                "verification_status": i.verification["status"],
                "redacted_copy": i.media is not None,
            }
            for i in contents.items
        ],
        "custody_entries": len(leaves),
        "excluded": list(EXCLUDED),
    }


# --------------------------------------------------------------------------- writing


def _canonical(doc: Any) -> bytes:
    return bytes(rfc8785.dumps(doc))


def _pretty(doc: Any) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _copy_media(media: MediaFile, path: Path) -> None:
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    with media.open() as source, path.open("wb") as out:
        for block in iter(lambda: source.read(CHUNK), b""):
            digest.update(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != media.sha256:
        raise IntegrityError(
            f"The stored copy of item {media.sha256[:16]} no longer has its SHA-256 "
            "(damaged vault): run `civwatch verify`; no package was made."
        )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest(root: Path, files: Iterable[Path]) -> tuple[bytes, int, int]:
    """BagIt manifest lines for ``files`` (relative to ``root``), total bytes and count."""
    lines, total, count = [], 0, 0
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        rel = rel.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        lines.append(f"{_sha256_file(path)}  {rel}\n")
        total += path.stat().st_size
        count += 1
    return "".join(lines).encode(), total, count


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Writer:
    """Writes one package into a temporary folder."""

    def __init__(
        self, ws: Workspace, root: Path, contents: _Contents, exporter: str, recipient: str | None
    ) -> None:
        self.ws = ws
        self.root = root
        self.data = root / "data"
        self.contents = contents
        self.exporter = exporter
        self.recipient = recipient
        #: (file relative to the bag, custody leaf, field holding its SHA-256)
        self.bindings: list[dict[str, Any]] = []
        self.item_specs: list[dict[str, Any]] = []

    def _bind(self, path: Path, data_sha: str, leaf: int, field_name: str, expected: str) -> None:
        """Tie ``path`` to the custody entry that recorded its hash, when it matches."""
        if data_sha == expected:
            rel = path.relative_to(self.root).as_posix()
            self.bindings.append({"file": rel, "leaf": leaf, "field": field_name})

    def payload(self, now: datetime, media: str, progress: Progress | None) -> None:
        c = self.contents
        inc_dir = self.data / "incident"
        _write(
            inc_dir / "incident.json",
            _pretty({**c.incident, "evidence_links_history": c.link_rows}),
        )
        for number, doc, doc_sha, leaf in c.revisions:
            raw = _canonical(doc)
            path = inc_dir / "revisions" / f"revision-{number}.json"
            _write(path, raw)
            self._bind(path, hashlib.sha256(raw).hexdigest(), leaf, "doc_sha256", doc_sha)
        for item in c.items:
            if progress is not None:
                progress(f"item {item.sha256[:16]}")
            self._item(item)
        _write(self.data / "summary.html", self._summary(now, media).encode())

    def _item(self, item: _Item) -> None:
        rec = item.record
        folder = self.data / "items" / item.sha256
        media_spec: dict[str, Any] | None = None
        if item.media is not None:
            m = item.media
            name = ("original" if m.kind == "original" else "redacted") + _extension(m.media_type)
            path = folder / name
            _copy_media(m, path)
            rel = path.relative_to(self.root).as_posix()
            self.bindings.append({"file": rel, "leaf": m.leaf, "field": m.field})
            media_spec = {"file": rel, "kind": m.kind, "sha256": m.sha256, "leaf": m.leaf}
        if rec.extraction_leaf is not None:
            extraction = {
                "metadata": rec.metadata_,
                "exiftool": rec.exiftool,
                "c2pa": rec.c2pa,
                "warnings": list(rec.warnings),
            }
            raw = _canonical(extraction)
            path = folder / "extraction.json"
            _write(path, raw)
            expected = metadata_digest(rec.metadata_, rec.exiftool, rec.c2pa, rec.warnings)
            self._bind(
                path,
                hashlib.sha256(raw).hexdigest(),
                rec.extraction_leaf,
                "metadata_sha256",
                expected,
            )
        for r in item.verification["records"]:
            raw = _canonical(r["content"])
            path = folder / "verification-records" / f"record-{r['id']}.json"
            _write(path, raw)
            self._bind(
                path,
                hashlib.sha256(raw).hexdigest(),
                r["custody_leaf"],
                "content_sha256",
                r["content_sha256"],
            )
        doc = item_json(rec)
        doc["hashes"] = {"sha256": rec.sha256, "perceptual": item.hashes}
        doc["verification"] = item.verification
        doc["link"] = item.link
        doc["media"] = media_spec or {
            "included": False,
            "why": "Originals were not asked for and no redacted copy exists yet.",
        }
        _write(folder / "item.json", _pretty(doc))
        self.item_specs.append(
            {"sha256": rec.sha256, "ingest_leaf": rec.ingest_leaf, "media": media_spec}
        )

    def _summary(self, now: datetime, media: str) -> str:
        env = Environment(
            loader=FileSystemLoader(str(resources.files("civwatch.publish") / "templates")),
            autoescape=select_autoescape(["html"]),
        )
        env.filters["when"] = _readable_time
        c = self.contents
        return env.get_template("package_summary.html").render(
            incident=c.incident,
            items=c.items,
            link_rows=c.link_rows,
            exporter=self.exporter,
            recipient=self.recipient,
            exported_at=_iso(now),
            media=media,
            excluded=EXCLUDED,
            organisation=self.ws.settings.organisation_name,
            version=__version__,
        )

    def bag_files(self, now: datetime) -> tuple[str, str]:
        """bagit.txt, bag-info.txt and the payload manifest; returns (oxum, manifest hash)."""
        manifest, total, count = _manifest(self.root, _files_under(self.data))
        oxum = f"{total}.{count}"
        _write(
            self.root / "bagit.txt", b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n"
        )
        title = _one_line(self.contents.incident["title"])
        info = {
            "Bag-Software-Agent": f"civwatch {__version__}",
            "Bagging-Date": now.date().isoformat(),
            "Payload-Oxum": oxum,
            "Source-Organization": _one_line(self.ws.settings.organisation_name),
            "External-Identifier": f"civwatch incident {self.contents.incident['id']}",
            "External-Description": f"Evidence package for incident "
            f"{self.contents.incident['id']}: {title}",
        }
        _write(
            self.root / "bag-info.txt",
            "".join(f"{k}: {v}\n" for k, v in info.items()).encode(),
        )
        _write(self.root / "manifest-sha256.txt", manifest)
        return oxum, hashlib.sha256(manifest).hexdigest()

    def custody(
        self,
        head: TreeHead,
        entry_bytes: dict[int, bytes],
        proofs: dict[int, list[bytes]],
        export_leaf: int,
    ) -> tuple[int, int]:
        """Entries, proofs, tree head, keys, the package manifest, verify.py, README, and
        the tag manifest. Returns (entries included, entries withheld)."""
        custody = self.root / "custody"
        listed, withheld = [], []
        for leaf in sorted(entry_bytes):
            raw = entry_bytes[leaf]
            proof_rel = f"custody/proofs/{leaf:010d}.json"
            _write(
                self.root / proof_rel,
                _pretty(
                    {
                        "leaf_index": leaf,
                        "tree_size": head.tree_size,
                        "leaf_hash": hashlib.sha256(b"\x00" + raw).hexdigest(),
                        "audit_path": [h.hex() for h in proofs[leaf]],
                    }
                ),
            )
            why = _disclosable(raw)
            if why is None:
                rel = f"custody/entries/{leaf:010d}.json"
                _write(self.root / rel, raw)
                act = json.loads(raw).get("act")
                listed.append({"leaf": leaf, "act": act, "file": rel, "proof": proof_rel})
            else:
                withheld.append(
                    {
                        "leaf": leaf,
                        "leaf_hash": hashlib.sha256(b"\x00" + raw).hexdigest(),
                        "proof": proof_rel,
                        "reason": why,
                    }
                )
        public = Ed25519PublicKey.from_public_bytes(head.public_key)
        _write(custody / "public-key.ed25519", head.public_key)
        _write(
            custody / "public-key.pem",
            public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )
        _write(
            custody / "tree-head.json",
            _pretty(
                {
                    "tree_size": head.tree_size,
                    "timestamp_ms": head.timestamp_ms,
                    "root_hash": head.root_hash.hex(),
                    "signature": head.signature.hex(),
                    "public_key": head.public_key.hex(),
                    "key_fingerprint": key_fingerprint(head.public_key),
                    "signed_message": "ASCII 'civwatch-custody-tree-head-v1' + LF, tree_size "
                    "and timestamp_ms as unsigned 64-bit big-endian, then the 32-byte root",
                }
            ),
        )
        _write(
            self.root / PACKAGE_FILE,
            _pretty(
                {
                    "format": FORMAT,
                    "incident": self.contents.incident["id"],
                    "export_leaf": export_leaf,
                    "tree_head": "custody/tree-head.json",
                    "entries": listed,
                    "withheld": withheld,
                    "items": self.item_specs,
                    "bindings": self.bindings,
                    "excluded": list(EXCLUDED),
                }
            ),
        )
        verifier = resources.files("civwatch.publish").joinpath("verify_package.py").read_bytes()
        _write(self.root / "verify.py", verifier)
        readme = resources.files("civwatch.publish").joinpath("templates/package_README.txt")
        _write(
            self.root / "README.txt",
            readme.read_text(encoding="utf-8")
            .replace("{incident}", str(self.contents.incident["id"]))
            .replace("{fingerprint}", key_fingerprint(head.public_key))
            .encode(),
        )
        tags = [
            p
            for p in _files_under(self.root)
            if not p.is_relative_to(self.data) and not p.name.startswith("tagmanifest-")
        ]
        manifest, _, _ = _manifest(self.root, tags)
        _write(self.root / "tagmanifest-sha256.txt", manifest)
        return len(listed), len(withheld)


# --------------------------------------------------------------------------- building


def _recipient(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = _one_line(value.replace("\x00", ""))
    if len(cleaned) > MAX_RECIPIENT:
        raise RejectedInputError(f"The recipient is at most {MAX_RECIPIENT} characters.")
    return cleaned or None


def _check_target(out: Path) -> Path:
    target = out.expanduser().absolute()
    if target.exists():
        if not target.is_dir():
            raise RejectedInputError(f"{target} exists and is not a folder.")
        if any(target.iterdir()):
            raise RejectedInputError(
                f"{target} is not empty: give a new or empty folder for the package."
            )
    if not target.parent.is_dir():
        raise RejectedInputError(f"The folder {target.parent} does not exist.")
    return target


def build_package(
    ws: Workspace,
    incident_id: int,
    out: Path,
    *,
    actor: str | None,
    include_originals: bool = False,
    recipient: str | None = None,
    progress: Progress | None = None,
) -> PackageResult:
    """Build the evidence package of an incident in the folder ``out`` (new or empty).

    The export is recorded in the custody log (act ``export``) and a tree head covering it
    is signed. On any failure nothing is left at ``out``.
    """
    recipient = _recipient(recipient)
    target = _check_target(out)
    with ws.sessions() as session:
        exporter = require_role(session, actor, *EXPORTERS).username
    contents = _gather(ws, incident_id, include_originals)
    media = "originals" if include_originals else "none"
    if not include_originals and any(i.media is not None for i in contents.items):
        media = "redacted"
    leaves = set(contents.incident_leaves)
    for item in contents.items:
        leaves |= item.leaves
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        now = utcnow()
        writer = _Writer(ws, tmp, contents, exporter, recipient)
        writer.payload(now, media, progress)
        oxum, manifest_sha = writer.bag_files(now)
        items = sorted(i.sha256 for i in contents.items)
        with ws.sessions() as session, session.begin():
            ws.custody.lock(session)
            user = require_role(session, actor, *EXPORTERS)
            export_leaf = entries.append(
                ws,
                session,
                "export",
                user.username,
                now,
                incident=incident_id,
                items=items,
                entries=sorted(leaves),
                recipient=recipient,
                media=media,
                payload_oxum=oxum,
                payload_manifest_sha256=manifest_sha,
            )
            head = ws.custody.sign_head(session, ws.signing_key)
            wanted = sorted(leaves | {export_leaf})
            entry_bytes: dict[int, bytes] = {}
            for leaf in wanted:
                for index, raw in ws.custody.entries(session, leaf, leaf + 1):
                    entry_bytes[index] = raw
            proofs = {
                leaf: ws.custody.inclusion_proof(session, leaf, head.tree_size).audit_path
                for leaf in wanted
            }
        included, withheld = writer.custody(head, entry_bytes, proofs, export_leaf)
        bag = bagit.Bag(str(tmp))
        try:
            bag.validate(processes=1)
        except bagit.BagValidationError as err:
            raise IntegrityError(f"The package failed its own BagIt check: {err}") from err
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PackageResult(
        path=target,
        incident_id=incident_id,
        items=items,
        media=media,
        recipient=recipient,
        export_leaf=export_leaf,
        tree_size=head.tree_size,
        key_fingerprint=key_fingerprint(head.public_key),
        payload_oxum=oxum,
        payload_manifest_sha256=manifest_sha,
        entries=included,
        withheld=withheld,
    )


def write_zip(folder: Path, target: BinaryIO, top: str) -> None:
    """The package folder as a ZIP whose entries sit under ``top/``.

    Media (already compressed) are stored; JSON and text are deflated.
    """
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for path in sorted(_files_under(folder)):
            rel = path.relative_to(folder).as_posix()
            compress = (
                zipfile.ZIP_DEFLATED
                if path.suffix in {".json", ".txt", ".html", ".py", ".pem"}
                else zipfile.ZIP_STORED
            )
            archive.write(path, f"{top}/{rel}", compress_type=compress)


def package_name(incident_id: int, when: datetime | None = None) -> str:
    moment = (when or utcnow()).astimezone(UTC)
    return f"civwatch-incident-{incident_id}-{moment.strftime('%Y%m%dT%H%M%SZ')}"
