"""What an evidence package carries: gathered from the database, composed into the files
of the package, and checked against the custody entries that recorded each record before
anything is written.

The check is the package's own ``verify.py`` run on the files in memory
(:func:`civwatch.publish.verify_package.binding_findings` and ``record_findings``): a
package is built only when everything it carries is what the custody log recorded, so it
never carries a record it cannot prove.
"""

from __future__ import annotations

import functools
import hashlib
import json
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any, BinaryIO

import rfc8785
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch import __version__
from civwatch.custody.browse import first_index, stored_entries
from civwatch.custody.entries import registered
from civwatch.db import read_snapshot
from civwatch.errors import IntegrityError, RejectedInputError
from civwatch.evidence import acts as evidence_acts
from civwatch.evidence.records import ItemRecord, hashing_recorded, media_hashes, sha256_by_id
from civwatch.evidence.service import item_by_sha256, item_json
from civwatch.i18n import _, ngettext
from civwatch.incidents import acts as incidents_acts
from civwatch.incidents.records import (
    decision_leaves,
    link_history,
    revision_docs,
    row_ids_by_leaf,
)
from civwatch.incidents.verification import verification_json
from civwatch.incidents.view import incident_json, incident_row
from civwatch.publish import acts as publish_acts
from civwatch.publish import redaction
from civwatch.publish.models import Redaction
from civwatch.publish.verify_package import (
    INCIDENT_DOCUMENT,
    Finding,
    binding_findings,
    record_findings,
)
from civwatch.workspace import Workspace

#: The domains whose custody acts a package may carry. Which ones it does is each act's
#: ``packaged`` in the registry of ``custody/entries.py`` (these modules register them);
#: the content of any other entry about the incident or its items is "withheld": its leaf
#: hash and proof only.
PACKAGED_DOMAINS = (evidence_acts.ACTS, incidents_acts.ACTS, publish_acts.ACTS)
#: What a package never contains, as the summary and README say.
EXCLUDED = (
    "Anything about witnesses or people at risk: the protection registry, their cases, "
    "names and contacts are never exported.",
    "The audit log (sign-ins, addresses of computers) and user accounts beyond the "
    "usernames that signed each act.",
    "Records of other incidents and other evidence.",
)
SUMMARY_DOCUMENT = "data/summary.html"
#: How many differences a refusal lists (``civwatch verify`` lists them all).
SHOWN_FINDINGS = 12

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
    #: For a redacted copy: its id, who made and approved it, when, and the entry that
    #: recorded its creation (checked against the entries, shown in item.json).
    redaction: dict[str, Any] | None = None


@dataclass
class PackageItem:
    """One evidence item of the package, as read from the database."""

    sha256: str
    record: ItemRecord
    link: dict[str, Any]
    verification: dict[str, Any]
    hashes: list[dict[str, Any]]
    hash_leaf: int | None
    leaves: set[int]
    media: MediaFile | None = None


@dataclass
class Contents:
    """Everything a package of one incident carries, as read from the database, and the
    custody entries (exact bytes) of every leaf it names."""

    incident: dict[str, Any]
    revisions: list[tuple[int, dict[str, Any], str, int]]
    leaves: set[int]
    items: list[PackageItem] = field(default_factory=list)
    entries: dict[int, bytes] = field(default_factory=dict)
    #: Differences found while reading (checked with the rest before anything is written).
    findings: list[Finding] = field(default_factory=list)

    def all_leaves(self) -> set[int]:
        leaves = set(self.leaves)
        for item in self.items:
            leaves |= item.leaves
        return leaves


@dataclass
class Composed:
    """The package's files under data/ as they will be written, and how each is bound."""

    #: Documents and records: file (relative to the bag) -> bytes.
    files: dict[str, bytes]
    #: Media: file -> what to copy into it.
    media: dict[str, MediaFile]
    #: {"file", "leaf", "field"}: the custody entry whose ``field`` is the file's SHA-256.
    bindings: list[dict[str, Any]]
    #: {"sha256", "ingest_leaf", "media"} for civwatch-package.json.
    items: list[dict[str, Any]]
    #: The composed documents (not records) and their SHA-256, for the export entry.
    documents: dict[str, str]


def canonical(doc: Any) -> bytes:
    """RFC 8785 canonical JSON: the bytes whose SHA-256 custody entries record."""
    return bytes(rfc8785.dumps(doc))


def pretty(doc: Any) -> bytes:
    """JSON for people to read (sorted keys, indented, UTF-8)."""
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def disclosable(entry: bytes) -> str | None:
    """None when the entry may go into a package, else why it is withheld."""
    try:
        doc = json.loads(entry)
    except ValueError:
        return "not a JSON entry"
    act = doc.get("act") if isinstance(doc, dict) else None
    known = registered(act) if isinstance(act, str) else None
    if known is not None and known.packaged:
        return None
    return "an entry of a kind that is not known to be about evidence (content withheld)"


# --------------------------------------------------------------------------- media


def redacted_media(
    ws: Workspace, session: Session, incident_id: int, items: Iterable[str]
) -> dict[str, MediaFile]:
    """The approved redacted copies of the items' media, by original SHA-256, each bound to
    the custody entry that approved it (the one that made it is proved alongside).
    Items without an approved redaction are listed without media (the summary says so)."""
    wanted = set(items)
    published = redaction.published_media(session, incident_id)
    rows = {
        r.id: r
        for r in session.scalars(
            select(Redaction).where(Redaction.id.in_([m["redaction_id"] for m in published]))
        )
    }
    found: dict[str, MediaFile] = {}
    for m in published:
        if m["original_sha256"] not in wanted or m["approval_leaf"] is None:
            continue
        row = rows[m["redaction_id"]]
        derivative = m["derivative_sha256"]
        found[m["original_sha256"]] = MediaFile(
            kind="redacted",
            sha256=derivative,
            media_type=m["media_type"],
            leaf=m["approval_leaf"],
            field="derivative_sha256",
            open=functools.partial(ws.vault.open, derivative),
            also=(m["custody_leaf"],),
            redaction={
                "id": row.id,
                "created_by": row.created_by,
                "created_leaf": row.custody_leaf,
                "approved_by": row.decided_by,
                "approved_at": None if row.decided_at is None else _iso(row.decided_at),
            },
        )
    return found


def _original(ws: Workspace, item: ItemRecord) -> MediaFile:
    return MediaFile(
        kind="original",
        sha256=item.sha256,
        media_type=item.media_type,
        leaf=item.ingest_leaf,
        field="sha256",
        open=functools.partial(ws.vault.open, item.sha256),
    )


def _extension(media_type: str) -> str:
    ext = mimetypes.guess_extension(media_type.split(";")[0].strip(), strict=False)
    return ext if ext and ext[1:].isalnum() else ".bin"


# --------------------------------------------------------------------------- gathering


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _hashes(session: Session, item_id: int) -> list[dict[str, Any]]:
    return [
        {
            "id": h.id,
            "algorithm": h.algorithm,
            "version": h.version,
            "view": h.view,
            "frame_t": h.frame_t,
            "hash": bytes(h.bits).hex(),
            "quality": h.quality,
        }
        for h in media_hashes(session, item_id)
    ]


def _with_ids(records: list[dict[str, Any]], ids: dict[int, int]) -> list[dict[str, Any]]:
    """Each record with the id of its row (found by its custody leaf) first."""
    return [{"id": ids.get(r["custody_leaf"]), **r} for r in records]


def _hash_leaf(session: Session, item: ItemRecord) -> int | None:
    """The ``hash`` entry that recorded the item's perceptual hashes (after its ingest)."""
    if not hashing_recorded(session, item.id):
        return None
    needles = [b'"act":"hash"', f'"sha256":"{item.sha256}"'.encode()]
    return first_index(session, needles, start=item.ingest_leaf + 1)


def gather(ws: Workspace, incident_id: int, include_originals: bool) -> Contents:
    """Read what a package of the incident carries, and the custody entries it names, from
    one snapshot of the database (:func:`civwatch.db.read_snapshot`): a package is one
    state of its incident, whatever changes while it is read."""
    with ws.sessions() as session:
        read_snapshot(session)
        incident = incident_json(session, incident_row(session, incident_id))
        if not incident["evidence"]:
            raise RejectedInputError(
                _((
                    "Incident %(incident_id)s has no evidence linked to it: there is nothing to "
                    "package."
                ), incident_id=incident_id)
            )
        links = link_history(session, incident_id)
        item_shas = sha256_by_id(session, {lk.item_id for lk in links})
        incident["history"] = _with_ids(
            incident["history"], row_ids_by_leaf(session, "transition", incident_id)
        )
        incident["revisions"] = _with_ids(
            incident["revisions"], row_ids_by_leaf(session, "revision", incident_id)
        )
        incident["evidence_links_history"] = [
            {
                "id": lk.id,
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
        leaves = {h["custody_leaf"] for h in incident["history"]}
        leaves |= {r["custody_leaf"] for r in incident["revisions"]}
        leaves |= {lk.custody_leaf for lk in links}
        leaves |= decision_leaves(session, incident_id)
        contents = Contents(incident, revision_docs(session, incident_id), leaves)
        for link in incident["evidence"]:
            contents.items.append(_gather_item(session, link))
        redacted = redacted_media(ws, session, incident_id, [i.sha256 for i in contents.items])
        for item in contents.items:
            item.media = (
                _original(ws, item.record) if include_originals else redacted.get(item.sha256)
            )
            if item.media is not None:
                item.leaves |= {item.media.leaf, *item.media.also}
        stored = stored_entries(session, sorted(contents.all_leaves()))
    contents.entries = {e.index: e.entry for e in stored}
    return contents


def _gather_item(session: Session, link: dict[str, Any]) -> PackageItem:
    record = item_by_sha256(session, link["sha256"])
    verification = verification_json(session, record)
    verification["history"] = _with_ids(
        verification["history"], row_ids_by_leaf(session, "item-transition", record.id)
    )
    leaves = {record.ingest_leaf, *(s.custody_leaf for s in record.sightings)}
    if record.extraction_leaf is not None:
        leaves.add(record.extraction_leaf)
    leaves |= {r["custody_leaf"] for r in verification["records"]}
    leaves |= {h["custody_leaf"] for h in verification["history"]}
    hash_leaf = _hash_leaf(session, record)
    if hash_leaf is not None:
        leaves.add(hash_leaf)
    return PackageItem(
        sha256=record.sha256,
        record=record,
        link=link,
        verification=verification,
        hashes=_hashes(session, record.id),
        hash_leaf=hash_leaf,
        leaves=leaves,
    )


# --------------------------------------------------------------------------- composing


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


def render_summary(
    ws: Workspace,
    contents: Contents,
    *,
    exporter: str,
    recipient: str | None,
    now: datetime,
    media: str,
) -> str:
    """data/summary.html: the package for people, in one self-contained page."""
    env = Environment(
        loader=FileSystemLoader(str(resources.files("civwatch.publish") / "templates")),
        autoescape=select_autoescape(["html"]),
    )
    env.filters["when"] = _readable_time
    return env.get_template("package_summary.html").render(
        incident=contents.incident,
        items=contents.items,
        link_rows=contents.incident["evidence_links_history"],
        exporter=exporter,
        recipient=recipient,
        exported_at=_iso(now),
        media=media,
        excluded=EXCLUDED,
        organisation=ws.settings.organisation_name,
        version=__version__,
    )


def compose(contents: Contents, summary: str) -> Composed:
    """The files under data/, their bindings to custody entries, and the documents."""
    out = Composed(files={}, media={}, bindings=[], items=[], documents={})
    out.files[INCIDENT_DOCUMENT] = pretty(contents.incident)
    for number, doc, _doc_sha, leaf in contents.revisions:
        rel = f"data/incident/revisions/revision-{number}.json"
        out.files[rel] = canonical(doc)
        out.bindings.append({"file": rel, "leaf": leaf, "field": "doc_sha256"})
    documents = [INCIDENT_DOCUMENT]
    for item in contents.items:
        documents.append(_compose_item(out, item))
    out.files[SUMMARY_DOCUMENT] = summary.encode()
    documents.append(SUMMARY_DOCUMENT)
    out.documents = {rel: sha256_hex(out.files[rel]) for rel in documents}
    return out


def _compose_item(out: Composed, item: PackageItem) -> str:
    rec = item.record
    folder = f"data/items/{item.sha256}"
    media_spec: dict[str, Any] | None = None
    if item.media is not None:
        m = item.media
        rel = f"{folder}/{m.kind}{_extension(m.media_type)}"
        out.media[rel] = m
        out.bindings.append({"file": rel, "leaf": m.leaf, "field": m.field})
        media_spec = {
            "file": rel,
            "kind": m.kind,
            "sha256": m.sha256,
            "media_type": m.media_type,
            "leaf": m.leaf,
        }
        if m.redaction is not None:
            media_spec["redaction"] = m.redaction
    if rec.extraction_leaf is not None:
        rel = f"{folder}/extraction.json"
        out.files[rel] = canonical(
            {
                "metadata": rec.metadata_,
                "exiftool": rec.exiftool,
                "c2pa": rec.c2pa,
                "warnings": list(rec.warnings),
            }
        )
        out.bindings.append({"file": rel, "leaf": rec.extraction_leaf, "field": "metadata_sha256"})
    for r in item.verification["records"]:
        rel = f"{folder}/verification-records/record-{r['id']}.json"
        out.files[rel] = canonical(r["content"])
        out.bindings.append({"file": rel, "leaf": r["custody_leaf"], "field": "content_sha256"})
    doc = item_json(rec)
    doc["sightings"] = [
        {"id": s.id, **shown} for s, shown in zip(rec.sightings, doc["sightings"], strict=True)
    ]
    doc["hashes"] = {
        "sha256": rec.sha256,
        "perceptual": item.hashes,
        "custody_leaf": item.hash_leaf,
    }
    doc["verification"] = item.verification
    doc["link"] = item.link
    doc["media"] = media_spec or {
        "included": False,
        "why": "Originals were not asked for and no redacted copy exists yet.",
    }
    rel = f"{folder}/item.json"
    out.files[rel] = pretty(doc)
    out.items.append({"sha256": rec.sha256, "ingest_leaf": rec.ingest_leaf, "media": media_spec})
    return rel


# --------------------------------------------------------------------------- checking


def check(contents: Contents, composed: Composed) -> None:
    """Refuse, naming each record, when anything the package would carry differs from the
    custody entry that recorded it, or is not bound to one."""
    payload = {rel: sha256_hex(data) for rel, data in composed.files.items()}
    payload.update({rel: m.sha256 for rel, m in composed.media.items()})
    proven: dict[int, dict[str, Any]] = {}
    for leaf, raw in contents.entries.items():
        try:
            doc = json.loads(raw)
        except ValueError:
            continue
        if isinstance(doc, dict):
            proven[leaf] = doc
    for leaf in sorted(contents.all_leaves() - set(contents.entries)):
        contents.findings.append(
            Finding(f"custody entry {leaf}, which a record names, is not in the log.", leaf=leaf)
        )
    for item in contents.items:
        if item.hash_leaf is None and item.hashes:
            contents.findings.append(
                Finding(
                    "its perceptual hashes have no custody entry that recorded them.",
                    table="media_hash",
                    row=item.sha256,
                )
            )

    def load(rel: str) -> Any:
        if rel not in composed.files:
            raise FileNotFoundError(f"{rel} is not in the package")
        return json.loads(composed.files[rel])

    info = {"incident": contents.incident["id"], "items": composed.items}
    findings = [
        *contents.findings,
        *binding_findings(payload, composed.bindings, proven, composed.documents),
        *record_findings(load, payload, info, proven),
    ]
    if not findings:
        return
    lines = [f"- {f.describe(with_file=False)}" for f in findings[:SHOWN_FINDINGS]]
    if len(findings) > SHOWN_FINDINGS:
        more = len(findings) - SHOWN_FINDINGS
        lines.append(ngettext("- and %(num)s more", "- and %(num)s more", more))
    # TRANSLATORS: %(findings)s is a list of findings, one per line (kept in English).
    raise IntegrityError(
        ngettext(
            "The evidence package of incident %(id)s was not built: %(num)s record it would "
            "carry does not match the custody entry that recorded it (a sign of damage or "
            "tampering; run `civwatch verify`):\n%(findings)s",
            "The evidence package of incident %(id)s was not built: %(num)s records it would "
            "carry do not match the custody entries that recorded them (a sign of damage or "
            "tampering; run `civwatch verify`):\n%(findings)s",
            len(findings),
            id=contents.incident["id"],
            findings="\n".join(lines),
        )
    )
