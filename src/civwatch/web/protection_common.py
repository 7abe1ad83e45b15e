"""What the protection desk's pages and API share: their gates, and how a page answers.

Every protection route depends on one of the gates below: ``require(Permission.X)`` (the
route-level gate, 403 for a role without it) followed by the desk's idle timeout
(:mod:`civwatch.web.protection_idle`). Which records a caller may see is the services'
decision (need to know): a record out of reach is "not found" (404), never "forbidden".

No personal value ever goes into a URL (paths carry ids only; searches are POSTed), a log
line or an error message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.i18n import N_, gettext
from civwatch.protection.vocabulary import VOCABULARIES, label
from civwatch.web.pages import render
from civwatch.web.protection_idle import desk_gate

DeskReader = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_READ))]
DeskWriter = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_WRITE))]
DeskLead = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_LEAD))]
DeskLocker = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_LOCK))]
DeskUnlocker = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_UNLOCK))]
#: Reading one record: a role without the permission is told "not found" too.
RecordReader = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_READ, hide=True))]
RecordLead = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_LEAD, hide=True))]
#: A form to change one record (a page read before the write).
RecordWriter = Annotated[Principal, Depends(desk_gate(Permission.PROTECTION_WRITE, hide=True))]

#: What a page says after a form did its work (``?done=CODE``: a code, never a value).
DONE = {
    "person": N_("The person is registered."),
    "risk": N_("The risk assessment is recorded."),
    "consent": N_("The consent is recorded."),
    "case": N_("The case is opened."),
    "transition": N_("The case moved to its new state."),
    "assign": N_("The team is updated."),
    "checkin": N_("The check-in is recorded."),
    "task": N_("The task is added."),
    "checkpoint": N_("The checkpoint is added to the route."),
    "referral": N_("The referral is sent: only the partner can open it."),
    "partner": N_("The partner is added."),
    "locked": N_("The desk is locked: every protection session and token is revoked."),
    "unlocked": N_("The desk is unlocked."),
    "rotated": N_(
        "The desk's key is replaced: the old passphrase opens nothing in the database any "
        "more. Destroy the backups made before now."
    ),
    "help": N_("The request for help is registered as a person."),
    "edited": N_("The person's record is changed."),
    "deleted": N_("The person is deleted: nothing of their record can be read again."),
    "access-asked": N_("Your request is sent: a protection lead decides."),
    "access-approved": N_("The emergency access is approved."),
    "access-ended": N_("The emergency access is refused or ended."),
    "acknowledged": N_("The alert is acknowledged."),
}

#: What a duplicate candidate shares with the person (kinds of blind index).
MATCH_LABELS = {
    "phone": N_("phone number"),
    "document": N_("document number"),
    "name": N_("a name spelt the same"),
    "phonetic": N_("names that sound alike"),
}


#: A person's fields as forms name them (what a referral shares, what the audit lists).
FIELD_LABELS = {
    "names": N_("Names"),
    "birth": N_("Date or year of birth"),
    "gender": N_("Gender"),
    "citizenship": N_("Citizenship"),
    "documents": N_("Identity documents"),
    "contacts": N_("Contacts"),
    "location": N_("Where they are now"),
    "address": N_("Exact address"),
    "groups": N_("Why they are at risk"),
    "minority": N_("Which minority"),
    "languages": N_("Languages"),
    "needs": N_("Needs"),
    "dependants": N_("Dependants"),
    "notes": N_("Notes"),
}


def field_label(name: str) -> str:
    """The label of a person's field in the reader's language (unknown: the name)."""
    return gettext(FIELD_LABELS[name]) if name in FIELD_LABELS else name


#: Acts of the protection audit log as "who has seen this record" names them.
ACT_LABELS = {
    "protection-read": N_("read"),
    "protection-change": N_("changed"),
    "protection-access": N_("emergency access"),
    "person-delete": N_("deleted the person"),
    "desk-lock": N_("locked the desk"),
    "desk-unlock": N_("unlocked the desk"),
    "desk-key-rotate": N_("replaced the desk's key"),
    "person-add": N_("registered the person"),
    "person-update": N_("changed the person's record"),
    "risk-add": N_("recorded a risk assessment"),
    "consent-give": N_("recorded consent"),
    "consent-withdraw": N_("recorded a withdrawal of consent"),
    "partner-add": N_("added a partner"),
    "consent-override": N_("overrode the need for consent"),
    "case-open": N_("opened the case"),
    "case-transition": N_("moved the case"),
    "case-assign": N_("changed the case's team"),
    "task-add": N_("added a task"),
    "task-done": N_("finished a task"),
    "checkpoint-add": N_("added a checkpoint"),
    "checkin": N_("recorded a check-in"),
    "alert-acknowledge": N_("acknowledged an alert"),
    "referral-send": N_("sent a referral"),
    "referral-revoke": N_("revoked a referral"),
    "help-request-convert": N_("registered the person from a request for help"),
}

#: The parts of a request for help (the public form's fields).
HELP_LABELS = {
    "on_behalf": N_("Written by"),
    "about": N_("Who needs help, and what is happening"),
    "needs": N_("What they need"),
    "contact": N_("A safe way to reach them"),
    "location": N_("Where they are now"),
}

#: A person's needs (codes of the person input).
NEED_LABELS = {
    "medical": N_("medical care"),
    "disability-access": N_("disability and access"),
    "children": N_("children"),
    "pets": N_("pets"),
    "documents": N_("documents"),
}


def act_label(code: str) -> str:
    """An audit act in the reader's language (a change's own code shown as it is)."""
    return gettext(ACT_LABELS[code]) if code in ACT_LABELS else code


def help_label(key: str) -> str:
    """A part of a request for help, in the reader's language."""
    return gettext(HELP_LABELS[key]) if key in HELP_LABELS else key


def need_label(code: str) -> str:
    """A need in the reader's language."""
    return gettext(NEED_LABELS[code]) if code in NEED_LABELS else code


def done_message(code: str | None) -> str | None:
    """The message of a ``done`` code, in the reader's language (unknown codes: none)."""
    return gettext(DONE[code]) if code in DONE else None


def choices(vocabulary: str) -> list[tuple[str, str]]:
    """(code, label) of a desk vocabulary, for a form's options."""
    return [(code, label(vocabulary, code)) for code in VOCABULARIES[vocabulary]]


def desk_page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page of the desk, with the desk's labels at hand."""
    context.setdefault("section", request.url.path)
    context["vlabel"] = label
    context["field_label"] = field_label
    context["act_label"] = act_label
    context["help_label"] = help_label
    context["need_label"] = need_label
    context["match_labels"] = {k: gettext(v) for k, v in MATCH_LABELS.items()}
    if "partners" in context:
        context["partner_names"] = {p["id"]: p["name"] for p in context["partners"]}
    return render(request, name, context, status)


def back_to(path: str, done: str) -> Response:
    """After a form: see the record it changed, with what was done (no value in the URL)."""
    return RedirectResponse(f"{path}?done={done}", status_code=303)
