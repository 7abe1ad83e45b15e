"""The evidence domain's background jobs: ingesting an upload, and finding copies.

Registered with the queue by :func:`register` (which :func:`civwatch.extensions.load`
calls when the app or a worker starts). Like the command line and the web layer, a job
only calls the domain's service functions (ingest, copy finding, clusters, audit); what it
adds is progress for its owner and the order of the steps. Each is safe to run again
after a crash: ingest finds stored content by hash and sightings by fingerprint, copy
finding skips hashed items. An upload hashes its own files item by item, so uploads
handled by several workers are hashed at once (only each item's match-and-record is
serial, under the copy lock). An upload's per-file report is written in the same
transaction as the files it reports, so after a crash the files this job stored stay
"ingested" and only those held before are "duplicate".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from civwatch.evidence.collect import Candidate, Refusal
from civwatch.evidence.ingest import Ingest, IngestOutcome, SourceInfo
from civwatch.evidence.names import safe_name
from civwatch.i18n import N_, ngettext
from civwatch.jobs import registry
from civwatch.jobs.service import JobContext
from civwatch.jobs.spool import Spool, SpooledFile

UPLOAD = "ingest-upload"
FIND_COPIES = "find-copies"
#: One copy-finding pass at a time, across every worker and machine.
COPIES_LOCK = "find-copies"
#: How many other items of a cluster an outcome names.
COPY_NAMES = 5


def _source(doc: dict[str, Any]) -> SourceInfo:
    published = doc.get("published_at")
    return SourceInfo(
        url=doc.get("url"),
        platform=doc.get("platform"),
        account=doc.get("account"),
        post_id=doc.get("post_id"),
        caption=doc.get("caption"),
        published_at=datetime.fromisoformat(published) if published else None,
    )


def _find_copies(ctx: JobContext) -> dict[str, int]:
    from civwatch.evidence.copies import hash_pending

    def progress(n: int, total: int) -> None:
        ctx.report(done=n, total=total, message=f"Looking for copies: {n} of {total} items.")

    ctx.report(message="Waiting for the copy finder (one runs at a time).")
    with ctx.exclusive(COPIES_LOCK):
        ctx.report(message="Looking for copies.", force=True)
        return hash_pending(ctx.ws, progress=progress)


def _find_copies_of(ctx: JobContext, sha256s: list[str]) -> int:
    """Hash this job's own items and record their copies, item by item: their hashing runs
    beside other workers' jobs, only the recording of each item takes the copy lock (so
    uploads handled by N workers are hashed N at a time). Returns the copies recorded."""
    from civwatch.evidence.copies import hash_item
    from civwatch.evidence.service import find_item

    found = 0
    distinct = list(dict.fromkeys(sha256s))
    for n, sha256 in enumerate(distinct, 1):
        ctx.report(message=f"Looking for copies: {n} of {len(distinct)} files.")
        done = hash_item(ctx.ws, find_item(ctx.ws, sha256).id)
        found += done[1] if done else 0
    if distinct:
        ctx.ws.sign_head()
    return found


def _copies(ctx: JobContext, sha256: str, known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The copies of one uploaded item; ``known`` keeps each cluster read, by member, so
    an upload of a repost wave reads its cluster once, not once per file."""
    from civwatch.evidence.clusters import cluster_of

    cluster = known.get(sha256)
    if cluster is None:
        cluster = cluster_of(ctx.ws, sha256)
        known.update((m["sha256"], cluster) for m in cluster["members"])
    first = cluster["first_sighting"]
    return {
        "count": cluster["copies"],
        "of": [m["sha256"] for m in cluster["members"] if m["sha256"] != sha256][:COPY_NAMES],
        "first_seen": None
        if first is None
        else {"seen_at": first["seen_at"], "seen_by": first["seen_by"], "sha256": first["sha256"]},
    }


def ingest_upload(ctx: JobContext) -> dict[str, Any]:
    """Ingest an upload's spooled files, find their copies, audit each file."""
    from civwatch.accounts import audit

    ws, p = ctx.ws, ctx.params
    spool = Spool.open(ws.data_dir, p["spool"])
    files = [SpooledFile.from_json(d) for d in p["files"]]
    collector = str(p["collector"])
    # Outcomes recorded by an earlier, interrupted attempt stand.
    outcomes: dict[int, dict[str, Any]] = {
        int(o["n"]): o for o in ctx.result.get("outcomes", []) if o is not None
    }
    by_display: dict[str, SpooledFile] = {}

    def found() -> Iterator[Candidate | Refusal]:
        for f in files:
            if f.n in outcomes:
                continue
            path = spool.path_of(f)
            by_display[safe_name(str(path))[0]] = f
            if f.refused:
                yield Refusal(path, f.refused)
            elif not path.is_file():
                yield Refusal(path, "the uploaded file is no longer in the spool")
            else:
                yield Candidate(path, f.name)

    def listed() -> list[dict[str, Any]]:
        return [outcomes[n] for n in sorted(outcomes)]

    def note(outcome: IngestOutcome) -> None:
        f = by_display[outcome.path]
        doc = outcome.as_json()
        doc.update(n=f.n, path=safe_name(f.name)[0])
        outcomes[f.n] = doc

    def stored(session: Session, batch: list[IngestOutcome]) -> None:
        # In the transaction that records the evidence: a job taken up again after a crash
        # knows exactly which files it stored itself ("ingested", not "duplicate").
        for outcome in batch:
            note(outcome)
        ctx.record(
            session,
            done=len(outcomes),
            message=f"Stored {len(outcomes)} of {total} files.",
            result={"outcomes": listed()},
        )

    try:
        total = len(files)
        ctx.report(done=len(outcomes), total=total, message="Storing files.", force=True)
        run = Ingest(ws, source=_source(p.get("source", {})), collector=collector, on_commit=stored)
        for outcome in run.run(found()):
            note(outcome)  # refusals are never committed: they are found again on a re-run
            ctx.report(
                done=len(outcomes),
                message=f"Stored {len(outcomes)} of {total} files.",
                result={"outcomes": listed()},
            )
        ctx.report(result={"outcomes": listed()}, force=True)
        copies_found = _find_copies_of(ctx, [o["sha256"] for o in listed() if o["sha256"]])
        ctx.report(message="Checking copies of each file.")
        clusters: dict[str, dict[str, Any]] = {}
        for o in outcomes.values():
            if o["sha256"]:
                o["copies"] = _copies(ctx, o["sha256"], clusters)
        final = listed()
        summary = {
            "files": total,
            "new": sum(o["status"] == "ingested" for o in final),
            "already_held": sum(o["status"] == "duplicate" for o in final),
            "rejected": sum(o["status"] == "rejected" for o in final),
            "copies_found": copies_found,
        }
        message = (
            f"{total} file{'' if total == 1 else 's'}: {summary['new']} new, "
            f"{summary['already_held']} already held, {summary['rejected']} rejected; "
            f"{summary['copies_found']} cop{'y' if summary['copies_found'] == 1 else 'ies'} found."
        )
        with ws.sessions() as session, session.begin():
            for o in final:
                audit.record(
                    session,
                    "evidence-upload",
                    actor=collector,
                    target=f"evidence:{o['sha256']}" if o["sha256"] else o["path"],
                    outcome="ok" if o["status"] != "rejected" else "failed",
                    client=p.get("client"),
                    detail={"status": o["status"], "name": o["path"], "job": ctx.job_id},
                )
            result = {"outcomes": final, "summary": summary}
            ctx.finish(session, result, message)
    except Exception:
        spool.remove()  # the job fails with its message; a crash (no exception) keeps it
        raise
    spool.remove()
    return result


def find_copies(ctx: JobContext) -> dict[str, Any]:
    """Hash every item not hashed yet and record the copies found among stored items."""
    summary = _find_copies(ctx)
    ctx.report(
        message=f"Hashed {summary['hashed']} items; {summary['matches']} copies found.",
        force=True,
    )
    return {"summary": summary}


def _upload_title(total: int) -> str:
    return ngettext("Upload of %(num)s file", "Upload of %(num)s files", total)


def register() -> None:
    """Register the evidence domain's job kinds, and the lock copy finding takes."""
    registry.register_kind(UPLOAD, N_("File upload"), ingest_upload, counted=_upload_title)
    registry.register_kind(FIND_COPIES, N_("Find copies"), find_copies)
    registry.register_lock(COPIES_LOCK)
