"""Custody entries of evidence items, and proofs a third party can check without civwatch.

Every proof document carries the exact entry bytes (base64), their leaf hashes, the RFC
9162 audit paths and the signed tree head they lead to (size, root, time, Ed25519
signature, public key). ``docs/custody-log.md`` section 4 is the whole check.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

from civwatch.custody.browse import (
    StoredEntry,
    entry_indexes,
    find_entries,
    head_of_size,
    stored_entries,
)
from civwatch.custody.key_rotation import announcement_leaves
from civwatch.custody.signing import TreeHead, key_fingerprint, public_key_bytes
from civwatch.errors import IntegrityError, ProofError, RejectedInputError
from civwatch.evidence.service import find_item
from civwatch.i18n import _
from civwatch.workspace import Workspace

PROOF_FORMAT = "civwatch-custody-proof-v1"
HOW_TO_CHECK = (
    "Entries are the exact bytes logged (base64). leaf_hash = SHA-256(0x00 || entry); the "
    "audit_path leads to tree_head.root_hash by RFC 9162 section 2.1.3.2; the tree head "
    "signature is Ed25519 over b'civwatch-custody-tree-head-v1\\n' || uint64be(tree_size) || "
    "uint64be(timestamp) || root_hash, timestamp in milliseconds since 1970 UTC. Check the "
    "public key against one obtained independently of this file; after a key rotation, "
    "key_chain holds the announcements (with their proofs) that lead to it from the first "
    "key. Hashes are hex; signature and public key are base64. See docs/custody-log.md of "
    "civwatch."
)
_ACT = re.compile(r"^[a-z0-9][a-z0-9.:-]{0,63}$")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def head_json(head: TreeHead) -> dict[str, Any]:
    """A signed tree head with everything needed to check its signature."""
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash.hex(),
        "timestamp": head.timestamp_ms,
        "signature": _b64(head.signature),
        "public_key": _b64(head.public_key),
        "key_fingerprint": key_fingerprint(head.public_key),
        "signed_message": head.message().hex(),
    }


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def describe_entry(e: StoredEntry) -> dict[str, Any]:
    """An entry for people: act, what it concerns, who and when, and its text."""
    try:
        doc = json.loads(e.entry)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        doc = {}
    subject = None
    if isinstance(doc.get("sha256"), str):
        subject = {"kind": "evidence", "id": doc["sha256"]}
    elif doc.get("incident") is not None:
        subject = {"kind": "incident", "id": str(doc["incident"])}
    elif isinstance(doc.get("username"), str):
        subject = {"kind": "user", "id": doc["username"]}
    return {
        "index": e.index,
        "act": doc.get("act") if isinstance(doc.get("act"), str) else None,
        "subject": subject,
        "incident": doc.get("incident") if isinstance(doc.get("incident"), int) else None,
        "actor": doc.get("actor") or doc.get("collected_by"),
        "at": doc.get("at") or doc.get("collected_at"),
        "appended_at": _when(e.appended_at_ms),
        "leaf_hash": e.leaf_hash.hex(),
        "text": e.entry.decode("utf-8", "replace"),
    }


def _item_needle(sha256: str) -> bytes:
    return b'"' + sha256.encode() + b'"'


def search_custody(
    ws: Workspace,
    *,
    item: str | None = None,
    act: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """A page of custody entries, newest first: all, those naming one evidence item (by
    SHA-256 or a prefix of at least 8 digits), of one act, or both."""
    contains: list[bytes] = []
    start = 0
    sha = None
    if item:
        found = find_item(ws, item)
        sha, start = found.sha256, found.ingest_leaf
        contains.append(_item_needle(sha))
    if act:
        act = act.strip()
        if not _ACT.match(act):
            raise RejectedInputError(
                _(
                    "%(act)s is not an act name: use lower-case letters, digits and '-', "
                    "e.g. ingest, sighting, verification-record.",
                    act=repr(act),
                )
            )
        contains.append(b'"act":"' + act.encode() + b'"')
    with ws.sessions() as session:
        total, rows = find_entries(session, contains, start=start, limit=limit, offset=offset)
    return {
        "total": total,
        "item": sha,
        "act": act or None,
        "limit": limit,
        "offset": offset,
        "entries": [describe_entry(e) for e in rows],
    }


def item_entries(ws: Workspace, sha256: str) -> list[dict[str, Any]]:
    """Every custody entry naming the item, oldest first."""
    item = find_item(ws, sha256)
    with ws.sessions() as session:
        indexes = entry_indexes(session, [_item_needle(item.sha256)], start=item.ingest_leaf)
        return [describe_entry(e) for e in stored_entries(session, indexes)]


def covering_head(ws: Workspace, size: int) -> TreeHead:
    """The newest signed head if it covers the first ``size`` entries; otherwise a head
    signed now (the log is never shown with entries no signature covers)."""
    with ws.sessions() as session:
        head = ws.custody.latest_head(session)
    if head is None or head.tree_size < size or head.public_key != public_key_bytes(ws.signing_key):
        head = ws.sign_head()
    return head


def _proofs(ws: Workspace, indexes: list[int], head: TreeHead) -> list[dict[str, Any]]:
    out = []
    with ws.sessions() as session:
        for e in stored_entries(session, indexes):
            proof = ws.custody.inclusion_proof(session, e.index, head.tree_size)
            if proof.root_hash != head.root_hash or proof.leaf_hash != e.leaf_hash:
                raise IntegrityError(
                    _(
                        "The custody log no longer leads to the head signed at size "
                        "%(tree_size)s: run `civwatch verify`.",
                        tree_size=head.tree_size,
                    )
                )
            out.append(
                {
                    "index": e.index,
                    "entry": _b64(e.entry),
                    "entry_text": e.entry.decode("utf-8", "replace"),
                    "leaf_hash": e.leaf_hash.hex(),
                    "audit_path": [h.hex() for h in proof.audit_path],
                }
            )
    return out


def item_proof(ws: Workspace, sha256: str) -> dict[str, Any]:
    """Inclusion proofs of every custody entry of the item against one signed tree head."""
    item = find_item(ws, sha256)
    with ws.sessions() as session:
        indexes = entry_indexes(session, [_item_needle(item.sha256)], start=item.ingest_leaf)
    if not indexes:
        raise IntegrityError(
            _("Item %(sha256)s has no custody entries: run `civwatch verify`.", sha256=item.sha256)
        )
    head = covering_head(ws, indexes[-1] + 1)
    return {
        "format": PROOF_FORMAT,
        "sha256": item.sha256,
        "how_to_check": HOW_TO_CHECK,
        "tree_head": head_json(head),
        "entries": _proofs(ws, indexes, head),
        **_key_chain(ws, head),
    }


def _key_chain(ws: Workspace, head: TreeHead) -> dict[str, Any]:
    """``{"key_chain": [...]}``: the key announcements the head covers, with their proofs,
    so the head's key can be traced from the first key (docs/custody-log.md section 3.1);
    nothing when the key was never rotated."""
    with ws.sessions() as session:
        leaves = announcement_leaves(session, ws.custody, head.tree_size)
    return {"key_chain": _proofs(ws, leaves, head)} if leaves else {}


def entry_proof(ws: Workspace, index: int, tree_size: int | None = None) -> dict[str, Any]:
    """The inclusion proof of entry ``index``: in the tree of ``tree_size`` entries (with its
    signed head when one was signed at that size), or against the newest signed head."""
    if index < 0:
        raise RejectedInputError(_("An entry index is 0 or more."))
    with ws.sessions() as session:
        size = ws.custody.size(session)
    if index >= size:
        raise ProofError(
            _(
                "The custody log has %(size)s entries; there is no entry %(index)s.",
                size=size,
                index=index,
            )
        )
    if tree_size is None:
        head: TreeHead | None = covering_head(ws, index + 1)
        assert head is not None
        tree_size = head.tree_size
    else:
        if not index < tree_size <= size:
            raise ProofError(
                _(
                    "Entry %(index)s is in trees of %(first)s to %(size)s entries, not "
                    "%(tree_size)s.",
                    index=index,
                    first=index + 1,
                    size=size,
                    tree_size=tree_size,
                )
            )
        with ws.sessions() as session:
            head = head_of_size(session, tree_size)
    with ws.sessions() as session:
        root = ws.custody.root(session, tree_size)
    chain: dict[str, Any] = {}
    if head is None:
        head_doc: dict[str, Any] | None = None
        entries = _proofs(ws, [index], _unsigned(tree_size, root))
    else:
        head_doc = head_json(head)
        entries = _proofs(ws, [index], head)
        chain = _key_chain(ws, head)
    return {
        "format": PROOF_FORMAT,
        "how_to_check": HOW_TO_CHECK,
        "tree_size": tree_size,
        "root_hash": root.hex(),
        "tree_head": head_doc,
        "entries": entries,
        **chain,
    }


def _unsigned(tree_size: int, root: bytes) -> TreeHead:
    return TreeHead(tree_size, root, 0, b"", b"")


def consistency(ws: Workspace, first: int, second: int | None = None) -> dict[str, Any]:
    """The proof that the log of ``second`` entries (default: the newest signed head)
    extends the log of ``first`` entries, with the signed heads of both sizes if any."""
    if second is None:
        second = covering_head(ws, 1).tree_size
    if not 0 < first <= second:
        raise ProofError(
            _(
                "A consistency proof needs 0 < first <= second (got %(first)s and %(second)s).",
                first=first,
                second=second,
            )
        )
    with ws.sessions() as session:
        size = ws.custody.size(session)
        if second > size:
            raise ProofError(
                _(
                    "The custody log has %(size)s entries; it never had %(second)s.",
                    size=size,
                    second=second,
                )
            )
        proof = ws.custody.consistency_proof(session, first, second)
        heads = [head_of_size(session, first), head_of_size(session, second)]
    return {
        "format": PROOF_FORMAT,
        "how_to_check": "RFC 9162 section 2.1.4.2; see docs/custody-log.md of civwatch.",
        "first": proof.first,
        "second": proof.second,
        "first_root": proof.first_root.hex(),
        "second_root": proof.second_root.hex(),
        "proof": [h.hex() for h in proof.proof],
        "first_head": None if heads[0] is None else head_json(heads[0]),
        "second_head": None if heads[1] is None else head_json(heads[1]),
    }
