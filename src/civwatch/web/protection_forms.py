"""The desk's forms read into the plain values the services take.

A form is read once (:func:`read_form`), each field cut to a sane length; what was typed is
given back to the page after a refusal (:func:`typed`), so nobody types a person's details
twice. Which values are valid is the services' decision (their input models): these only
gather the fields.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

#: Longest value kept of one form field (a free-text note may be long; the body limit holds).
MAX_FIELD = 10_000


class Form:
    """A submitted form: single values and repeated ones (checkboxes)."""

    def __init__(self, data: FormData) -> None:
        self._data = data

    def one(self, name: str) -> str:
        """The field's value, stripped ("" when absent or a file)."""
        value = self._data.get(name)
        return value.strip()[:MAX_FIELD] if isinstance(value, str) else ""

    def many(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes), stripped, empty ones left out."""
        return [
            v.strip()[:MAX_FIELD]
            for v in self._data.getlist(name)
            if isinstance(v, str) and v.strip()
        ]

    def typed(self) -> dict[str, Any]:
        """What was typed, to fill the form again (never the password or the CSRF token)."""
        out: dict[str, Any] = {}
        for name in self._data:
            if name in ("password", "csrf_token"):
                continue
            values = self.many(name)
            out[name] = values if len(values) > 1 else (values[0] if values else "")
        out["lists"] = {name: self.many(name) for name in self._data}
        return out


async def read_form(request: Request) -> Form:
    """The request's form (already parsed by the CSRF check, so read once)."""
    return Form(await request.form())


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 6 else None


def person_fields(form: Form) -> dict[str, Any]:
    """The fields of the "register a person" form, as the person input names them."""
    names = []
    for index in ("1", "2"):
        if name := form.one(f"name{index}"):
            names.append({"name": name, "kind": form.one(f"name{index}_kind") or "legal"})
    contacts = []
    for kind in ("phone", "signal", "email"):
        if value := form.one(kind):
            contacts.append({"kind": kind, "value": value})
    documents = []
    if number := form.one("document_number"):
        documents.append({"kind": form.one("document_kind") or "passport", "number": number})
    location = {k: v for k in ("oblast", "hromada") if (v := form.one(k))}
    fields: dict[str, Any] = {
        "names": names,
        "contacts": contacts,
        "documents": documents,
        "groups": form.many("groups"),
    }
    if location:
        fields["location"] = location
    if year := _number(form.one("birth_year")):
        fields["birth"] = {"year": year}
    for name in ("gender", "minority", "notes"):
        if value := form.one(name):
            fields[name] = value
    if needs := form.one("needs"):
        fields["needs"] = {"note": needs}
    if languages := form.one("languages"):
        fields["languages"] = [p.strip() for p in languages.split(",") if p.strip()]
    return fields


def risk_fields(form: Form) -> dict[str, Any]:
    """The fields of the risk assessment form."""
    return {
        "threats": form.many("threats"),
        "sources": form.one("sources"),
        "indicators": form.one("indicators"),
        "likelihood": _number(form.one("likelihood")) or 0,
        "impact": _number(form.one("impact")) or 0,
        "next_review": form.one("next_review") or None,
    }


def consent_fields(form: Form) -> dict[str, Any]:
    """The fields of the consent form (a revocation is ``given`` false)."""
    return {
        "purpose": form.one("purpose"),
        "given": form.one("given") != "no",
        "how": form.one("how") or "verbal",
        "partner_id": form.one("partner_id") or None,
        "channel": form.one("channel") or None,
    }
