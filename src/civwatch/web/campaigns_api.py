"""The campaigns' public API (no account; documented in the API schema): a campaign's
public view, signing a petition, sending a letter, confirming by the mailed link, deleting
one's data by the other link, and the proof of work asked in bursts.

Abuse is held back here without any third party (``campaigns/abuse.py``): a limit per
client address (never stored), a honeypot field (``website``: a request filling it is
answered 202 and dropped), and in a burst a proof of work (``challenge`` and ``nonce``,
from ``GET .../challenge``); without one in a burst the answer is 429 with
``Retry-After`` and nothing is kept. After a supporter acts, a job sends the mail at once
(the minute's schedule sends it otherwise)."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from civwatch.campaigns import abuse, actions
from civwatch.campaigns.public import public_view
from civwatch.errors import TooManyAttemptsError
from civwatch.i18n import _, current_language
from civwatch.web.answers_campaigns import (
    ActionReceived,
    Challenge,
    Confirmed,
    Deleted,
    PublicCampaign,
)
from civwatch.web.auth import client_of
from civwatch.web.deps import WS, RowId
from civwatch.web.problems import PROBLEM_RESPONSES, problem_doc
from civwatch.web.public_view import Anyone
from civwatch.workspace import Workspace

router = APIRouter(
    prefix="/api/v1/public/campaigns", tags=["campaigns"], responses=PROBLEM_RESPONSES
)

Token = Annotated[str, Path(min_length=8, max_length=300, pattern=r"^[A-Za-z0-9_.\-]+$")]
#: A campaign that is not taking part now (closed, ended, not started).
NOT_NOW: dict[int | str, dict[str, Any]] = {
    409: problem_doc("The campaign is not taking part now (closed, ended or not started)")
}
#: Seconds between two mail jobs started by the web (the schedule sends the rest).
KICK_EVERY_S = 2.0
_kick_lock = threading.Lock()


def campaign_limiter(request: Request) -> abuse.RateLimiter:
    """The app's limiter of the campaigns' public actions (the API and the forms)."""
    state = request.app.state
    with _kick_lock:
        if not hasattr(state, "campaign_limiter"):
            settings = state.workspace.settings
            state.campaign_limiter = abuse.RateLimiter(
                per_client=settings.campaign_actions_per_client,
                burst=settings.campaign_burst_per_minute,
            )
    found: abuse.RateLimiter = state.campaign_limiter
    return found


def kick_mail(request: Request, ws: Workspace) -> None:
    """Start a job that sends the due campaign mail now (at most one every
    :data:`KICK_EVERY_S` seconds; the minute's schedule sends it otherwise)."""
    from civwatch.campaigns.jobs import SEND_MAIL
    from civwatch.jobs.queue import queue_for
    from civwatch.jobs.service import create_job

    state = request.app.state
    now = time.monotonic()
    with _kick_lock:
        if now - getattr(state, "campaign_mail_kicked", -KICK_EVERY_S) < KICK_EVERY_S:
            return
        state.campaign_mail_kicked = now
    job = create_job(ws, SEND_MAIL, "civwatch", {})
    queue_for(ws.settings).enqueue(job.id)


def guard(request: Request, challenge: str | None, nonce: str | None) -> None:
    """The limits every public action passes: per client, and a proof of work in a
    burst (429 with ``Retry-After`` otherwise)."""
    limiter = campaign_limiter(request)
    limiter.check(client_of(request))
    if limiter.in_burst() and not (challenge and nonce and abuse.check_work(challenge, nonce)):
        raise TooManyAttemptsError(
            _(
                "Many people are taking part right now: please try again in a minute, or "
                "let the page's script solve the check."
            )
        )


class SupporterBody(BaseModel):
    """A supporter's signature (unknown keys refused)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    country: str = Field(max_length=2, description="ISO 3166-1 alpha-2, e.g. UA")
    comment: str | None = Field(default=None, max_length=2000)
    consent_contact: bool = Field(default=False, description="May be contacted again")
    consent_named: bool = Field(default=False, description="May be named to the campaign's targets")
    website: str | None = Field(default=None, max_length=200, description="Leave empty")
    challenge: str | None = Field(default=None, max_length=100)
    nonce: str | None = Field(default=None, max_length=64)

    def supporter(self) -> dict[str, Any]:
        return self.model_dump(exclude={"website", "challenge", "nonce"}, exclude_none=True)


class LetterBody(SupporterBody):
    """A supporter's letter: the signature's fields, the letter as edited, its targets."""

    subject: str | None = Field(default=None, max_length=200)
    letter: str | None = Field(default=None, max_length=10000)
    to: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        default=None, max_length=500, description="Target ids (none: those of your country)"
    )


def _pending(campaign_id: int) -> JSONResponse:
    return JSONResponse({"campaign": campaign_id, "status": "pending"}, status_code=202)


@router.get("/{campaign_id}", response_model=PublicCampaign)
async def campaign_public(w: WS, _p: Anyone, campaign_id: RowId) -> dict[str, Any]:
    """A live or closed campaign (a draft is 404): its text, the confirmed count and the
    published incidents it is about. No supporter's data."""
    return await run_in_threadpool(public_view, w, campaign_id, current_language())


@router.get("/{campaign_id}/challenge", response_model=Challenge)
async def campaign_challenge(request: Request, _p: Anyone, campaign_id: RowId) -> dict[str, Any]:
    """A proof-of-work challenge, and whether one is needed now (in a burst)."""
    return {
        "challenge": abuse.new_challenge(),
        "bits": abuse.POW_BITS,
        "required": campaign_limiter(request).in_burst(),
    }


async def _act(
    request: Request, w: WS, campaign_id: int, body: SupporterBody, kind: str
) -> JSONResponse:
    guard(request, body.challenge, body.nonce)
    if body.website:
        return _pending(campaign_id)
    submit = actions.submit_letter if kind == "letter" else actions.submit_signature
    data = body.supporter()
    language = current_language()
    await run_in_threadpool(lambda: submit(w, campaign_id, data, language=language))
    await run_in_threadpool(kick_mail, request, w)
    return _pending(campaign_id)


@router.post(
    "/{campaign_id}/signatures",
    status_code=202,
    response_model=ActionReceived,
    responses=NOT_NOW,
)
async def campaign_sign(
    request: Request, w: WS, _p: Anyone, campaign_id: RowId, body: SupporterBody
) -> JSONResponse:
    """Sign a live petition. It counts once you follow the link mailed to you."""
    return await _act(request, w, campaign_id, body, "signature")


@router.post(
    "/{campaign_id}/letters", status_code=202, response_model=ActionReceived, responses=NOT_NOW
)
async def campaign_letter(
    request: Request, w: WS, _p: Anyone, campaign_id: RowId, body: LetterBody
) -> JSONResponse:
    """Send a letter of a live letter campaign. It is sent, and counts, once you follow
    the link mailed to you."""
    return await _act(request, w, campaign_id, body, "letter")


@router.get("/confirm/{token}", response_model=Confirmed, responses=NOT_NOW)
async def campaign_confirm(request: Request, w: WS, _p: Anyone, token: Token) -> dict[str, Any]:
    """Follow a confirmation link: the action counts (each e-mail once)."""
    done = await run_in_threadpool(actions.confirm, w, token)
    if done["outcome"] == actions.CONFIRMED:
        await run_in_threadpool(kick_mail, request, w)
    return done


@router.post("/delete/{token}", response_model=Deleted)
async def campaign_delete(w: WS, _p: Anyone, token: Token) -> dict[str, Any]:
    """Delete what you gave (the link of your confirmation mail): it can no longer be read
    by anyone; a confirmed action stays in the count without your name."""
    return await run_in_threadpool(actions.delete_by_token, w, token)
