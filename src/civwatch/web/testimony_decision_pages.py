"""The forms of a testimony's page that let something of it leave: quotes marked for
anonymised publication, and decisions to disclose the witness's identity to a named court
(proposed by the team's desk role, approved by another protection lead, revoked). The
decisions pass the protection desk's gate (its idle lock), as the identity does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.intake import testimony_disclosure as disclosure
from civwatch.intake import testimony_quotes as quotes
from civwatch.intake.testimony import MAX_SHORT
from civwatch.web.auth import audit_action, require
from civwatch.web.deps import WS, RowId
from civwatch.web.protection_idle import desk_gate

router = APIRouter(include_in_schema=False)
Writer = Annotated[Principal, Depends(require(Permission.TESTIMONY_WRITE))]
DeskWriter = Annotated[Principal, Depends(desk_gate(Permission.TESTIMONY_WRITE))]
#: Proposing a disclosure needs a desk role (the service checks testimony.write too).
DeskRole = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_WRITE))]
Lead = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_LEAD))]


async def _done(request: Request, w: WS, who: Principal, act: str, testimony_id: int) -> Response:
    await run_in_threadpool(audit_action, request, w, who, act, f"testimony:{testimony_id}")
    return RedirectResponse(f"/testimony/{testimony_id}", status_code=303)


@router.post("/testimony/{testimony_id}/quotes")
async def testimony_quote_mark(
    request: Request,
    w: WS,
    who: Writer,
    testimony_id: RowId,
    excerpt: Annotated[str, Form(max_length=quotes.MAX_QUOTE * 2)] = "",
    reviewed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Mark an excerpt of the statement for anonymised publication."""
    await run_in_threadpool(
        lambda: quotes.mark_quote(w, who, testimony_id, excerpt, reviewed=reviewed == "yes")
    )
    return await _done(request, w, who, "testimony-quote", testimony_id)


@router.post("/testimony/{testimony_id}/quotes/{quote_id}/withdraw")
async def testimony_quote_withdraw(
    request: Request, w: WS, who: Writer, testimony_id: RowId, quote_id: RowId
) -> Response:
    """Take a quote back."""
    await run_in_threadpool(quotes.withdraw_quote, w, who, testimony_id, quote_id)
    return await _done(request, w, who, "testimony-quote-withdraw", testimony_id)


@router.post("/testimony/{testimony_id}/disclosures")
async def testimony_disclosure_propose(
    request: Request,
    w: WS,
    who: DeskRole,
    testimony_id: RowId,
    recipient: Annotated[str, Form(max_length=MAX_SHORT)] = "",
    reason: Annotated[str, Form(max_length=disclosure.MAX_REASON)] = "",
) -> Response:
    """Propose that the witness's identity goes to a named court or prosecutor."""
    await run_in_threadpool(disclosure.propose_disclosure, w, who, testimony_id, recipient, reason)
    return await _done(request, w, who, "testimony-disclosure-propose", testimony_id)


@router.post("/testimony/{testimony_id}/disclosures/{disclosure_id}/approve")
async def testimony_disclosure_approve(
    request: Request, w: WS, who: Lead, testimony_id: RowId, disclosure_id: RowId
) -> Response:
    """A second protection lead approves the disclosure."""
    await run_in_threadpool(disclosure.approve_disclosure, w, who, testimony_id, disclosure_id)
    return await _done(request, w, who, "testimony-disclosure-approve", testimony_id)


@router.post("/testimony/{testimony_id}/disclosures/{disclosure_id}/revoke")
async def testimony_disclosure_revoke(
    request: Request, w: WS, who: DeskWriter, testimony_id: RowId, disclosure_id: RowId
) -> Response:
    """End a disclosure decision: no later package carries the identity."""
    await run_in_threadpool(disclosure.revoke_disclosure, w, who, testimony_id, disclosure_id)
    return await _done(request, w, who, "testimony-disclosure-revoke", testimony_id)
