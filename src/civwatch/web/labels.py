"""Words the pages show for codes: roles, job states, custody acts, verification acts,
publication events, and the controlled vocabularies (through
:func:`civwatch.incidents.vocabulary.term_label`). English, marked for the catalogues,
shown in the reader's language."""

from __future__ import annotations

from jinja2 import Environment

from civwatch.accounts import roles
from civwatch.i18n import N_, SOURCE_LANGUAGE, current_language, gettext
from civwatch.incidents.vocabulary import term_label

ROLE_LABELS = roles.ROLE_LABELS
JOB_STATES = {
    "queued": N_("waiting"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
}
#: What happened in a verification history (incidents and evidence items).
VERIFICATION_ACTS = {  # TRANSLATORS: the English text is the act's short code
    "start": N_("start"),
    "submit": N_("submit"),
    "approve": N_("approve"),
    "reject": N_("reject"),
    "reopen": N_("reopen"),
    "withdraw": N_("withdraw"),
    "publish": N_("publish"),
    "unpublish": N_("unpublish"),
}
#: Events of an incident's public history.
PUBLICATION_EVENTS = {
    "published": N_("published"),
    "corrected": N_("corrected"),
    "withdrawn": N_("withdrawn"),
}
#: Outcomes of one file of an upload.
UPLOAD_OUTCOMES = {
    "ingested": N_("ingested"),
    "duplicate": N_("duplicate"),
    "rejected": N_("rejected"),
}

#: Fields of an item's normalised metadata.
METADATA_FIELDS = {
    "captured_at": N_("captured at"),
    "captured_at_is_local": N_("captured at is local"),
    "gps_lat": N_("gps lat"),
    "gps_lon": N_("gps lon"),
    "gps_alt": N_("gps alt"),
    "device_make": N_("device make"),
    "device_model": N_("device model"),
    "software": N_("software"),
    "width": N_("width"),
    "height": N_("height"),
    "duration_s": N_("duration s"),
    "orientation": N_("orientation"),
    "c2pa": N_("c2pa"),
}
#: Fields of verification records.
RECORD_FIELDS = {
    "account": N_("account"),
    "platform": N_("platform"),
    "url": N_("link"),
    "first_seen": N_("first seen"),
    "reliability": N_("reliability"),
    "notes": N_("notes"),
    "claimed_place": N_("place claimed"),
    "lat": N_("latitude"),
    "lon": N_("longitude"),
    "precision_m": N_("precision (metres)"),
    "method": N_("method"),
    "references": N_("references"),
    "confidence": N_("confidence"),
    "window_start": N_("earliest time"),
    "window_end": N_("latest time"),
    "claimed_time": N_("time claimed by the source"),
    "metadata_time": N_("time in the metadata"),
    "weapon": N_("weapon"),
    "munition_remnants": N_("munition remnants"),
    "damage": N_("damage"),
    "injuries": N_("injuries"),
}
#: What an item of a web capture is.
CAPTURE_KINDS = {
    "wacz": N_("web archive (WACZ)"),
    "screenshot": N_("full-page screenshot"),
    "html": N_("rendered HTML"),
    "media": N_("media from the page"),
}
#: Acts of the custody log.
CUSTODY_ACTS = {
    "ingest": N_("stored"),
    "sighting": N_("seen again"),
    "extract": N_("metadata read"),
    "hash": N_("hashed for comparison"),
    "match": N_("copy found"),
    "unpack": N_("archive unpacked"),
    "message-import": N_("chat message imported"),
    "web-capture": N_("web page captured"),
    "verification-record": N_("verification record"),
    "item-start": N_("item: verification started"),
    "item-submit": N_("item: submitted for review"),
    "item-approve": N_("item: approved"),
    "item-reject": N_("item: rejected"),
    "item-reopen": N_("item: reopened"),
    "incident-create": N_("incident recorded"),
    "incident-update": N_("incident changed"),
    "incident-start": N_("incident: verification started"),
    "incident-submit": N_("incident: submitted for review"),
    "incident-approve": N_("incident: approved"),
    "incident-reject": N_("incident: rejected"),
    "incident-reopen": N_("incident: reopened"),
    "incident-publish": N_("incident published"),
    "incident-unpublish": N_("incident withdrawn"),
    "incident-change-propose": N_("change proposed"),
    "incident-change-approve": N_("change approved"),
    "incident-change-reject": N_("change rejected"),
    "incident-change-apply": N_("change applied"),
    "incident-precision": N_("public location precision"),
    "incident-correction": N_("correction"),
    "evidence-link": N_("evidence linked"),
    "evidence-unlink": N_("evidence unlinked"),
    "suggestion-confirm": N_("suggestion confirmed"),
    "suggestion-dismiss": N_("suggestion dismissed"),
    "vocabulary-add": N_("vocabulary term added"),
    "places-import": N_("places imported"),
    "redaction-create": N_("redacted copy made"),
    "redaction-approve": N_("redacted copy approved"),
    "export": N_("evidence package exported"),
    "user-add": N_("user added"),
    "user-disable": N_("user disabled"),
    "user-enable": N_("user enabled again"),
    "user-roles": N_("roles of a user changed"),
}


def _from(table: dict[str, str], code: object) -> str:
    text = "" if code is None else str(code)
    found = table.get(text)
    return gettext(found) if found else text.replace("_", " ")


def publication_event(kind: object) -> str:
    """An event of the public history ("corrected") in the reader's language."""
    return _from(PUBLICATION_EVENTS, kind)


def custody_act(act: object) -> str:
    """A custody log act as its code in English (the log's own word, "ingest"), in words
    with the code in other languages ("збережено (ingest)"); "—" for none."""
    if not act:
        return "—"
    if current_language() == SOURCE_LANGUAGE:
        return str(act)
    found = CUSTODY_ACTS.get(str(act))
    return f"{gettext(found)} ({act})" if found else str(act)


def role_label(role: object) -> str:
    """A role in the reader's language ("protection_officer" -> "protection officer")."""
    return _from(ROLE_LABELS, role)


def install(env: Environment) -> Environment:
    """Give the templates ``label(kind, code)``, ``role_label``, ``job_state``,
    ``verification_act``, ``publication_event``, ``upload_outcome``, ``custody_act`` and
    ``capture_kind``."""
    env.globals.update(
        {
            "label": term_label,
            "role_label": role_label,
            "job_state": lambda code: _from(JOB_STATES, code),
            "verification_act": lambda code: _from(VERIFICATION_ACTS, code),
            "publication_event": publication_event,
            "upload_outcome": lambda code: _from(UPLOAD_OUTCOMES, code),
            "metadata_field": lambda code: _from(METADATA_FIELDS, code),
            "record_field": lambda code: _from(RECORD_FIELDS, code),
            "custody_act": custody_act,
            "capture_kind": lambda code: _from(CAPTURE_KINDS, code),
        }
    )
    return env
