"""Partner organisations and referrals on the command line (``civwatch protect partner
...``, ``civwatch protect refer``, ``civwatch protect referral ...``), acting with the
caller's API token: the same services, consent checks and audit as the pages and the API.

A referral needs the caller's password again, read from standard input (never an
argument: arguments are visible to every user of the machine). Its packet is written to a
new file, private to the caller, that only the partner can open.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import (
    AsJson,
    DataDir,
    TokenFile,
    acting_principal,
    emit,
    fail,
    out,
    workspace,
)
from civwatch.cli.protection_options import CaseId
from civwatch.i18n import _, ngettext

partner_app = typer.Typer(
    no_args_is_help=True, help="Partner organisations the desk refers people to."
)
referral_app = typer.Typer(no_args_is_help=True, help="Referrals sent to partner organisations.")


@partner_app.command("add")
def partner_add(
    name: Annotated[str, typer.Option(help="The organisation's name.")],
    age_key: Annotated[
        str,
        typer.Option(
            "--age-key", help="The partner's age public key (age1...): only they open packets."
        ),
    ],
    country: Annotated[
        str | None, typer.Option(help="Its country, as a two-letter code (PL, DE...).")
    ] = None,
    contact: Annotated[str | None, typer.Option(help="How to reach the organisation.")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a partner organisation with its public encryption key (a protection lead)."""
    from civwatch.protection.partners import add_partner

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        partner_id = add_partner(ws, actor, name, age_key, country=country, contact=contact)
    if as_json:
        emit({"id": partner_id})
    else:
        out.print(_("Partner %(id)s added.", id=partner_id))


@partner_app.command("list")
def partner_list(
    token_file: TokenFile = None, data_dir: DataDir = None, as_json: AsJson = False
) -> None:
    """The partner organisations the desk refers people to."""
    from civwatch.protection.partners import list_partners

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_READ, token_file)
        partners = list_partners(ws, actor)
    if as_json:
        emit(partners)
        return
    out.print(
        ngettext(
            "%(count)s partner organisation.",
            "%(count)s partner organisations.",
            len(partners),
            count=len(partners),
        )
    )
    for p in partners:
        out.print("  " + escape(f"{p['id']}  {p['name']} ({p['country'] or '-'})"))


def _read_password(from_stdin: bool) -> str:
    if not from_stdin:
        fail(
            _(
                "A referral needs your password again: give it on standard input with "
                "--password-stdin (never as an argument)."
            ),
            2,
        )
    return sys.stdin.readline().rstrip("\r\n")


def refer_cmd(
    case_id: CaseId,
    partner: Annotated[str, typer.Option(help="The partner organisation (prt_...).")],
    field: Annotated[
        list[str],
        typer.Option(
            help="A field of the person to share (repeat): names, birth, gender, "
            "citizenship, documents, contacts, location, address, groups, minority, "
            "languages, needs, dependants. Only fields the person agreed to share."
        ),
    ],
    out_file: Annotated[
        Path,
        typer.Option(
            "--out", help="The new file to write the packet to (never overwritten).", dir_okay=False
        ),
    ],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read your password from standard input (needed: a referral asks for it again).",
        ),
    ] = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Refer a case to a partner organisation (your password again).

    Only the chosen fields, which the person agreed to share with this partner, go in the
    packet, encrypted so that only the partner can open it.
    """
    from civwatch.files import write_new
    from civwatch.protection.referrals import refer, referral_packet

    password = _read_password(password_stdin)
    if out_file.exists() or out_file.is_symlink():
        fail(_("%(path)s exists already: give a new file for the packet.", path=out_file), 2)
    if not out_file.parent.is_dir():
        fail(_("There is no folder %(path)s to write the packet in.", path=out_file.parent), 2)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        referral_id = refer(ws, actor, case_id, partner, field, password)
        packet = referral_packet(ws, actor, referral_id)
    try:
        write_new(out_file, packet["packet"])
    except OSError as exc:
        fail(
            _(
                "Referral %(id)s was recorded, but its packet could not be written to "
                "%(path)s (%(reason)s): revoke it with `civwatch protect referral revoke "
                "%(id)s` and refer again.",
                id=referral_id,
                path=out_file,
                reason=exc.strerror or exc,
            )
        )
    if as_json:
        emit(
            {
                "id": referral_id,
                "case_id": case_id,
                "partner_id": partner,
                "packet": str(out_file),
                "packet_sha256": packet["packet_sha256"],
            }
        )
        return
    out.print(
        _(
            "Referral %(id)s recorded; packet written to %(path)s (only the partner can open it).",
            id=referral_id,
            path=escape(str(out_file)),
        )
    )
    out.print(_("Its SHA-256: %(sha)s", sha=packet["packet_sha256"]))


@referral_app.command("revoke")
def referral_revoke(
    referral_id: Annotated[str, typer.Argument(help="The referral's id (ref_...).")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Revoke a referral: recorded as revoked, its packet no longer kept by the desk."""
    from civwatch.protection.referrals import revoke_referral

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        doc = revoke_referral(ws, actor, referral_id)
    if as_json:
        emit(doc)
    else:
        out.print(
            _(
                "Referral %(id)s revoked; tell the partner not to use its packet.",
                id=referral_id,
            )
        )
