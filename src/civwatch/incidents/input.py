"""One typed input for an incident's content, shared by the command line, the page form and
the JSON API.

Each interface turns what it receives into a mapping of these fields (the form and the
command line have their own spellings, such as ``--figure killed=3-5`` or a ``killed`` box
holding ``3-5``) and hands it to :func:`incident_fields`, which checks it with
:class:`IncidentInput` (or :class:`NewIncidentInput`) and raises
:class:`~civwatch.errors.RejectedInputError` with whole English sentences. The API takes the
same models as its request bodies: its validation handler turns their errors into the same
sentences (:func:`rejection_message`), so the same bad input is refused with the same words
everywhere. The service (:func:`civwatch.incidents.document.check_doc`) still checks what
needs the database: vocabulary terms, the gazetteer, times in the future.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from civwatch.errors import RejectedInputError
from civwatch.i18n import N_, _
from civwatch.incidents import vocabulary as vocab
from civwatch.incidents.casualties import MAX_PEOPLE, PeopleRange

MAX_TITLE = 300
MAX_TEXT = 50_000
#: Largest precision radius accepted for an incident's location.
MAX_RADIUS_M = 100_000.0
MAX_SOURCE = 500

#: The pydantic error type whose message is a sentence for the user, shown as it is.
REJECTED = "rejected_input"

_SHOWN = 60  # characters of a refused value repeated in a message


def _shown(value: Any) -> str:
    """A refused value as the user typed it: numbers alike however they came (95, 95.0)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def rejected(message: str) -> PydanticCustomError:
    """A validation error whose message is ``message`` as written (braces included)."""
    return PydanticCustomError(REJECTED, "{message}", {"message": message})


def rejection_message(errors: Iterable[ErrorDetails]) -> str | None:
    """The user's message for validation errors that are all sentences of this module;
    None when some are not (pydantic's own wording, from another model)."""
    messages: list[str] = []
    for error in errors:
        if error.get("type") != REJECTED:
            return None
        messages.append(str((error.get("ctx") or {}).get("message", error.get("msg", ""))))
    return " ".join(dict.fromkeys(messages)) or None


def _sentence(field: str, value: Any) -> str:
    """Why ``value`` cannot be the incident's ``field``."""
    shown = _shown(value)
    numbers = {
        "lat": _(
            "The latitude %(value)s is not a number from -90 to 90 (such as 49.99).", value=shown
        ),
        "lon": _(
            "The longitude %(value)s is not a number from -180 to 180 (such as 36.23).",
            value=shown,
        ),
        "radius_m": _(
            "The precision radius %(value)s is not a number of metres from 0 to %(radius)s.",
            value=shown,
            radius=format(MAX_RADIUS_M, "g"),
        ),
    }
    times = {
        "start": _(
            "The start %(value)s is not a date and time with its time zone, such as "
            "2022-03-09T14:05:00+02:00.",
            value=shown,
        ),
        "end": _(
            "The end %(value)s is not a date and time with its time zone, such as "
            "2022-03-09T14:05:00+02:00.",
            value=shown,
        ),
    }
    texts = {
        "title": _("The title must be text of at most %(limit)s characters.", limit=MAX_TITLE),
        "narrative": _(
            "The narrative must be text of at most %(limit)s characters.", limit=MAX_TEXT
        ),
        "time_precision": _(
            "The time precision must be one of %(names)s.",
            names=", ".join(vocab.TIME_PRECISIONS),
        ),
        "settlement": _("The settlement must be text of at most 255 characters."),
        "raion": _("The raion must be text of at most 255 characters."),
        "oblast": _("The oblast must be text of at most 255 characters."),
        "incident_type": _("The incident type must be text of at most 255 characters."),
        "perpetrator": _("The perpetrator must be text of at most 255 characters."),
        "perpetrator_confidence": _(
            "The perpetrator confidence must be one of %(names)s.",
            names=", ".join(vocab.CONFIDENCES),
        ),
        "weapons": _("The weapons must be a list of at most 50 terms."),
        "objects": _("The objects affected must be a list of at most 50 terms."),
        "ihl_concerns": _("The IHL concerns must be a list of at most 20 terms."),
        "casualties": _(
            "The casualties must be figures for killed and injured, each with a "
            "minimum, a maximum and a source."
        ),
        "revision": _("The revision %(value)s is not a revision number.", value=shown),
    }
    return (
        numbers.get(field)
        or times.get(field)
        or texts.get(field)
        # TRANSLATORS: %(field)s is the field's name in the API (title, lat, ...).
        or _(
            "The incident field %(field)s cannot take the value %(value)s.",
            field=field,
            value=shown,
        )
    )


#: What a new incident must say, with the sentence when it does not (as the service says it).
REQUIRED = {
    "title": N_("The title must not be empty."),
    "start": N_("Say when the incident happened (start time)."),
    "lat": N_("Say where the incident happened (latitude and longitude)."),
    "lon": N_("Say where the incident happened (latitude and longitude)."),
    "incident_type": N_("Say what kind of incident it was (incident type)."),
}


class FigureInput(BaseModel):
    """A number of people as a range (max = min when exact), with its source."""

    model_config = ConfigDict(extra="forbid")
    min: int = Field(ge=0, le=MAX_PEOPLE, description="At least this many people")
    max: int | None = Field(default=None, ge=0, le=MAX_PEOPLE, description="At most (default: min)")
    source: str | None = Field(default=None, max_length=MAX_SOURCE, description="Who reported it")

    @field_validator("min", "max", mode="wrap")
    @classmethod
    def _count(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise rejected(
                _(
                    ("A casualty count must be a whole number from 0 to %(most)s, not %(value)s."),
                    most=MAX_PEOPLE,
                    value=_shown(value),
                )
            ) from None

    @field_validator("source", mode="wrap")
    @classmethod
    def _source(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise rejected(
                _(
                    "The source of a casualty figure must be text of at most %(limit)s characters.",
                    limit=MAX_SOURCE,
                )
            ) from None

    @model_validator(mode="after")
    def _ordered(self) -> FigureInput:
        try:
            PeopleRange(self.min, self.min if self.max is None else self.max)
        except RejectedInputError as exc:
            raise rejected(exc.message) from None
        return self


class CasualtyInput(FigureInput):
    """A casualty figure, with a breakdown by group."""

    groups: dict[str, FigureInput] | None = Field(
        default=None,
        max_length=len(vocab.CASUALTY_GROUPS),
        description=f"Breakdown by group: {', '.join(vocab.CASUALTY_GROUPS)}",
    )

    @field_validator("groups", mode="wrap")
    @classmethod
    def _groups(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            raise rejected(
                rejection_message(exc.errors())
                or _(
                    "A breakdown by group gives a figure for each of %(names)s.",
                    names=", ".join(vocab.CASUALTY_GROUPS),
                )
            ) from None


class IncidentInput(BaseModel):
    """An incident's content, every field optional (an update gives only what changes);
    terms are vocabulary codes or labels (see /incidents/facets)."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, max_length=MAX_TITLE)
    narrative: str | None = Field(default=None, max_length=MAX_TEXT)
    start: datetime | None = Field(default=None, description="When it began (with a zone)")
    end: datetime | None = Field(default=None, description="When it ended (default: start)")
    time_precision: str | None = Field(
        default=None, max_length=32, description=", ".join(vocab.TIME_PRECISIONS)
    )
    lat: float | None = Field(
        default=None, ge=-90, le=90, allow_inf_nan=False, description="Latitude, WGS 84"
    )
    lon: float | None = Field(
        default=None, ge=-180, le=180, allow_inf_nan=False, description="Longitude, WGS 84"
    )
    radius_m: float | None = Field(
        default=None,
        ge=0,
        le=MAX_RADIUS_M,
        allow_inf_nan=False,
        description="Precision of the place, m",
    )
    settlement: str | None = Field(default=None, max_length=255, description="Default: nearest")
    raion: str | None = Field(default=None, max_length=255)
    oblast: str | None = Field(default=None, max_length=255)
    incident_type: str | None = Field(default=None, max_length=255)
    weapons: list[str] | None = Field(default=None, max_length=50)
    objects: list[str] | None = Field(default=None, max_length=50)
    casualties: dict[str, CasualtyInput] | None = Field(
        default=None, max_length=2, description="killed and/or injured"
    )
    perpetrator: str | None = Field(default=None, max_length=255)
    perpetrator_confidence: str | None = Field(
        default=None, max_length=32, description=", ".join(vocab.CONFIDENCES)
    )
    ihl_concerns: list[str] | None = Field(default=None, max_length=20)

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise rejected(
                _(
                    "An incident is given as named fields such as title, start, lat, lon and "
                    "incident_type."
                )
            )
        unknown = set(data) - set(cls.model_fields)
        if unknown:
            raise rejected(
                _(
                    "Unknown incident field(s): %(names)s.",
                    names=", ".join(sorted(map(str, unknown))),
                )
            )
        return data

    @field_validator("*", mode="wrap")
    @classmethod
    def _in_words(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        field = info.field_name or ""
        try:
            checked = handler(value)
        except ValidationError as exc:
            raise rejected(rejection_message(exc.errors()) or _sentence(field, value)) from None
        if isinstance(checked, datetime) and checked.utcoffset() is None:
            raise rejected(_sentence(field, value))
        return checked

    def doc(self) -> dict[str, Any]:
        """The fields given (explicit nulls included), as the service takes them."""
        return self.model_dump(exclude_unset=True, exclude_none=False)


class NewIncidentInput(IncidentInput):
    """A new incident: a title, when, where and what kind at least."""

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    start: datetime = Field(description="When it began (with a zone)")
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="Latitude, WGS 84")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="Longitude, WGS 84")
    incident_type: str = Field(min_length=1, max_length=255)

    @model_validator(mode="before")
    @classmethod
    def _required(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for field, sentence in REQUIRED.items():
                value = data.get(field)
                if value is None or (isinstance(value, str) and not value.strip()):
                    raise rejected(_(sentence))
        return data


class IncidentChangesInput(IncidentInput):
    """Changes to an incident, with the revision they were made from."""

    revision: int | None = Field(
        default=None,
        ge=1,
        description="The revision you edited; if the incident has changed since, 409",
    )

    def doc(self) -> dict[str, Any]:
        changes = super().doc()
        changes.pop("revision", None)
        return changes


def incident_fields(given: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
    """``given`` checked as an incident's content (``new``: all a new incident needs), as
    the service takes it; refused with the sentences the API gives for the same input."""
    model = NewIncidentInput if new else IncidentInput
    try:
        return model.model_validate(dict(given)).doc()
    except ValidationError as exc:
        raise RejectedInputError(
            rejection_message(exc.errors()) or _("The incident's fields cannot be accepted.")
        ) from None
