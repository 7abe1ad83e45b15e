"""Words the pages show for codes: roles, job states, custody acts, verification acts,
publication events, and the controlled vocabularies (through
:func:`civwatch.incidents.vocabulary.term_label`). English, marked for the catalogues,
shown in the reader's language."""

from __future__ import annotations

from jinja2 import Environment

from civwatch.i18n import N_, gettext
from civwatch.incidents.vocabulary import term_label

ROLE_LABELS = {
    "admin": N_("admin"),
    "investigator": N_("investigator"),
    "verifier": N_("verifier"),
    "publisher": N_("publisher"),
    "protection_officer": N_("protection officer"),
    "viewer": N_("viewer"),
}
JOB_STATES = {
    "queued": N_("waiting"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
}
#: What happened in a verification history (incidents and evidence items).
VERIFICATION_ACTS = {
    "start": N_("verification started"),
    "submit": N_("submitted for review"),
    "approve": N_("approved"),
    "reject": N_("rejected"),
    "reopen": N_("reopened"),
    "withdraw": N_("withdrawn"),
    "publish": N_("published"),
    "unpublish": N_("withdrawn from the public site"),
}
#: Events of an incident's public history.
PUBLICATION_EVENTS = {
    "published": N_("Published"),
    "corrected": N_("Corrected"),
    "withdrawn": N_("Withdrawn"),
}
#: Outcomes of one file of an upload.
UPLOAD_OUTCOMES = {
    "ingested": N_("stored"),
    "duplicate": N_("already held"),
    "rejected": N_("refused"),
}


def _from(table: dict[str, str], code: object) -> str:
    text = "" if code is None else str(code)
    found = table.get(text)
    return gettext(found) if found else text.replace("_", " ")


def role_label(role: object) -> str:
    """A role in the reader's language ("protection_officer" -> "protection officer")."""
    return _from(ROLE_LABELS, role)


def install(env: Environment) -> Environment:
    """Give the templates ``label(kind, code)``, ``role_label``, ``job_state``,
    ``verification_act``, ``publication_event`` and ``upload_outcome``."""
    env.globals.update(
        {
            "label": term_label,
            "role_label": role_label,
            "job_state": lambda code: _from(JOB_STATES, code),
            "verification_act": lambda code: _from(VERIFICATION_ACTS, code),
            "publication_event": lambda code: _from(PUBLICATION_EVENTS, code),
            "upload_outcome": lambda code: _from(UPLOAD_OUTCOMES, code),
        }
    )
    return env
