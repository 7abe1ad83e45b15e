"""What the ``civwatch protect ...`` commands share: their arguments, a person given as
options (``person add``, ``requests convert``) and dates read from options."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from civwatch.i18n import _

if TYPE_CHECKING:
    from civwatch.protection.person_input import PersonInput

PersonId = Annotated[str, typer.Argument(help="The person's id (per_...).")]
CaseId = Annotated[str, typer.Argument(help="The case's id (case_...).")]
Names = Annotated[list[str], typer.Option("--name", help="A name, in Cyrillic or Latin (repeat).")]
Phones = Annotated[list[str] | None, typer.Option("--phone", help="A phone number (repeat).")]
Groups = Annotated[
    list[str] | None,
    typer.Option(
        "--group",
        help="A profile group (repeat): human-rights-defender, journalist, lgbti, "
        "minority, activist, lawyer, public-official, other.",
    ),
]
Documents = Annotated[
    list[str] | None,
    typer.Option("--document", help="An identity document: KIND:NUMBER (repeat)."),
]


def person_from_options(
    names: list[str],
    phones: list[str] | None,
    groups: list[str] | None,
    documents: list[str] | None,
) -> PersonInput:
    """The person that ``--name``, ``--phone``, ``--group`` and ``--document`` describe,
    checked as the pages and the API check it."""
    from civwatch.protection.person_input import person_input

    given_documents = []
    for given in documents or []:
        kind, _sep, number = given.rpartition(":")
        given_documents.append({"kind": kind or "passport", "number": number})
    return person_input(
        {
            "names": [{"name": n} for n in names],
            "contacts": [{"kind": "phone", "value": p} for p in phones or []],
            "groups": groups or [],
            "documents": given_documents,
        }
    )


def parse_date(value: str | None, option: str) -> date | None:
    """The date ``value`` given to ``option`` (YYYY-MM-DD), or None when not given."""
    from civwatch.errors import RejectedInputError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RejectedInputError(
            _(
                "%(option)s is a date such as 2026-03-01 (given: %(value)s).",
                option=option,
                value=value,
            )
        ) from None
