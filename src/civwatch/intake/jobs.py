"""The intake domain's background job: importing a chat export sent to the web inbox.

The request spools the ZIP and queues the job (:func:`receive_export`); the job unpacks it
into a folder of its own and runs the same import as ``civwatch import``, recording its
progress in the transaction that records each group of messages. Taken up again after a
crash, it imports the export again: the messages recorded before are found and not added
twice (they count as "duplicate" in the report of that second attempt).
"""

from __future__ import annotations

from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from civwatch.errors import RejectedInputError
from civwatch.i18n import N_, _, available_languages, localise, ngettext
from civwatch.intake.messages import MessageOutcome, summary
from civwatch.intake.service import ExportFound, import_export, time_zone
from civwatch.jobs import registry, submit
from civwatch.jobs.service import JobContext
from civwatch.jobs.spool import Spool, SpooledFile
from civwatch.workspace import Workspace

IMPORT = "import-messages"
READING = N_("Reading the chat export.")
IMPORTING = N_("Importing the chat export's messages.")
#: How many warnings a job's result keeps (the command line prints every one).
WARNINGS_KEPT = 100


def receive_export(
    ws: Workspace,
    name: str,
    stream: BinaryIO,
    *,
    actor: str,
    client: str | None,
    tz: str | None = None,
    chat_text: bool = False,
    chat: str | None = None,
) -> dict[str, Any]:
    """Spool an uploaded export (a ZIP; with ``chat_text``, a WhatsApp ``.txt`` chat too)
    and queue its import; returns the job. ``chat``: the chat's name, where the export
    does not say it (WhatsApp's ``_chat.txt`` sent alone is otherwise named "_chat").
    The archive's members are checked by the job as it unpacks them (paths, links,
    sizes): a refused archive fails the job, storing nothing."""
    time_zone(tz)  # a bad zone is refused now, not in the job
    lowered = name.lower()
    if not (lowered.endswith(".zip") or (chat_text and lowered.endswith(".txt"))):
        raise RejectedInputError(
            _(
                "Send the chat export as a ZIP file (Telegram's export folder, zipped, or "
                "WhatsApp's .zip) or as WhatsApp's _chat.txt."
            )
            if chat_text
            else _(
                "Send the chat export as a ZIP file (Telegram's export folder, zipped, or "
                "WhatsApp's .zip)."
            )
        )
    spool = Spool.create(ws.data_dir)
    try:
        spooled = spool.add(name, stream, max_size=ws.settings.max_file_size)
        if spooled.refused is not None:
            raise RejectedInputError(
                _(
                    "%(name)s is larger than the limit of %(limit)s bytes.",
                    name=name,
                    limit=ws.settings.max_file_size,
                )
            )
        if spool.path_of(spooled).stat().st_size == 0:
            raise RejectedInputError(_("%(name)s is empty.", name=name))
        spool.seal()
        params = {
            "spool": spool.token,
            "file": spooled.as_json(),
            "actor": actor,
            "client": client,
            "time_zone": tz,
            "chat": chat or ("_chat" if lowered == "_chat.txt" else None),
        }
        return submit(ws, IMPORT, actor, params)
    except BaseException:
        spool.remove()
        raise


def import_messages(ctx: JobContext) -> dict[str, Any]:
    """Import the spooled export, reporting progress; audit it when done."""
    from civwatch.accounts import audit

    ws, p = ctx.ws, ctx.params
    spool = Spool.open(ws.data_dir, p["spool"])
    archive = spool.path_of(SpooledFile.from_json(p["file"]))
    actor = str(p["actor"])
    counts: dict[str, int] = {}
    warnings: list[dict[str, Any]] = []
    found: dict[str, Any] = {}

    def result() -> dict[str, Any]:
        return {**found, "counts": summary(counts), "warnings": warnings}

    def on_found(export: ExportFound) -> None:
        found.update(platform=export.platform, export_sha256=export.sha256)
        ctx.report(done=0, total=export.messages, message=IMPORTING, result=result(), force=True)

    def note(outcome: MessageOutcome) -> None:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.warnings and len(warnings) < WARNINGS_KEPT:
            # Each warning in every language, so the job page shows it in its reader's.
            warnings.append(
                {
                    "message_id": outcome.message_id,
                    "warnings": [
                        {lang: localise(w, lang) for lang in available_languages()}
                        for w in outcome.warnings
                    ],
                }
            )

    def recorded(session: Session, batch: list[MessageOutcome]) -> None:
        ctx.record(
            session, done=sum(counts.values()) + len(batch), message=IMPORTING, result=result()
        )

    try:
        ctx.report(message=READING, force=True)
        for outcome in import_export(
            ws,
            archive,
            actor=actor,
            tz=time_zone(p.get("time_zone")),
            chat=p.get("chat"),
            on_found=on_found,
            on_recorded=recorded,
        ):
            note(outcome)
            ctx.report(done=sum(counts.values()), message=IMPORTING, result=result())
        final = result()
        ctx.report(done=sum(counts.values()), result=final, force=True)
        with ws.sessions() as session, session.begin():
            audit.record(
                session,
                "messages-import",
                actor=actor,
                target=f"export:{found.get('export_sha256')}",
                outcome="ok",
                client=p.get("client"),
                detail={"job": ctx.job_id, **final["counts"], "platform": found.get("platform")},
            )
            ctx.finish(session, final)
    except Exception:
        spool.remove()  # the job fails with its message; a crash (no exception) keeps it
        raise
    spool.remove()
    return final


def _title(total: int) -> str:
    return ngettext("Import of %(num)s chat message", "Import of %(num)s chat messages", total)


def register() -> None:
    """Register the intake domain's job kind."""
    registry.register_kind(IMPORT, N_("Chat export import"), import_messages, counted=_title)
