"""The controlled vocabularies of incidents (``civwatch incident vocab ...``): listing
their terms, and adding one (admins)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import (
    AsJson,
    DataDir,
    TokenFile,
    acting,
    emit,
    out,
    workspace,
)
from civwatch.i18n import _

vocab_app = typer.Typer(no_args_is_help=True, help="Controlled vocabularies.")


@vocab_app.command("list")
def vocab_list(
    kind: Annotated[
        str | None, typer.Argument(help="incident_type, weapon, object, ihl_concern")
    ] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Known terms."""
    from civwatch.incidents.terms import list_terms

    with workspace(data_dir) as ws:
        terms = list_terms(ws, kind)
    if as_json:
        emit(terms)
        return
    for t in terms:
        out.print(f"{t['kind']:<14} {t['code']:<24} {escape(t['label'])}")


@vocab_app.command("add")
def vocab_add(
    kind: Annotated[str, typer.Argument(help="incident_type, weapon, object, ihl_concern")],
    label: Annotated[str, typer.Argument(help="The term as people write it, e.g. Kh-59.")],
    code: Annotated[str | None, typer.Option(help="Code (default: from the label).")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Add a term to a vocabulary (admin)."""
    from civwatch.incidents.terms import add_term

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.REFERENCE_MANAGE, token_file)
        doc = add_term(ws, kind, label, code=code, actor=actor)
    emit(doc) if as_json else out.print(
        _("added %(kind)s %(code)s", kind=doc["kind"], code=doc["code"])
    )
