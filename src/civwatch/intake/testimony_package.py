"""Evidence packages with the testimony their consent allows.

Publishing cannot read testimony (it sits below intake in the domain order), so the
interfaces build a package through :func:`build_incident_package`: it reads, in one
snapshot, the testimony documents :func:`~.testimony.package_documents` lets leave for the
package's recipient, and hands them to :func:`civwatch.publish.package.build_package`,
which lists each with its SHA-256 in the export's custody entry. A witness's identity
joins them only under ``data/sealed/`` and only by a decision for that very recipient
(:func:`~.testimony_disclosure.sealed_identities`).
"""

from __future__ import annotations

import json
from pathlib import Path

from civwatch.accounts.principal import Principal
from civwatch.db import read_snapshot
from civwatch.intake.testimony import package_documents
from civwatch.intake.testimony_disclosure import sealed_identities
from civwatch.publish.package import PackageResult, build_package
from civwatch.publish.package_contents import Progress
from civwatch.workspace import Workspace


def build_incident_package(
    ws: Workspace,
    principal: Principal,
    incident_id: int,
    out: Path,
    *,
    include_originals: bool = False,
    recipient: str | None = None,
    progress: Progress | None = None,
) -> PackageResult:
    """The evidence package of the incident (see ``build_package``), with each testimony
    consented to be shared with ``recipient`` (by the witness's code), and in a sealed part
    the identity of each witness whose disclosure to that recipient was decided
    (:mod:`.testimony_disclosure`), for no other recipient."""
    named = (recipient or "").strip() or None
    with ws.sessions() as session:
        read_snapshot(session)
        documents = package_documents(session, principal, incident_id, named)
    carried = [int(json.loads(doc)["testimony"]) for doc in documents.values()]
    documents.update(sealed_identities(ws, principal, carried, named))
    return build_package(
        ws,
        incident_id,
        out,
        actor=principal.username,
        include_originals=include_originals,
        recipient=recipient,
        progress=progress,
        supplements=documents,
    )
