"""The background job of a web capture (job kind ``web-capture``).

Registered with the queue by :func:`register` (through :mod:`civwatch.extensions`). The
job only calls :func:`civwatch.intake.capture.capture_page`, reporting its steps as
progress; its result holds the capture (``capture``) and one outcome per stored item
(``outcomes``, as an upload's), so the job's page lists them with links.

The capture's record carries the job's id and is committed with its custody entry, so a
job taken up again after a crash that came after that commit finds its capture and
finishes with it: the page is not captured a second time. A crash before that commit
captures the page again (what the first attempt stored stays, found again by its hash).
"""

from __future__ import annotations

from typing import Any

from civwatch.errors import CivwatchError
from civwatch.i18n import N_, SOURCE_LANGUAGE, Message, localise
from civwatch.jobs import registry
from civwatch.jobs.service import JobContext

CAPTURE = "web-capture"
#: What the job's page names an item that has no address of its own.
FILE_NAMES = {"wacz": "capture.wacz", "screenshot": "screenshot.png"}


def _finished(ctx: JobContext, doc: dict[str, Any]) -> dict[str, Any]:
    outcomes = [
        {
            "path": item["url"] or FILE_NAMES.get(item["kind"], item["kind"]),
            "status": item["status"],
            "sha256": item["sha256"],
            "kind": item["kind"],
            "error": None,
            "warnings": [],
        }
        for item in doc["items"]
    ]
    result = {"capture": doc, "outcomes": outcomes}
    ctx.report(done=6, total=6)
    with ctx.ws.sessions() as session, session.begin():
        ctx.finish(session, result, N_("Page captured."))
    return result


def capture_job(ctx: JobContext) -> dict[str, Any]:
    """Capture the page of the job's ``url`` as the job's collector, unless this job has
    already committed its capture (then it finishes with that one)."""
    from civwatch.intake.capture import capture_page, message_doc
    from civwatch.intake.capture_records import capture_of_job

    committed = capture_of_job(ctx.ws, ctx.job_id)
    if committed is not None:
        return _finished(ctx, committed)
    steps = 0

    def progress(message: Message) -> None:
        nonlocal steps
        steps += 1
        ctx.report(done=steps, message=localise(message, SOURCE_LANGUAGE), force=True)

    ctx.report(total=6, message=N_("Starting the browser."), force=True)
    try:
        doc = capture_page(
            ctx.ws,
            str(ctx.params["url"]),
            collector=str(ctx.params["collector"]),
            progress=progress,
            job_id=ctx.job_id,
        )
    except CivwatchError as exc:
        # The job fails with the message in English; its result keeps it to be shown in
        # the reader's language.
        if isinstance(exc.message, Message):
            ctx.report(result={"error": message_doc(exc.message)}, force=True)
        raise
    return _finished(ctx, doc)


def register() -> None:
    """Register the web capture's job kind."""
    registry.register_kind(CAPTURE, N_("Web page capture"), capture_job)
