"""What a person at risk is registered with: the typed input the API, the pages and the
command line give :func:`civwatch.protection.persons.add_person`.

Validation messages name the field and the problem, never the value: a value typed for a
person at risk must not travel into an error message or a log.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from civwatch.crypto.blind import normalise_phone
from civwatch.errors import RejectedInputError
from civwatch.i18n import _

NameKind = Literal["legal", "known-as", "former"]
ContactKind = Literal["phone", "signal", "email", "other"]
Group = Literal[
    "human-rights-defender",
    "journalist",
    "lgbti",
    "minority",
    "activist",
    "lawyer",
    "public-official",
    "other",
]
Need = Literal["medical", "disability-access", "children", "pets", "documents"]
_CYRILLIC = re.compile(r"[\u0400-\u04ff\u0500-\u052f\u2de0-\u2dff\ua640-\ua69f]")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

#: The fields of a person, in the order they are shown.
PERSON_FIELDS = (
    "names",
    "birth",
    "gender",
    "citizenship",
    "documents",
    "contacts",
    "location",
    "address",
    "groups",
    "minority",
    "languages",
    "needs",
    "dependants",
    "notes",
)

_Short = Field(min_length=1, max_length=200)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Name(_Input):
    """One of a person's names, in the script it is written in."""

    name: str = _Short
    kind: NameKind = "legal"

    @property
    def script(self) -> str:
        return "cyrillic" if _CYRILLIC.search(self.name) else "latin"

    def stored(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "script": self.script}


class Birth(_Input):
    """A date of birth, or only the year."""

    date: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)

    @field_validator("date")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError("a date of birth is written YYYY-MM-DD") from None


class Document(_Input):
    """An identity document."""

    kind: str = Field(min_length=1, max_length=64)
    number: str = _Short
    expiry: str | None = None

    @field_validator("expiry")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError("an expiry date is written YYYY-MM-DD") from None


class Contact(_Input):
    """A way to reach the person; phone numbers are kept in E.164."""

    kind: ContactKind
    value: str = _Short

    @field_validator("value")
    @classmethod
    def _phone(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("kind") == "phone":
            return normalise_phone(value)
        return value


class Location(_Input):
    """Where the person is now: the hromada or oblast by default."""

    katottg: str | None = Field(default=None, max_length=32)
    oblast: str | None = Field(default=None, max_length=200)
    hromada: str | None = Field(default=None, max_length=200)


class Needs(_Input):
    """What the person needs, and a free-text note."""

    codes: list[Need] = Field(default_factory=list, max_length=10)
    note: str | None = Field(default=None, max_length=5000)


class Dependant(_Input):
    """Someone who moves with the person."""

    name: str = _Short
    birth: str | None = Field(default=None, max_length=32)
    relation: str | None = Field(default=None, max_length=64)


class PersonInput(_Input):
    """A person at risk as given by an officer (only ``names`` is required)."""

    names: list[Name] = Field(min_length=1, max_length=20)
    birth: Birth | None = None
    gender: str | None = Field(default=None, max_length=64)
    citizenship: list[str] = Field(default_factory=list, max_length=10)
    documents: list[Document] = Field(default_factory=list, max_length=20)
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    location: Location | None = None
    #: The exact address: only when needed.
    address: str | None = Field(default=None, max_length=1000)
    groups: list[Group] = Field(default_factory=list, max_length=10)
    minority: str | None = Field(default=None, max_length=200)
    languages: list[str] = Field(default_factory=list, max_length=20)
    needs: Needs | None = None
    dependants: list[Dependant] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(default=None, max_length=10000)

    @field_validator("citizenship")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        upper = [v.strip().upper() for v in values]
        if any(not _COUNTRY.match(v) for v in upper):
            raise ValueError("a citizenship is a two-letter country code (ISO 3166), e.g. UA")
        return upper

    def stored(self) -> dict[str, Any]:
        """Each field as the JSON value sealed for it; empty fields left out."""
        values: dict[str, Any] = {
            "names": [n.stored() for n in self.names],
            "birth": None if self.birth is None else self.birth.model_dump(exclude_none=True),
            "gender": self.gender,
            "citizenship": self.citizenship,
            "documents": [d.model_dump() for d in self.documents],
            "contacts": [c.model_dump() for c in self.contacts],
            "location": None
            if self.location is None
            else self.location.model_dump(exclude_none=True),
            "address": self.address,
            "groups": list(self.groups),
            "minority": self.minority,
            "languages": self.languages,
            "needs": None if self.needs is None else self.needs.model_dump(exclude_none=True),
            "dependants": [d.model_dump(exclude_none=True) for d in self.dependants],
            "notes": self.notes,
        }
        return {k: v for k, v in values.items() if v not in (None, [], {}, "")}


def person_input(values: dict[str, Any]) -> PersonInput:
    """``values`` read into a :class:`PersonInput`; a RejectedInputError naming the first
    field that is not valid and why, never its value."""
    try:
        return PersonInput.model_validate(values)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "person"
        raise RejectedInputError(
            _(
                "The person's %(field)s is not valid: %(problem)s.",
                field=where,
                problem=str(first["msg"]).removeprefix("Value error, ").rstrip("."),
            )
        ) from None
