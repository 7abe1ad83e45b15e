"""Server-rendered custody log browser and the custody proof downloads (API and page)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.evidence.proofs import consistency, entry_proof, item_proof, search_custody
from civwatch.i18n import _
from civwatch.web.answers_evidence import (
    ConsistencyProof,
    CustodyEntries,
    InclusionProof,
    ItemProof,
)
from civwatch.web.auth import require
from civwatch.web.deps import MAX_LEAF_INDEX, WS, tree_head_json
from civwatch.web.pages import render
from civwatch.web.problems import PROBLEM_RESPONSES
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

#: The custody routes of the JSON API (proof downloads).
api_router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

CustodyReader = Annotated[Principal, Depends(require(Permission.CUSTODY_READ))]
PAGE_SIZE = 50
ItemQuery = Annotated[
    str | None,
    Query(max_length=64, description="An item's SHA-256, or at least its first 8 digits"),
]
ActQuery = Annotated[str | None, Query(max_length=64, description="An act, e.g. 'ingest'")]


def _download(doc: dict[str, Any], name: str) -> Response:
    """A proof document as a JSON file download."""
    return Response(
        json.dumps(doc, indent=1, ensure_ascii=False).encode(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


#: The proofs are sent as file downloads (the route returns the response itself, so the model
#: documents the file and is not applied to it).
_JSON_FILE: dict[int | str, dict[str, Any]] = {
    200: {"description": "A proof document, as a JSON file download"}
}


@api_router.get("/custody/entries", tags=["custody"], response_model=CustodyEntries)
def custody_entries(
    w: WS,
    _: CustodyReader,
    item: ItemQuery = None,
    act: ActQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_LEAF_INDEX)] = 0,
) -> dict[str, Any]:
    """Custody log entries, newest first, optionally only those naming one evidence item
    and/or of one act."""
    return search_custody(w, item=item, act=act, limit=limit, offset=offset)


@api_router.get(
    "/custody/proof/{index}", tags=["custody"], response_model=InclusionProof, responses=_JSON_FILE
)
def custody_entry_proof(
    w: WS,
    _: CustodyReader,
    index: Annotated[int, Path(ge=0, le=MAX_LEAF_INDEX, description="The entry's leaf index")],
    tree_size: Annotated[
        int | None,
        Query(ge=1, le=MAX_LEAF_INDEX, description="Prove against this size (default: newest)"),
    ] = None,
) -> Response:
    """The inclusion proof of one entry, with the signed tree head it leads to."""
    return _download(entry_proof(w, index, tree_size), f"custody-proof-entry-{index}.json")


@api_router.get(
    "/custody/consistency", tags=["custody"], response_model=ConsistencyProof, responses=_JSON_FILE
)
def custody_consistency(
    w: WS,
    _: CustodyReader,
    first: Annotated[int, Query(ge=1, le=MAX_LEAF_INDEX, description="The earlier log size")],
    second: Annotated[
        int | None,
        Query(ge=1, le=MAX_LEAF_INDEX, description="The later size (default: newest signed head)"),
    ] = None,
) -> Response:
    """The proof that the log of ``second`` entries extends the log of ``first`` entries."""
    doc = consistency(w, first, second)
    return _download(doc, f"custody-consistency-{doc['first']}-{doc['second']}.json")


@api_router.get(
    "/evidence/{sha256}/proof", tags=["custody"], response_model=ItemProof, responses=_JSON_FILE
)
def evidence_proof(w: WS, _: CustodyReader, sha256: str) -> Response:
    """Inclusion proofs of every custody entry of an item against one signed tree head,
    with the head, its signature and the public key."""
    doc = item_proof(w, sha256)
    return _download(doc, f"custody-proof-{doc['sha256'][:16]}.json")


@router.get("/custody/consistency")
def custody_consistency_form(
    w: WS,
    _reader: CustodyReader,
    first: Annotated[str, Query(max_length=20)] = "",
    second: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The consistency form of the page (an empty later size means the newest head)."""
    try:
        sizes = [int(v) if v.strip() else None for v in (first, second)]
    except ValueError:
        raise RejectedInputError(_("Give the sizes as whole numbers, e.g. 10 and 25.")) from None
    if sizes[0] is None:
        raise RejectedInputError(_("Give the earlier size (a whole number, 1 or more)."))
    doc = consistency(w, sizes[0], sizes[1])
    return _download(doc, f"custody-consistency-{doc['first']}-{doc['second']}.json")


def _head(w: Workspace) -> dict[str, Any]:
    head = tree_head_json(w)
    if "timestamp" in head:
        head["signed_at"] = datetime.fromtimestamp(head["timestamp"] / 1000, UTC).strftime(
            "%Y-%m-%d %H:%M:%S UTC"
        )
    return head


def _team_log_acts() -> list[str]:
    """The acts that can stand in this log, by name (the protection desk keeps its own)."""
    from civwatch.acts import DOMAINS

    return sorted(
        a.name for domain, acts in DOMAINS.items() if domain != "protection" for a in acts
    )


@router.get("/custody", response_class=HTMLResponse)
def custody_page(
    request: Request,
    w: WS,
    _: CustodyReader,
    item: Annotated[str | None, Query(max_length=64)] = None,
    act: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    item, act = (item or "").strip() or None, (act or "").strip() or None
    error = None
    try:
        listing = search_custody(
            w, item=item, act=act, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    except CivwatchError as exc:
        error = exc.message
        listing = {"total": 0, "entries": [], "item": None, "act": None}
    return render(
        request,
        "custody.html",
        {
            "head": _head(w),
            "listing": listing,
            "item": item or "",
            "act": act or "",
            "acts": _team_log_acts(),
            "page": page,
            "page_size": PAGE_SIZE,
            "error": error,
        },
        422 if error else 200,
    )
