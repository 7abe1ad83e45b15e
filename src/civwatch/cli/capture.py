"""``civwatch capture URL``: a web page preserved as evidence, as a user.

The capture runs as a background job of the acting user (so it is listed with their
jobs, like one started from the web form), run here and waited for, its steps shown.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.cli.common import AsJson, DataDir, TokenFile, emit, err, fail, out, workspace
from civwatch.i18n import _, ngettext

app = typer.Typer(no_args_is_help=True)


@app.command()
def capture(
    url: Annotated[str, typer.Argument(help="Address of the page (http or https).")],
    data_dir: DataDir = None,
    token_file: TokenFile = None,
    as_json: AsJson = False,
) -> None:
    """Capture a web page as evidence: a WACZ web archive, a full-page screenshot, the
    rendered HTML and the media it loads, as the user whose API token is given."""
    from civwatch import extensions
    from civwatch.accounts.permissions import Permission
    from civwatch.cli.common import acting
    from civwatch.errors import CivwatchError
    from civwatch.intake.capture import allowed_capture_url, capture_json, message_from_doc
    from civwatch.intake.capture_job import CAPTURE
    from civwatch.jobs.queue import run_job
    from civwatch.jobs.service import create_job, get_job

    extensions.load()
    with workspace(data_dir) as ws:
        collector = acting(ws, Permission.EVIDENCE_UPLOAD, token_file)
        try:
            text = allowed_capture_url(ws, url, collector=collector)
        except CivwatchError as exc:
            fail(exc.message)
        job = create_job(ws, CAPTURE, collector, {"url": text, "collector": collector})
        if not as_json:
            err.print(_("Capturing %(url)s (job %(id)s)…", url=escape(text), id=job.id))
        run_job(ws, job.id)
        done = get_job(ws, job.id)
    if done["state"] != "done":
        error = done["result"].get("error")
        fail(message_from_doc(error) if error else done["message"])
    doc: dict[str, Any] = done["result"]["capture"]
    if as_json:
        emit(capture_json(doc))
        return
    out.print(
        _(
            "Captured %(url)s (HTTP %(status)s) at %(at)s.",
            url=escape(doc["final_url"]),
            status=doc["http_status"] if doc["http_status"] is not None else _("not known"),
            at=doc["captured_at"][:19].replace("T", " ") + " UTC",
        )
    )
    for item in doc["items"]:
        out.print(f"  {item['sha256']}  {item['kind']}  {escape(item['url'] or '')}")
    out.print(ngettext("%(num)s item stored.", "%(num)s items stored.", len(doc["items"])))
    for warning in doc["warning_messages"]:
        err.print(escape(_("warning: %(text)s", text=message_from_doc(warning))), style="yellow")
