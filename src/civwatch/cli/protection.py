"""The protection desk on the command line (``civwatch protect ...``): setting up,
locking and unlocking the desk, people at risk, and who has seen a record.

Every command acts with the caller's API token (``CIVWATCH_TOKEN`` or ``--token-file``),
through the same services, need to know and audit as the pages and the API. The desk's
key comes from ``CIVWATCH_PROTECTION_PASSPHRASE`` or ``CIVWATCH_PROTECTION_KEY_FILE``
(or, for ``init`` and ``unlock``, a passphrase read from standard input). Nothing this
module prints about a person goes anywhere but stdout.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated, Any

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
from civwatch.cli.protection_cases import case_app, risk_app
from civwatch.cli.protection_consent import access_app, consent_app
from civwatch.cli.protection_options import (
    Documents,
    Groups,
    Names,
    PersonId,
    Phones,
    person_from_options,
)
from civwatch.cli.protection_partners import partner_app, refer_cmd, referral_app
from civwatch.cli.protection_requests import requests_app
from civwatch.i18n import _, ngettext

protect_app = typer.Typer(
    no_args_is_help=True,
    help="The protection desk: people at risk, their cases and risk, kept encrypted.",
)
person_app = typer.Typer(no_args_is_help=True, help="People at risk on the protection desk.")
protect_app.add_typer(person_app, name="person")
protect_app.add_typer(case_app, name="case")
protect_app.add_typer(risk_app, name="risk")
protect_app.add_typer(consent_app, name="consent")
protect_app.add_typer(requests_app, name="requests")
protect_app.add_typer(partner_app, name="partner")
protect_app.add_typer(referral_app, name="referral")
protect_app.add_typer(access_app, name="access")

PassphraseStdin = Annotated[
    bool,
    typer.Option(
        "--passphrase-stdin",
        help="Read the desk's passphrase from standard input (else "
        "CIVWATCH_PROTECTION_PASSPHRASE).",
    ),
]
KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="The desk's key file (init creates it, mode 0600; else CIVWATCH_PROTECTION_KEY_FILE).",
        dir_okay=False,
    ),
]


def _passphrase(from_stdin: bool) -> str | None:
    return sys.stdin.readline().rstrip("\r\n") if from_stdin else None


def _state_line(state: dict[str, Any]) -> None:
    if state["locked"]:
        out.print(_("The protection desk is locked."))
    else:
        out.print(_("The protection desk is unlocked."))


@protect_app.command("init")
def init_cmd(
    key_file: KeyFile = None,
    passphrase_stdin: PassphraseStdin = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Set up the protection desk (a protection lead, once).

    Its key is derived from a passphrase (12 characters or more) or kept in a new key file.
    """
    from civwatch.protection.desk import init_desk

    passphrase = _passphrase(passphrase_stdin)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        state = init_desk(ws, passphrase=passphrase, key_file=key_file, actor=actor)
    if as_json:
        emit(state)
    else:
        out.print(_("The protection desk is set up and unlocked."))


@protect_app.command("lock")
def lock_cmd(
    token_file: TokenFile = None, data_dir: DataDir = None, as_json: AsJson = False
) -> None:
    """Lock the desk at once (a protection lead or an admin).

    Every protection session and token ends; the desk's key is dropped until a lead
    unlocks it.
    """
    from civwatch.protection.desk import lock_desk

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LOCK, token_file)
        state = lock_desk(ws, actor)
    if as_json:
        emit(state)
        return
    _state_line(state)
    out.print(
        _(
            "Sign-ins ended: %(sessions)s; API tokens revoked: %(tokens)s.",
            sessions=state["sessions_ended"],
            tokens=state["tokens_revoked"],
        )
    )


@protect_app.command("unlock")
def unlock_cmd(
    key_file: KeyFile = None,
    passphrase_stdin: PassphraseStdin = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Unlock the desk (a protection lead) with its passphrase or key file."""
    from civwatch.protection.desk import unlock_desk

    passphrase = _passphrase(passphrase_stdin)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_UNLOCK, token_file)
        state = unlock_desk(ws, actor, passphrase, key_file=key_file)
    if as_json:
        emit(state)
    else:
        _state_line(state)


NewKeyFile = Annotated[
    Path | None,
    typer.Option(
        "--new-key-file",
        help="Move the desk to this key file (created, mode 0600, if it does not exist).",
        dir_okay=False,
    ),
]
NewPassphraseStdin = Annotated[
    bool,
    typer.Option(
        "--new-passphrase-stdin",
        help="Read the new passphrase from standard input (else it is asked for twice).",
    ),
]


def _new_passphrase(from_stdin: bool) -> str:
    """The new passphrase: one line of standard input, or typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(_("New passphrase of the protection desk: "))
    again = getpass.getpass(_("The same passphrase again: "))
    if first != again:
        fail(_("The two passphrases differ: the desk's key was not changed."))
    return first


@protect_app.command("rotate-key")
def rotate_key_cmd(
    new_key_file: NewKeyFile = None,
    new_passphrase_stdin: NewPassphraseStdin = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Replace the desk's key with a new passphrase or key file (a protection lead).

    The desk must be unlocked with its present key (CIVWATCH_PROTECTION_PASSPHRASE or
    CIVWATCH_PROTECTION_KEY_FILE). Afterwards the old passphrase or key file opens nothing
    in the database; backups made before still open with it and must be destroyed.
    """
    from civwatch.protection.rotation import rotate_key

    passphrase = None if new_key_file is not None else _new_passphrase(new_passphrase_stdin)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        state = rotate_key(ws, actor, new_passphrase=passphrase, new_key_file=new_key_file)
    if as_json:
        emit(state)
        return
    out.print(
        _(
            "The protection desk's key is replaced: the old passphrase or key file opens "
            "nothing in the database any more. Destroy the backups made before now, and give "
            "every process of civwatch the new one."
        )
    )


@person_app.command("add")
def person_add(
    name: Names,
    phone: Phones = None,
    group: Groups = None,
    document: Documents = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Register a person at risk; you are on their team from then on."""
    from civwatch.protection.persons import add_person

    person = person_from_options(name, phone, group, document)
    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_WRITE, token_file)
        person_id = add_person(ws, actor, person)
    if as_json:
        emit({"id": person_id})
    else:
        out.print(_("Person %(id)s registered.", id=person_id))


def _show_doc(person: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": person["id"],
        "names": person.get("names", []),
        "phones": [c["value"] for c in person.get("contacts", []) if c["kind"] == "phone"],
        "groups": person.get("groups", []),
        "risk_level": person["risk_level"],
        "next_review": person["next_review"],
    }


@person_app.command("show")
def person_show(
    person_id: PersonId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Show a person's names, phones, groups and risk level (recorded as read)."""
    from civwatch.protection.persons import show_person

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_READ, token_file)
        doc = _show_doc(show_person(ws, actor, person_id, ["names", "contacts", "groups"]))
    if as_json:
        emit(doc)
        return
    out.print(escape(doc["id"]))
    for n in doc["names"]:
        out.print("  " + escape(f"{n['name']} ({n['kind']})"))
    for p in doc["phones"]:
        out.print("  " + escape(p))
    if doc["groups"]:
        out.print("  " + escape(", ".join(doc["groups"])))
    out.print("  " + _("risk level: %(level)s", level=doc["risk_level"] or "-"))


@person_app.command("find")
def person_find(
    name: Annotated[str | None, typer.Option(help="A name (or part), any script.")] = None,
    phone: Annotated[str | None, typer.Option(help="A phone number, any format.")] = None,
    document: Annotated[str | None, typer.Option(help="A document number.")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Find people by name, phone or document: the ids you may see (nobody decrypted)."""
    from civwatch.protection.persons import find_persons

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_READ, token_file)
        ids = find_persons(ws, actor, name=name, phone=phone, document=document)
    if as_json:
        emit({"ids": ids})
        return
    out.print(
        ngettext("%(count)s person found.", "%(count)s people found.", len(ids), count=len(ids))
    )
    for person_id in ids:
        out.print("  " + escape(person_id))


@person_app.command("delete")
def person_delete(
    person_id: PersonId,
    reason: Annotated[str, typer.Option(help="Why the person is deleted.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Delete a person for good (a protection lead).

    Their key is destroyed: nothing of them can be decrypted again.
    """
    from civwatch.protection.persons import delete_person

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        delete_person(ws, actor, person_id, reason)
    if as_json:
        emit({"id": person_id, "deleted": True})
    else:
        out.print(_("Person %(id)s deleted: nothing of them can be decrypted again.", id=person_id))


@protect_app.command("audit")
def audit_cmd(
    person_id: PersonId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Who has read or changed a person, which fields, when (a protection lead)."""
    from civwatch.protection.persons import person_history

    with workspace(data_dir) as ws:
        actor = acting_principal(ws, Permission.PROTECTION_LEAD, token_file)
        entries = person_history(ws, actor, person_id)
    if as_json:
        emit(entries)
        return
    for entry in entries:
        out.print(
            escape(
                f"{entry['at']}  {entry['actor'] or '-'}  {entry['act']}  "
                + ", ".join(entry["fields"])
            )
        )


# After the desk's own commands, so that `civwatch protect --help` lists it after them.
protect_app.command("refer")(refer_cmd)
