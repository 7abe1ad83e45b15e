"""A person's consent and emergency access on the command line (``civwatch protect
consent ...``, ``civwatch protect access ...``), acting with the caller's API token: the
same services, need to know and audit as the pages and the API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import AsJson, DataDir, TokenFile, acting_principal, emit, out, workspace
from civwatch.cli.protection_options import PersonId
from civwatch.i18n import _, ngettext
from civwatch.i18n.formatting import format_datetime

consent_app = typer.Typer(
    no_args_is_help=True, help="A person's consent, purpose by purpose (revocable)."
)
access_app = typer.Typer(
    no_args_is_help=True,
    help="Emergency access to a person outside your cases (a protection lead approves).",
)

Purpose = Annotated[
    str,
    typer.Option(
        help="case-handling, referral (with --partner), relief-grant, contact (with "
        "--channel) or sensitive-storage."
    ),
]
GrantId = Annotated[str, typer.Argument(help="The access request's id (grant_...).")]


@consent_app.command("add")
def consent_add(
    person_id: PersonId,
    purpose: Purpose,
    partner: Annotated[
        str | None, typer.Option(help="The partner (prt_...) a referral consent is for.")
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="The channel (phone, signal...) a contact consent is for.")
    ] = None,
    how: Annotated[
        str, typer.Option(help="How the person gave it: verbal, written or electronic.")
    ] = "verbal",
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Record that the person withdrew this consent.")
    ] = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Record that a person gave (or withdrew) consent for a purpose, and how."""
    from civwatch.protection.consent import PURPOSE_LABELS, record_consent

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        consent_id = record_consent(
            ws,
            actor,
            person_id,
            purpose,
            how=how,
            given=not withdraw,
            partner_id=partner,
            channel=channel,
        )
    if as_json:
        emit({"id": consent_id, "person_id": person_id, "given": not withdraw})
        return
    values = {"id": consent_id, "purpose": _(PURPOSE_LABELS[purpose])}
    if withdraw:
        out.print(_("Consent %(id)s recorded: withdrawn for %(purpose)s.", **values))
    else:
        out.print(_("Consent %(id)s recorded: given for %(purpose)s.", **values))


@consent_app.command("list")
def consent_list(
    person_id: PersonId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """A person's consent decisions, newest first (recorded as read)."""
    from civwatch.protection.consent import PURPOSE_LABELS, consents

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_READ, token_file)
        rows = consents(ws, actor, person_id)
    if as_json:
        emit(rows)
        return
    out.print(
        ngettext(
            "%(count)s consent decision.",
            "%(count)s consent decisions.",
            len(rows),
            count=len(rows),
        )
    )
    for r in rows:
        values = {
            "at": format_datetime(r["at"]),
            "purpose": _(PURPOSE_LABELS.get(r["purpose"], r["purpose"])),
            "target": r["partner_id"] or r["channel"] or "-",
            "how": r["how"],
            "by": r["recorded_by"] or "-",
        }
        if r["given"]:
            # TRANSLATORS: a consent decision: when (UTC), the purpose, the partner or
            # channel it is for ("-" if none), how it was given (a code), who recorded it.
            line = _(
                "%(at)s  given for %(purpose)s (%(target)s), %(how)s; recorded by %(by)s", **values
            )
        else:
            line = _("%(at)s  withdrawn for %(purpose)s (%(target)s); recorded by %(by)s", **values)
        out.print("  " + escape(line))


@consent_app.command("override")
def consent_override(
    person_id: PersonId,
    purpose: Purpose,
    reason: Annotated[
        str, typer.Option(help="Why the desk acts without consent (kept encrypted).")
    ],
    partner: Annotated[
        str | None, typer.Option(help="The partner (prt_...) a referral override is for.")
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="The channel (phone, signal...) a contact override is for.")
    ] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Act for a purpose without the person's consent (a protection lead, with a reason).

    An override of a referral names its partner (--partner), of contact its channel
    (--channel): it holds for them only.
    """
    from civwatch.protection.consent import override_consent

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        override_id = override_consent(
            ws, actor, person_id, purpose, reason, partner_id=partner, channel=channel
        )
    if as_json:
        emit({"id": override_id, "person_id": person_id})
    else:
        out.print(_("Override %(id)s recorded.", id=override_id))


@access_app.command("request")
def access_request(
    person_id: PersonId,
    reason: Annotated[str, typer.Option(help="Why you need to read the person's record.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Ask for emergency access to a person outside your cases; a lead must approve."""
    from civwatch.protection.access import request_emergency_access

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        grant_id = request_emergency_access(ws, actor, person_id, reason)
    if as_json:
        emit({"id": grant_id, "person_id": person_id})
    else:
        out.print(
            _(
                "Access request %(id)s recorded: a protection lead must approve it.",
                id=grant_id,
            )
        )


@access_app.command("approve")
def access_approve(
    grant_id: GrantId,
    hours: Annotated[int, typer.Option(help="How long the access lasts (1 to 72 hours).")] = 8,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Approve an officer's emergency access (a protection lead, not the one who asked)."""
    from civwatch.protection.access import approve_emergency_access

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        doc = approve_emergency_access(ws, actor, grant_id, hours=hours)
    if as_json:
        emit(doc)
    else:
        out.print(
            _(
                "Access %(id)s approved until %(expires)s UTC.",
                id=grant_id,
                expires=format_datetime(doc["expires_at"]),
            )
        )


@access_app.command("revoke")
def access_revoke(
    grant_id: GrantId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """End an emergency access now, or refuse the request (a protection lead)."""
    from civwatch.protection.access import revoke_emergency_access

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        revoke_emergency_access(ws, actor, grant_id)
    if as_json:
        emit({"id": grant_id, "revoked": True})
    else:
        out.print(_("Access %(id)s ended.", id=grant_id))
