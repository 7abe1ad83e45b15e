"""Court-ready evidence packages: the download for users allowed to export.

``GET`` says what a package of the incident would hold; ``POST`` builds one (recording the
export in the custody log and the audit log) and answers with it as a ZIP. The POST takes
form fields, so a plain HTML form (with its ``csrf_token``) can ask for it without script.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.intake.testimony_package import build_incident_package
from civwatch.publish.package import (
    MAX_RECIPIENT,
    package_name,
    package_plan,
    write_zip,
)
from civwatch.web.answers_incidents import PackagePlan
from civwatch.web.auth import client_of, require
from civwatch.web.deps import WS, RowId
from civwatch.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Exporter = Annotated[Principal, Depends(require(Permission.EXPORT))]


@router.get("/incidents/{incident_id}/package", tags=["packages"], response_model=PackagePlan)
def package_preview(w: WS, _: Exporter, incident_id: RowId) -> dict[str, Any]:
    """What an evidence package of the incident would hold (nothing is recorded)."""
    return package_plan(w, incident_id)


@router.post(
    "/incidents/{incident_id}/package",
    tags=["packages"],
    response_class=FileResponse,
    responses={
        200: {
            "content": {"application/zip": {}},
            "description": "The evidence package (a BagIt bag) as a ZIP download",
        }
    },
)
def package_download(
    request: Request,
    w: WS,
    who: Exporter,
    incident_id: RowId,
    recipient: Annotated[
        str | None, Form(max_length=MAX_RECIPIENT, description="To whom the package goes")
    ] = None,
    include_originals: Annotated[
        bool, Form(description="Put the original files in (they may show people)")
    ] = False,
) -> FileResponse:
    """Build the incident's evidence package and download it as a ZIP.

    The export is recorded in the custody log (who, when, which items, to whom) and in the
    audit log.
    """
    name = package_name(incident_id)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=w.data_dir))
    try:
        result = build_incident_package(
            w,
            who,
            incident_id,
            work / name,
            include_originals=include_originals,
            recipient=recipient,
        )
        archive = work / f"{name}.zip"
        with archive.open("wb") as f:
            write_zip(result.path, f, name)
        audit.record_now(
            w,
            "package-export",
            actor=who.username,
            target=f"incident:{incident_id}",
            client=client_of(request),
            detail={
                "export_leaf": result.export_leaf,
                "items": len(result.items),
                "media": result.media,
                "recipient": result.recipient,
                "payload_oxum": result.payload_oxum,
            },
        )
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=f"{name}.zip",
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )
