"""Requests for help on the command line (``civwatch protect requests ...``): list the new
ones, read one (the desk unlocked; the read recorded), register the person it is about,
close it. Acting with the caller's API token, through the same services as the pages."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import AsJson, DataDir, TokenFile, acting_principal, emit, out, workspace
from civwatch.cli.protection_options import (
    Documents,
    Groups,
    Names,
    Phones,
    person_from_options,
)
from civwatch.i18n import _, ngettext
from civwatch.i18n.formatting import format_datetime

requests_app = typer.Typer(
    no_args_is_help=True, help="Requests for help sent through the public form."
)

RequestId = Annotated[str, typer.Argument(help="The request's id (hr_...).")]


@requests_app.command("list")
def requests_list(
    token_file: TokenFile = None, data_dir: DataDir = None, as_json: AsJson = False
) -> None:
    """The requests for help not yet handled, oldest first.

    Ids, references and when they came; what they say is read with `requests show`.
    """
    from civwatch.protection.help_requests import list_help_requests
    from civwatch.protection.vocabulary import label

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_READ, token_file)
        rows = list_help_requests(ws, actor)
    if as_json:
        emit(
            [
                {
                    "id": r["id"],
                    "reference": r["reference"],
                    "received": r["received_at"],
                    "language": r["language"],
                    "state": r["state"],
                }
                for r in rows
            ]
        )
        return
    out.print(
        ngettext(
            "%(count)s request for help waiting.",
            "%(count)s requests for help waiting.",
            len(rows),
            count=len(rows),
        )
    )
    for r in rows:
        out.print(
            "  "
            + _(
                "%(id)s  reference %(reference)s, received %(received)s UTC (%(state)s)",
                id=r["id"],
                reference=r["reference"],
                received=format_datetime(r["received_at"]),
                state=label("help-request-state", r["state"]),
            )
        )


@requests_app.command("show")
def requests_show(
    request_id: RequestId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Read a request for help (the desk must be unlocked); the read is recorded."""
    from civwatch.protection.help_requests import open_help_request

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_READ, token_file)
        doc = open_help_request(ws, actor, request_id)
    if as_json:
        emit(doc)
        return
    out.print(
        _(
            "Request %(id)s, reference %(reference)s, received %(received)s UTC.",
            id=doc["id"],
            reference=doc["reference"],
            received=format_datetime(doc["received_at"]),
        )
    )
    if doc["on_behalf"]:
        out.print(_("Sent on behalf of the person."))
    labelled = (
        (_("Who needs help:"), doc["about"]),
        (_("What they need:"), doc["needs"]),
        (_("How to reach them:"), doc["contact"]),
        (_("Where they are:"), doc["location"]),
    )
    for heading, text in labelled:
        if text:
            out.print(escape(heading))
            out.print("  " + escape(str(text)))


@requests_app.command("convert")
def requests_convert(
    request_id: RequestId,
    name: Names,
    phone: Phones = None,
    group: Groups = None,
    document: Documents = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Register the person a request for help is about.

    Give what you read in it; you are on the person's team from then on.
    """
    from civwatch.protection.help_requests import convert_to_person

    person = person_from_options(name, phone, group, document)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        person_id = convert_to_person(ws, actor, request_id, person)
    if as_json:
        emit({"id": person_id, "request_id": request_id})
    else:
        out.print(
            _(
                "Person %(id)s registered from request %(request)s.",
                id=person_id,
                request=request_id,
            )
        )


@requests_app.command("close")
def requests_close(
    request_id: RequestId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Close a request that needs nothing more from the desk."""
    from civwatch.protection.help_requests import close_help_request

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        close_help_request(ws, actor, request_id)
    if as_json:
        emit({"id": request_id, "state": "closed"})
    else:
        out.print(_("Request %(id)s closed.", id=request_id))
