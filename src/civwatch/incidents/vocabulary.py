"""Controlled vocabularies: incident types, weapon systems, affected objects, IHL concerns.

Each kind has built-in terms (below) and may be extended by an admin with terms stored in
the ``vocabulary_term`` table. A term is given by its code ("bm_21_grad") or its label
("BM-21 Grad"), in any case and with any punctuation; anything else is a clear error that
lists what is known. Fixed scales (statuses, precisions, roles) are plain tuples here: they
drive rules, so they are not extensible.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from civwatch.errors import RejectedInputError

#: kind -> code -> label, shipped with civwatch.
BUILTIN: Final[dict[str, dict[str, str]]] = {
    "incident_type": {
        "missile_strike": "Missile strike",
        "air_strike": "Air strike",
        "shelling": "Artillery or rocket shelling",
        "cluster_munition": "Cluster munition attack",
        "drone_attack": "Drone attack",
        "ground_attack": "Ground attack",
        "landmine_erw": "Landmine or explosive remnant of war",
        "other": "Other",
    },
    "weapon": {
        "iskander_m": "Iskander-M",
        "kalibr": "Kalibr",
        "kh_101": "Kh-101",
        "kh_22": "Kh-22",
        "s_300": "S-300 used against ground targets",
        "bm_21_grad": "BM-21 Grad",
        "bm_27_uragan": "BM-27 Uragan",
        "bm_30_smerch": "BM-30 Smerch",
        "tochka_u": "Tochka-U",
        "shahed_136": "Shahed-136/Geran-2",
        "lancet": "Lancet",
    },
    "object": {
        "hospital": "Hospital or clinic",
        "school": "School",
        "kindergarten": "Kindergarten",
        "residential": "Residential building",
        "shelter": "Shelter",
        "energy": "Energy infrastructure",
        "water": "Water supply",
        "humanitarian": "Humanitarian site",
        "cultural": "Cultural property",
        "market": "Market or shop",
        "railway_station": "Railway station",
        "worship": "Place of worship",
        "other": "Other",
    },
    "ihl_concern": {
        "indiscriminate_attack": "Indiscriminate attack",
        "protected_object": "Attack on a protected object",
        "prohibited_weapon": "Prohibited weapon",
        "disproportionate_attack": "Disproportionate attack",
        "no_precautions": "Failure to take feasible precautions",
        "other": "Other",
    },
}
KINDS: Final = tuple(BUILTIN)

INCIDENT_STATUSES: Final = (
    "reported",
    "under_verification",
    "in_review",
    "verified",
    "unverifiable",
    "false_or_misattributed",
)
ITEM_STATUSES: Final = (
    "unverified",
    "under_verification",
    "in_review",
    "verified",
    "unverifiable",
    "false_or_misattributed",
)
#: What a submission for review may propose (for incidents and items alike).
OUTCOMES: Final = ("verified", "unverifiable", "false_or_misattributed")
VISIBILITIES: Final = ("internal", "public")
TIME_PRECISIONS: Final = ("exact", "hour", "day", "approximate")
CONFIDENCES: Final = ("confirmed", "likely", "unclear")
LINK_ROLES: Final = ("primary", "corroborating", "context")
CASUALTY_KINDS: Final = ("killed", "injured")
CASUALTY_GROUPS: Final = ("children", "women", "older_people", "health_workers")
RECORD_KINDS: Final = ("source", "geolocation", "chronolocation", "content")
RELIABILITIES: Final = ("reliable", "usually_reliable", "unclear", "unreliable")
LEVELS: Final = ("high", "medium", "low")

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """The code form of a term or label: "BM-21 Grad" -> "bm_21_grad"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub("_", ascii_only).strip("_")


def choose(value: str, allowed: tuple[str, ...], what: str) -> str:
    """``value`` as one of a fixed scale (hyphens, spaces and case are forgiven)."""
    code = slug(value) if isinstance(value, str) else ""
    if code not in allowed:
        raise RejectedInputError(f"Unknown {what} {value!r}; use one of: {', '.join(allowed)}.")
    return code


def resolve(kind: str, value: str, extra: dict[str, str] | None = None) -> str:
    """The code of the term ``value`` of ``kind`` (built-in or from ``extra``: code -> label)."""
    if kind not in BUILTIN:
        raise RejectedInputError(f"Unknown vocabulary {kind!r}; use one of: {', '.join(KINDS)}.")
    terms = {**BUILTIN[kind], **(extra or {})}
    wanted = slug(value) if isinstance(value, str) else ""
    if wanted in terms:
        return wanted
    for code, label in terms.items():
        if slug(label) == wanted or any(slug(part) == wanted for part in label.split("/")):
            return code
    known = ", ".join(sorted(terms))
    raise RejectedInputError(
        f"Unknown {kind.replace('_', ' ')} {value!r}; known terms: {known}. "
        "An admin can add a term with `civwatch incident vocab add`."
    )
