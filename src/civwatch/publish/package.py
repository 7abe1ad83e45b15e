"""Court-ready evidence packages: a BagIt bag a court can check without civwatch.

One package holds one incident: its record and history, each linked evidence item's
metadata and verification, the custody log entries that recorded all of it (the exact
bytes, so leaf hashes recompute), an inclusion proof for each against one signed tree
head, the public key, ``verify.py`` (standard library only) and a README for the clerk.

The chain of trust a verifier follows::

    the organisation's published key fingerprint --> the key that signed the tree head
    signed tree head --(inclusion proof)--> export entry --(hash)--> manifest-sha256.txt
        --(hash)--> every file under data/; and --(documents)--> incident.json, item.json,
        summary.html
    signed tree head --(inclusion proof)--> ingest entry --(names)--> the original's SHA-256
    signed tree head --(inclusion proof)--> extract / verification / revision / redaction
        entry --(hash)--> the file it recorded
    signed tree head --(inclusion proof)--> each entry a record in incident.json or
        item.json names --(fields)--> that record

Every file under data/ is bound to a custody entry, and every record to the entry that
recorded it. Before anything is written, the contents are checked exactly as ``verify.py``
checks them: a record that differs from its entry stops the export with an
:class:`~civwatch.errors.IntegrityError` naming it (:mod:`civwatch.publish.package_contents`).

The export itself is a custody entry (act ``export``) naming who, when, which incident,
which items and entries, to whom, the payload's manifest hash and Payload-Oxum, and the
SHA-256 of each composed document; a :class:`~civwatch.publish.models.PackageExport` row
holding the same is written in the same transaction.

**What a package leaves out** (see ``EXCLUDED``): anything about witnesses or people
at risk (the protection registry, contacts), the audit log, user account details beyond
the usernames that signed acts, other incidents' records, and custody entries of a kind
not known to be about evidence (only their hash and proof are included, "withheld").
Media are included only when asked (originals) or once redacted copies exist.

The package is built in a hidden folder next to the target and renamed into place at the
end, so a failure leaves nothing behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.custody.browse import stored_entries
from civwatch.custody.key_rotation import announcement_leaves
from civwatch.custody.signing import key_fingerprint
from civwatch.db import utcnow
from civwatch.errors import IntegrityError, RejectedInputError
from civwatch.files import fsync_tree, move_into_place
from civwatch.i18n import _
from civwatch.publish import bagit_writer
from civwatch.publish.acts import EXPORT
from civwatch.publish.bagit_writer import one_line
from civwatch.publish.bagit_writer import write_zip as write_zip
from civwatch.publish.models import PackageExport
from civwatch.publish.package_contents import (
    EXCLUDED,
    Progress,
    check,
    compose,
    gather,
    render_summary,
    sha256_hex,
)
from civwatch.publish.verify_package import FORMAT
from civwatch.workspace import Workspace

#: Roles that may export (the same as ``Permission.EXPORT`` on the web).
MAX_RECIPIENT = 500


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
    #: SHA-256 of the signing key (64 hex digits), to compare with the published one.
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


def package_plan(ws: Workspace, incident_id: int) -> dict[str, Any]:
    """What a package of the incident would hold, without building it."""
    contents = gather(ws, incident_id, include_originals=False)
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
        "custody_entries": len(contents.all_leaves()),
        "excluded": list(EXCLUDED),
    }


def _recipient(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = one_line(value.replace("\x00", ""))
    if len(cleaned) > MAX_RECIPIENT:
        raise RejectedInputError(
            _("The recipient is at most %(limit)s characters.", limit=MAX_RECIPIENT)
        )
    return cleaned or None


def _check_target(out: Path) -> Path:
    target = out.expanduser().absolute()
    if target.exists():
        if not target.is_dir():
            raise RejectedInputError(_("%(target)s exists and is not a folder.", target=target))
        if any(target.iterdir()):
            raise RejectedInputError(
                _(
                    "%(target)s is not empty: give a new or empty folder for the package.",
                    target=target,
                )
            )
    if not target.parent.is_dir():
        raise RejectedInputError(_("The folder %(parent)s does not exist.", parent=target.parent))
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
    supplements: Mapping[str, bytes] | None = None,
) -> PackageResult:
    """Build the evidence package of an incident in the folder ``out`` (new or empty).

    ``supplements``: documents a domain above publishing adds under ``data/`` (file ->
    bytes; e.g. ``data/testimony/...`` from :mod:`civwatch.intake`, which decides what may
    leave): each is listed with its SHA-256 in the export entry's ``documents``.

    Refuses with an :class:`IntegrityError` naming each record that differs from the
    custody entry that recorded it, before anything is written. The export is recorded in
    the custody log (act ``export``) and in the ``package_export`` table, and a tree head
    covering it is signed. On any failure nothing is left at ``out`` and nothing is
    recorded.
    """
    recipient = _recipient(recipient)
    target = _check_target(out)
    with ws.sessions() as session:
        exporter = require(session, actor, Permission.EXPORT).username
    contents = gather(ws, incident_id, include_originals)
    media = "originals" if include_originals else "none"
    if not include_originals and any(i.media is not None for i in contents.items):
        media = "redacted"
    now = utcnow()
    summary = render_summary(
        ws, contents, exporter=exporter, recipient=recipient, now=now, media=media
    )
    composed = compose(contents, summary)
    for rel, data in sorted((supplements or {}).items()):
        if not rel.startswith("data/") or ".." in rel.split("/") or rel in composed.files:
            raise RejectedInputError(_("A document added to a package has a bad name."))
        composed.files[rel] = data
        composed.documents[rel] = sha256_hex(data)
    check(contents, composed)
    leaves = contents.all_leaves()
    items = sorted(i.sha256 for i in contents.items)
    title = one_line(contents.incident["title"])
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        bagit_writer.write_payload(tmp, composed, progress)
        oxum, manifest_sha = bagit_writer.write_bag_files(
            tmp,
            now,
            {
                "Source-Organization": ws.settings.organisation_name,
                "External-Identifier": f"civwatch incident {incident_id}",
                "External-Description": f"Evidence package for incident {incident_id}: {title}",
            },
        )
        recorded = {
            "incident": incident_id,
            "items": items,
            "entries": sorted(leaves),
            "recipient": recipient,
            "media": media,
            "payload_oxum": oxum,
            "payload_manifest_sha256": manifest_sha,
            "documents": composed.documents,
        }
        with ws.sessions() as session, session.begin():
            ws.custody.lock(session)
            user = require(session, actor, Permission.EXPORT)
            export_leaf = entries.append(
                ws.custody, session, EXPORT, user.username, now, **recorded
            )
            # Kept in the heads file when this transaction commits, before the package
            # exists (custody/heads_file.py): a log cut back below it is found later.
            head = ws.custody.sign_head(session, ws.signing_key)
            session.add(
                PackageExport(
                    incident_id=incident_id,
                    actor=user.username,
                    at=now,
                    recipient=recipient,
                    media=media,
                    items=items,
                    entries=sorted(leaves),
                    documents=composed.documents,
                    payload_oxum=oxum,
                    payload_manifest_sha256=manifest_sha,
                    tree_size=head.tree_size,
                    custody_leaf=export_leaf,
                )
            )
            # The announcements of every key since the first: the chain a holder walks
            # from the fingerprint the organisation first published to this head's key.
            key_chain = announcement_leaves(session, ws.custody, head.tree_size)
            wanted = sorted(leaves | {export_leaf} | set(key_chain))
            entry_bytes = {e.index: e.entry for e in stored_entries(session, wanted)}
            proofs = {
                leaf: ws.custody.inclusion_proof(session, leaf, head.tree_size).audit_path
                for leaf in wanted
            }
            included, withheld = bagit_writer.write_custody(
                tmp,
                head,
                entry_bytes,
                proofs,
                {
                    "format": FORMAT,
                    "incident": incident_id,
                    "export_leaf": export_leaf,
                    "tree_head": "custody/tree-head.json",
                    "items": composed.items,
                    "bindings": composed.bindings,
                    "excluded": list(EXCLUDED),
                },
                key_chain,
            )
        try:
            bagit.Bag(str(tmp)).validate(processes=1)
        except bagit.BagValidationError as err:
            raise IntegrityError(
                _("The package failed its own BagIt check: %(err)s", err=err)
            ) from err
        # Every file is synced as written; the folders too, before the package appears.
        fsync_tree(tmp)
        move_into_place(tmp, target)
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


def package_name(incident_id: int, when: datetime | None = None) -> str:
    """The folder or ZIP name of a package: ``civwatch-incident-N-YYYYmmddTHHMMSSZ``."""
    moment = (when or utcnow()).astimezone(UTC)
    return f"civwatch-incident-{incident_id}-{moment.strftime('%Y%m%dT%H%M%SZ')}"
