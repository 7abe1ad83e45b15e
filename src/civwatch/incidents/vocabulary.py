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
from civwatch.i18n import N_, _, gettext

#: kind -> code -> label, shipped with civwatch. Labels are English, marked for the
#: catalogues: :func:`term_label` gives them in the reader's language. Codes never change
#: (open data and the API use them).
BUILTIN: Final[dict[str, dict[str, str]]] = {
    "incident_type": {
        "missile_strike": N_("Missile strike"),
        "air_strike": N_("Air strike"),
        "shelling": N_("Artillery or rocket shelling"),
        "cluster_munition": N_("Cluster munition attack"),
        "drone_attack": N_("Drone attack"),
        "ground_attack": N_("Ground attack"),
        "landmine_erw": N_("Landmine or explosive remnant of war"),
        "other": N_("Other"),
    },
    "weapon": {
        "iskander_m": N_("Iskander-M"),
        "kalibr": N_("Kalibr"),
        "kh_101": N_("Kh-101"),
        "kh_22": N_("Kh-22"),
        "s_300": N_("S-300 used against ground targets"),
        "bm_21_grad": N_("BM-21 Grad"),
        "bm_27_uragan": N_("BM-27 Uragan"),
        "bm_30_smerch": N_("BM-30 Smerch"),
        "tochka_u": N_("Tochka-U"),
        "shahed_136": N_("Shahed-136/Geran-2"),
        "lancet": N_("Lancet"),
    },
    "object": {
        "hospital": N_("Hospital or clinic"),
        "school": N_("School"),
        "kindergarten": N_("Kindergarten"),
        "residential": N_("Residential building"),
        "shelter": N_("Shelter"),
        "energy": N_("Energy infrastructure"),
        "water": N_("Water supply"),
        "humanitarian": N_("Humanitarian site"),
        "cultural": N_("Cultural property"),
        "market": N_("Market or shop"),
        "railway_station": N_("Railway station"),
        "worship": N_("Place of worship"),
        "other": N_("Other"),
    },
    "ihl_concern": {
        "indiscriminate_attack": N_("Indiscriminate attack"),
        "protected_object": N_("Attack on a protected object"),
        "prohibited_weapon": N_("Prohibited weapon"),
        "disproportionate_attack": N_("Disproportionate attack"),
        "no_precautions": N_("Failure to take feasible precautions"),
        "other": N_("Other"),
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

#: Labels of the fixed scales, by scale and code (English, marked for the catalogues; shown
#: through :func:`term_label`).
SCALE_LABELS: Final[dict[str, dict[str, str]]] = {
    "status": {
        "reported": N_("reported"),
        "unverified": N_("unverified"),
        "under_verification": N_("under verification"),
        "in_review": N_("in review"),
        "verified": N_("verified"),
        "unverifiable": N_("unverifiable"),
        "false_or_misattributed": N_("false or misattributed"),
    },
    "visibility": {"internal": N_("internal"), "public": N_("public")},
    "time_precision": {
        "exact": N_("exact time"),
        "hour": N_("to the hour"),
        "day": N_("to the day"),
        "approximate": N_("approximate"),
    },
    "confidence": {
        "confirmed": N_("confirmed"),
        "likely": N_("likely"),
        "unclear": N_("unclear"),
    },
    "link_role": {
        "primary": N_("primary"),
        "corroborating": N_("corroborating"),
        "context": N_("context"),
    },
    "casualty_kind": {"killed": N_("killed"), "injured": N_("injured")},
    "casualty_group": {
        "children": N_("children"),
        "women": N_("women"),
        "older_people": N_("older people"),
        "health_workers": N_("health workers"),
    },
    "record_kind": {
        "source": N_("source"),
        "geolocation": N_("geolocation"),
        "chronolocation": N_("chronolocation"),
        "content": N_("content"),
    },
    "reliability": {
        "reliable": N_("reliable"),
        "usually_reliable": N_("usually reliable"),
        "unclear": N_("unclear"),
        "unreliable": N_("unreliable"),
    },
    "level": {"high": N_("high"), "medium": N_("medium"), "low": N_("low")},
    "location_precision": {
        "exact": N_("exact point"),
        "settlement": N_("settlement"),
        "raion": N_("district (raion)"),
        "oblast": N_("region (oblast)"),
    },
}


def term_label(kind: str, code: str | None, extra: dict[str, str] | None = None) -> str:
    """The label of ``code`` in a vocabulary (``BUILTIN``) or scale (``SCALE_LABELS``) for
    the reader's language; a term an admin added (``extra``: code -> label) keeps its one
    label; an unknown code is shown as words ("bm_21" -> "Bm 21"). Empty code: ""."""
    if not code:
        return ""
    known_label = BUILTIN.get(kind, {}).get(code) or SCALE_LABELS.get(kind, {}).get(code)
    if known_label:
        return gettext(known_label)
    if extra and code in extra:
        return extra[code]
    return code.replace("_", " ").capitalize()


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
        raise RejectedInputError(
            _(
                "Unknown %(what)s %(value)s; use one of: %(names)s.",
                what=what,
                value=repr(value),
                names=", ".join(allowed),
            )
        )
    return code


def resolve(kind: str, value: str, extra: dict[str, str] | None = None) -> str:
    """The code of the term ``value`` of ``kind`` (built-in or from ``extra``: code -> label)."""
    if kind not in BUILTIN:
        raise RejectedInputError(
            _(
                "Unknown vocabulary %(kind)s; use one of: %(names)s.",
                kind=repr(kind),
                names=", ".join(KINDS),
            )
        )
    terms = {**BUILTIN[kind], **(extra or {})}
    wanted = slug(value) if isinstance(value, str) else ""
    if wanted in terms:
        return wanted
    for code, label in terms.items():
        if slug(label) == wanted or any(slug(part) == wanted for part in label.split("/")):
            return code
    known = ", ".join(sorted(terms))
    raise RejectedInputError(
        _(
            "Unknown %(kind)s %(value)s; known terms: %(known)s. An admin can add a term "
            "with `civwatch incident vocab add`.",
            kind=kind.replace("_", " "),
            value=repr(value),
            known=known,
        )
    )
