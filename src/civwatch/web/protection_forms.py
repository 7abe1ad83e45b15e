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


#: How many rows of a repeated part (names, contacts, documents, dependants) a form may send.
MAX_ROWS = 20


def _rows(form: Form, prefix: str, parts: tuple[str, ...]) -> list[dict[str, str]]:
    """The filled rows ``prefix1_part``, ``prefix2_part``... of a repeated part (a row
    whose first part is empty is left out)."""
    rows = []
    for index in range(1, MAX_ROWS + 1):
        row = {part: form.one(f"{prefix}{index}_{part}") for part in parts}
        if row[parts[0]]:
            rows.append({k: v for k, v in row.items() if v})
    return rows


def person_fields(form: Form) -> dict[str, Any]:
    """The fields of the "register a person" and "change a person" forms, as the person
    input names them (the short form's single phone, Signal, e-mail and document, and the
    long form's numbered rows)."""
    names = []
    for index in range(1, MAX_ROWS + 1):
        if name := form.one(f"name{index}"):
            names.append({"name": name, "kind": form.one(f"name{index}_kind") or "legal"})
    contacts = [
        {"kind": kind, "value": value}
        for kind in ("phone", "signal", "email")
        if (value := form.one(kind))
    ]
    contacts += [
        {"kind": row.get("kind", "other"), "value": row["value"]}
        for row in _rows(form, "contact", ("value", "kind"))
    ]
    documents = []
    if number := form.one("document_number"):
        documents.append({"kind": form.one("document_kind") or "passport", "number": number})
    documents += [
        {"kind": row.get("kind", "other"), **row}
        for row in _rows(form, "document", ("number", "kind", "expiry"))
    ]
    location = {k: v for k in ("oblast", "hromada", "katottg") if (v := form.one(k))}
    fields: dict[str, Any] = {
        "names": names,
        "contacts": contacts,
        "documents": documents,
        "groups": form.many("groups"),
        "dependants": _rows(form, "dependant", ("name", "relation", "birth")),
    }
    if location:
        fields["location"] = location
    if birth := form.one("birth_date"):
        fields["birth"] = {"date": birth}
    elif year := _number(form.one("birth_year")):
        fields["birth"] = {"year": year}
    for name in ("gender", "minority", "notes", "address"):
        if value := form.one(name):
            fields[name] = value
    codes = form.many("need_codes")
    if (needs := form.one("needs")) or codes:
        fields["needs"] = {"codes": codes, **({"note": needs} if needs else {})}
    for name in ("languages", "citizenship"):
        if value := form.one(name):
            fields[name] = [p.strip() for p in value.split(",") if p.strip()]
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


def _with_blank(rows: Any, blank: dict[str, str], at_least: int = 1) -> list[dict[str, Any]]:
    """``rows`` (those a person has) and empty ones to add more, ``at_least`` in all."""
    kept = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    kept = kept[: MAX_ROWS - 1]
    return kept + [dict(blank)] * max(1, at_least - len(kept))


def form_values(person: dict[str, Any]) -> dict[str, Any]:
    """What the long person form shows: a person's fields (their record, or what was
    typed into the form), with an empty row of each repeated part to add one."""
    birth = person.get("birth") or {}
    location = person.get("location") or {}
    needs = person.get("needs") or {}
    names = _with_blank(person.get("names"), {"kind": "known-as"}, at_least=2)
    if not person.get("names"):
        names[0] = {"kind": "legal"}
    return {
        "names": names,
        "contacts": _with_blank(person.get("contacts"), {"kind": "phone"}),
        "documents": _with_blank(person.get("documents"), {"kind": "passport"}),
        "dependants": _with_blank(person.get("dependants"), {}),
        "birth_date": birth.get("date") or "",
        "birth_year": "" if birth.get("date") else (birth.get("year") or ""),
        "gender": person.get("gender") or "",
        "citizenship": ", ".join(person.get("citizenship") or []),
        "languages": ", ".join(person.get("languages") or []),
        "oblast": location.get("oblast") or "",
        "hromada": location.get("hromada") or "",
        "katottg": location.get("katottg") or "",
        "address": person.get("address") or "",
        "groups": list(person.get("groups") or []),
        "minority": person.get("minority") or "",
        "need_codes": list(needs.get("codes") or []),
        "needs": needs.get("note") or "",
        "notes": person.get("notes") or "",
    }
