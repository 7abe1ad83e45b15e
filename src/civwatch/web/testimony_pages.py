"""Field testimony in the browser: the list (by incident), the form (with and without a
network), one testimony with its consent and risk flags, and the witness's identity for
the testimony's team.

- ``/testimony/new``: the form, without JavaScript; a time typed there is Kyiv time.
- ``/testimony/offline``: the same form for a phone without a network. ``static/
  testimony-offline.js`` keeps a draft on the phone **without the witness's identity**
  (only the statement and the testimony's own fields), and queues a testimony sent while
  offline with the identity encrypted (AES-GCM, WebCrypto) under a key that exists only
  in the page's memory: closing the page throws the key away, and the queued identity
  can never be read from the phone; the form then asks for it again. The queue is sent
  to ``POST /api/v1/testimony`` when the network returns. ``/testimony/sw.js`` (scope
  ``/testimony``) keeps the page and its script for use offline.
- ``/testimony/{id}/witness``: the identity, for the team only, the read recorded.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path as FilePath
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.i18n import N_, _, gettext, localise
from civwatch.intake import testimony as service
from civwatch.intake import testimony_disclosure as disclosure
from civwatch.intake import testimony_quotes as quotes
from civwatch.intake.testimony_acts import FLAGS, PURPOSES
from civwatch.web.auth import audit_action, require
from civwatch.web.deps import MAX_ROW_ID, WS, RowId
from civwatch.web.pages import render
from civwatch.web.protection_idle import desk_gate

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.TESTIMONY_READ))]
Writer = Annotated[Principal, Depends(require(Permission.TESTIMONY_WRITE))]
#: The witness's identity passes the protection desk's gate (its idle lock too).
IdentityReader = Annotated[Principal, Depends(desk_gate(Permission.TESTIMONY_READ))]
Public = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]
STATIC = FilePath(__file__).parent / "static"
#: A time typed in the form without JavaScript is Kyiv time.
FORM_ZONE = ZoneInfo("Europe/Kyiv")
LANGUAGES = ("uk", "en", "ru", "crh")

FLAG_LABELS = {
    "occupied": N_("The witness is in occupied territory"),
    "minor": N_("The witness is a minor"),
    "reprisal": N_("The witness fears reprisal"),
}
PURPOSE_LABELS = {
    "investigation": N_("Use in the investigation"),
    "share": N_("Share with a named court, prosecutor or partner"),
    "publish-anonymised": N_("Publish anonymised quotes"),
    "recontact": N_("Be contacted again"),
}
LANGUAGE_LABELS = {
    "uk": N_("Ukrainian"),
    "en": N_("English"),
    "ru": N_("Russian"),
    "crh": N_("Crimean Tatar"),
}


def purpose_label(code: str) -> str:
    """A consent purpose in words (in the language in force)."""
    return gettext(PURPOSE_LABELS[code]) if code in PURPOSE_LABELS else code


def _choices() -> dict[str, Any]:
    return {
        "flag_choices": [(f, gettext(FLAG_LABELS[f])) for f in FLAGS],
        "purpose_choices": [(p, gettext(PURPOSE_LABELS[p])) for p in PURPOSES],
        "language_choices": [(c, gettext(LANGUAGE_LABELS[c])) for c in LANGUAGES],
        "flag_label": lambda f: gettext(FLAG_LABELS[f]) if f in FLAG_LABELS else f,
        "purpose_label": purpose_label,
    }


@router.get("/testimony", response_class=HTMLResponse)
async def testimony_list_page(
    request: Request,
    w: WS,
    who: Reader,
    incident: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    """The testimonies the reader may see, of one incident when asked."""
    rows = await run_in_threadpool(service.testimonies, w, who, incident_id=incident)
    return render(
        request, "testimony_list.html", {"rows": rows, "incident": incident, **_choices()}
    )


def _form_page(
    request: Request, form: dict[str, Any], error: str | None = None, status: int = 200
) -> Response:
    return render(
        request, "testimony_new.html", {"form": form, "error": error, **_choices()}, status
    )


@router.get("/testimony/new", response_class=HTMLResponse)
def testimony_new_page(
    request: Request,
    _w: Writer,
    incident: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    """The form to take down a testimony (no JavaScript needed)."""
    return _form_page(request, {"incidents": str(incident or ""), "language": "uk"})


def _numbers(text: str) -> list[int]:
    found = []
    for part in text.replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= MAX_ROW_ID:
            raise RejectedInputError(_("Incidents are numbers, separated by commas."))
        found.append(int(part))
    return found


def _form_input(form: dict[str, Any]) -> service.TestimonyInput:
    try:
        taken = datetime.fromisoformat(str(form.get("taken_at", "")))
    except ValueError as err:
        raise RejectedInputError(_("Say when the testimony was taken (date and time).")) from err
    if taken.tzinfo is None:
        taken = taken.replace(tzinfo=FORM_ZONE)
    lines = [c for c in str(form.get("witness_contacts", "")).splitlines() if c.strip()]
    return service.TestimonyInput(
        statement=str(form.get("statement", "")),
        taken_at=taken,
        language=str(form.get("language", "")),
        taken_place=str(form.get("taken_place", "")) or None,
        incidents=_numbers(str(form.get("incidents", ""))),
        attachments=str(form.get("attachments", "")).split(),
        flags=list(form.get("flags", [])),
        witness=service.WitnessInput(
            name=str(form.get("witness_name", "")) or None,
            contacts=lines,
            birth_date=str(form.get("witness_birth_date", "")) or None,
            residence=str(form.get("witness_residence", "")) or None,
        ),
    )


@router.post("/testimony/new", response_class=HTMLResponse)
async def testimony_new_submit(
    request: Request,
    w: WS,
    who: Writer,
    statement: Annotated[str, Form(max_length=service.MAX_STATEMENT)] = "",
    taken_at: Annotated[str, Form(max_length=40)] = "",
    language: Annotated[str, Form(max_length=8)] = "",
    taken_place: Annotated[str, Form(max_length=service.MAX_SHORT)] = "",
    incidents: Annotated[str, Form(max_length=500)] = "",
    attachments: Annotated[str, Form(max_length=4000)] = "",
    flags: Annotated[list[str] | None, Form()] = None,
    witness_name: Annotated[str, Form(max_length=service.MAX_SHORT)] = "",
    witness_contacts: Annotated[str, Form(max_length=2000)] = "",
    witness_birth_date: Annotated[str, Form(max_length=20)] = "",
    witness_residence: Annotated[str, Form(max_length=service.MAX_SHORT)] = "",
) -> Response:
    """Take down the testimony; the form comes back with the error if it is refused (the
    witness's fields are never sent back: they are typed again)."""
    form: dict[str, Any] = {
        "statement": statement,
        "taken_at": taken_at,
        "language": language,
        "taken_place": taken_place,
        "incidents": incidents,
        "attachments": attachments,
        "flags": flags or [],
    }
    raw = {
        **form,
        "witness_name": witness_name,
        "witness_contacts": witness_contacts,
        "witness_birth_date": witness_birth_date,
        "witness_residence": witness_residence,
    }
    try:
        made = await run_in_threadpool(lambda: service.record_testimony(w, who, _form_input(raw)))
    except CivwatchError as err:
        if err.status_code >= 500 and err.status_code != 503:
            raise
        return _form_page(request, form, localise(err.message), err.status_code)
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-add", f"testimony:{made['id']}"
    )
    return RedirectResponse(f"/testimony/{made['id']}", status_code=303)


@router.get("/testimony/offline", response_class=HTMLResponse)
def testimony_offline_page(request: Request, _w: Writer) -> Response:
    """The form for a phone without a network: it keeps a draft without the witness's
    identity and sends what was queued when the network returns."""
    texts = {
        "queued": _("No network: the testimony is kept on this phone and sent when it returns."),
        "sent": _("Sent: testimony %(id)s, witness %(code)s.", id="{id}", code="{code}"),
        "waiting": _("Waiting to be sent: %(n)s.", n="{n}"),
        "retype": _(
            "The page was closed before this testimony was sent, so the witness's details "
            "kept encrypted on the phone can no longer be read. Type them again and send."
        ),
        "refused": _("Not sent: %(reason)s", reason="{reason}"),
        "signin": _("Sign in again, then come back to this page: the testimony is kept."),
        "draft": _("Draft kept on this phone (without the witness's details)."),
    }
    return render(
        request,
        "testimony_offline.html",
        {
            "form": {"language": "uk"},
            "offline": True,
            "texts": json.dumps(texts, ensure_ascii=False),
            **_choices(),
        },
    )


@router.get("/testimony/sw.js")
def testimony_service_worker(_p: Public) -> Response:
    """The service worker, served under /testimony so that it may keep the offline form."""
    return Response(
        (STATIC / "testimony-sw.js").read_bytes(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/testimony", "Cache-Control": "no-cache"},
    )


@router.get("/testimony/{testimony_id}", response_class=HTMLResponse)
async def testimony_page(request: Request, w: WS, who: Reader, testimony_id: RowId) -> Response:
    """One testimony: the witness by code; consent and risk flags for the team."""
    view = await run_in_threadpool(service.testimony_view, w, who, testimony_id)
    quoted: list[dict[str, Any]] = []
    decided: list[dict[str, Any]] = []
    if view["on_team"]:
        quoted = await run_in_threadpool(quotes.quotes, w, who, testimony_id)
        decided = await run_in_threadpool(disclosure.decisions, w, who, testimony_id)
    return render(
        request,
        "testimony.html",
        {
            "t": view,
            "quotes": quoted,
            "decisions": decided,
            "today": date.today().isoformat(),
            **_choices(),
        },
    )


@router.get("/testimony/{testimony_id}/witness", response_class=HTMLResponse)
async def testimony_witness_page(
    request: Request, w: WS, who: IdentityReader, testimony_id: RowId
) -> Response:
    """The witness's identity (the team only; the read is recorded) and who has seen it."""
    identity = await run_in_threadpool(service.witness_identity, w, who, testimony_id)
    history = await run_in_threadpool(service.identity_history, w, who, testimony_id)
    return render(
        request,
        "testimony_witness.html",
        {"testimony_id": testimony_id, "identity": identity, "history": history},
    )


@router.post("/testimony/{testimony_id}/consent")
async def testimony_consent_submit(
    request: Request,
    w: WS,
    who: Writer,
    testimony_id: RowId,
    purpose: Annotated[str, Form(max_length=32)] = "",
    given_on: Annotated[str, Form(max_length=20)] = "",
    recipient: Annotated[str, Form(max_length=service.MAX_SHORT)] = "",
) -> Response:
    """Record the witness's consent for a purpose."""
    try:
        day = date.fromisoformat(given_on)
    except ValueError as err:
        raise RejectedInputError(_("Say on which day the consent was given.")) from err
    await run_in_threadpool(
        lambda: service.give_consent(
            w, who, testimony_id, purpose, given_on=day, recipient=recipient or None
        )
    )
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-consent", f"testimony:{testimony_id}"
    )
    return RedirectResponse(f"/testimony/{testimony_id}", status_code=303)


@router.post("/testimony/{testimony_id}/consent/{consent_id}/withdraw")
async def testimony_consent_withdraw(
    request: Request, w: WS, who: Writer, testimony_id: RowId, consent_id: RowId
) -> Response:
    """The witness withdraws a consent."""
    await run_in_threadpool(service.withdraw_consent, w, who, testimony_id, consent_id)
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-consent-withdraw", f"testimony:{testimony_id}"
    )
    return RedirectResponse(f"/testimony/{testimony_id}", status_code=303)


@router.post("/testimony/{testimony_id}/flags")
async def testimony_flags_submit(
    request: Request,
    w: WS,
    who: Writer,
    testimony_id: RowId,
    flags: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Replace the testimony's risk flags."""
    await run_in_threadpool(service.set_flags, w, who, testimony_id, list(flags or []))
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-flags", f"testimony:{testimony_id}"
    )
    return RedirectResponse(f"/testimony/{testimony_id}", status_code=303)


@router.post("/testimony/{testimony_id}/team")
async def testimony_team_submit(
    request: Request,
    w: WS,
    who: Writer,
    testimony_id: RowId,
    username: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Put a user on the testimony's team."""
    await run_in_threadpool(service.add_member, w, who, testimony_id, username)
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-team", f"testimony:{testimony_id}"
    )
    return RedirectResponse(f"/testimony/{testimony_id}", status_code=303)


@router.post("/testimony/{testimony_id}/witness/shred")
async def testimony_witness_shred(
    request: Request, w: WS, who: Writer, testimony_id: RowId
) -> Response:
    """Destroy the witness's identity (crypto-shredding)."""
    await run_in_threadpool(service.shred_witness, w, who, testimony_id)
    await run_in_threadpool(
        audit_action, request, w, who, "testimony-witness-shred", f"testimony:{testimony_id}"
    )
    return RedirectResponse(f"/testimony/{testimony_id}", status_code=303)
