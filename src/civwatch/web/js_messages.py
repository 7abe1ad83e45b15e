"""The texts the pages' scripts show (uploads, jobs, maps), in the reader's language.

A page carries them in ``<html data-messages="...">`` (JSON); ``static/i18n.js`` reads them:
``civwatchT.t(id, values)``, ``civwatchT.tn(id, n, values)`` (plural forms chosen by the
browser's ``Intl.PluralRules`` for the page's language, from the forms the catalogue gives
for each CLDR plural category) and ``civwatchT.label(kind, code)``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from babel import Locale

from civwatch.geo.place_names import place_name
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import Message, _, ngettext, use_language
from civwatch.incidents.vocabulary import BUILTIN, SCALE_LABELS, term_label
from civwatch.web.labels import JOB_STATES, UPLOAD_OUTCOMES, _from

#: Numbers that together fall in every plural category of the languages civwatch has.
_SAMPLES = (0, 1, 2, 3, 4, 5, 11, 12, 21, 22, 25, 101, 111)


def _messages() -> dict[str, Message]:
    return {
        "job": _("job %(id)s"),
        "processing": _("Processing:"),
        "upload-result": _("Upload result"),
        "upload-failed-job": _("The upload job failed"),
        "uploading": _("Uploading…"),
        "uploading-percent": _("Uploading: %(percent)s%%", percent="%(percent)s"),
        "sent": _("Sent; waiting for the server to confirm…"),
        "received": _("Received; storing and checking in the background…"),
        "upload-failed": _("Upload failed (%(status)s).", status="%(status)s"),
        "interrupted": _("The upload was interrupted: check the connection and try again."),
        "new": _("new"),
        "already-held": _("already held"),
        "first-seen": _(", first seen %(when)s", when="%(when)s"),
        "item": _("item"),
        "job-unavailable": _("The job cannot be shown."),
        "done-of": _("%(done)s of %(total)s done.", done="%(done)s", total="%(total)s"),
        "incident": _("Incident %(id)s", id="%(id)s"),
        "no-figures": _("no casualty figures"),
        "not-known": _("casualties not known"),
        # TRANSLATORS: a map's count of incidents in an area, when the answer lacks it
        "count-not-known": _("not known"),
        "killed": _("killed: %(range)s", range="%(range)s"),
        "injured": _("injured: %(range)s", range="%(range)s"),
        "loading": _("Loading incidents…"),
        "server-answered": _("the server answered %(status)s", status="%(status)s"),
        "map-failed": _("The map could not load incidents: %(error)s", error="%(error)s"),
        "public-map-failed": _(
            "The map could not load incidents (%(error)s); the list below shows them.",
            error="%(error)s",
        ),
        "utc": _("UTC"),
        "zoom-in": _("Zoom in"),
        "zoom-out": _("Zoom out"),
        "metadata-location": _("Location in the file's metadata (not verified)"),
        "place-marker": _("The incident's place"),
        "place-searching": _("Looking the name up in the gazetteer…"),
        "place-none": _(
            "No place called %(name)s in the gazetteer: check the spelling, or click the map.",
            name="%(name)s",
        ),
        "place-failed": _("The place search failed: %(error)s", error="%(error)s"),
        "place-chosen": _(
            "%(name)s chosen: latitude %(lat)s, longitude %(lon)s.",
            name="%(name)s",
            lat="%(lat)s",
            lon="%(lon)s",
        ),
        "place-set": _(
            "Place set on the map: latitude %(lat)s, longitude %(lon)s.",
            lat="%(lat)s",
            lon="%(lon)s",
        ),
    }


def _plurals() -> dict[str, Callable[[int], Message]]:
    return {
        "loading-so-far": lambda n: ngettext(
            "Loading incidents… %(num)s so far", "Loading incidents… %(num)s so far", n
        ),
        "places-found": lambda n: ngettext(
            "%(num)s place found: choose one.", "%(num)s places found: choose one.", n
        ),
        "in-view": lambda n: ngettext(
            "%(num)s incident in this part of the map.",
            "%(num)s incidents in this part of the map.",
            n,
        ),
        "in-view-first": lambda n: ngettext(
            "%(num)s incident in this part of the map (the first %(num)s; zoom in to see all).",
            "%(num)s incidents in this part of the map (the first %(num)s; zoom in to see all).",
            n,
        ),
        "in-view-cells": lambda n: ngettext(
            "%(num)s incident in this part of the map, counted by area: click a number to zoom in.",
            "%(num)s incidents in this part of the map, counted by area: click a number to "
            "zoom in.",
            n,
        ),
        "cell-count": lambda n: ngettext(
            "%(num)s incident in this area: click to zoom in",
            "%(num)s incidents in this area: click to zoom in",
            n,
        ),
        "faces-found": lambda n: ngettext(
            "The face finder found %(num)s face.", "The face finder found %(num)s faces.", n
        ),
        "copies": lambda n: ngettext(
            "copy of %(num)s other item", "copy of %(num)s other items", n
        ),
    }


@functools.cache
def js_messages_json(language: str) -> str:
    """:func:`js_messages` as JSON text (for the ``data-messages`` attribute)."""
    return json.dumps(js_messages(language), ensure_ascii=False, separators=(",", ":"))


def js_messages(language: str) -> dict[str, Any]:
    """Everything the scripts may say, in ``language`` (kept per language)."""
    with use_language(language):
        locale = Locale.parse(language)
        plurals: dict[str, dict[str, str]] = {}
        for key, make in _plurals().items():
            forms: dict[str, str] = {}
            for n in _SAMPLES:
                # "%(num)s" stays a placeholder: the script fills it in.
                forms.setdefault(str(locale.plural_form(n)), make(n).replace(str(n), "%(num)s"))
            plurals[key] = forms
        labels = {
            kind: {code: term_label(kind, code) for code in codes}
            for kind, codes in {**BUILTIN, **SCALE_LABELS}.items()
            if kind in ("incident_type", "status", "visibility")
        }
        labels["job_state"] = {code: _from(JOB_STATES, code) for code in JOB_STATES}
        labels["upload_outcome"] = {code: _from(UPLOAD_OUTCOMES, code) for code in UPLOAD_OUTCOMES}
        labels["oblast"] = {
            english: place_name(english, language) for english, _uk in UKRAINE_ADMIN1.values()
        }
        return {
            "messages": {key: str(text) for key, text in _messages().items()},
            "plurals": plurals,
            "labels": labels,
        }
