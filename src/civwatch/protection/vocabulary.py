"""The protection desk's fixed vocabularies: codes stored on rows and in the API, and their
labels.

Codes never change (the API, the command line and stored rows use them); labels are
English, marked with ``N_`` for the catalogues, and shown in the reader's language by
:func:`label`. These are fixed scales that drive rules (the case state machine, the risk
level, consent checks), so admins do not extend them.
"""

from __future__ import annotations

from typing import Final

from civwatch.errors import RejectedInputError
from civwatch.i18n import N_, _, gettext

#: Threats a person at risk faces (a risk assessment names one or more).
THREATS: Final[dict[str, str]] = {
    "detention": N_("Detention"),
    "enforced-disappearance": N_("Enforced disappearance"),
    "torture": N_("Torture"),
    "killing": N_("Killing"),
    "sexual-violence": N_("Sexual violence"),
    "prosecution": N_("Prosecution"),
    "filtration": N_("Filtration"),
    "surveillance": N_("Surveillance"),
    "forced-conscription": N_("Forced conscription"),
    "deportation": N_("Deportation"),
    "other": N_("Other threat"),
}

#: Profile groups: why a person is targeted.
GROUPS: Final[dict[str, str]] = {
    "human-rights-defender": N_("Human-rights defender"),
    "journalist": N_("Journalist"),
    "lgbti": N_("LGBTI person"),
    "minority": N_("Member of a minority"),
    "activist": N_("Activist"),
    "lawyer": N_("Lawyer"),
    "public-official": N_("Public official"),
    "other": N_("Other group"),
}

#: Kinds of case.
CASE_KINDS: Final[dict[str, str]] = {
    "safe-exit": N_("Safe exit"),
    "relocation": N_("Relocation"),
    "protection-support": N_("Protection support"),
}

#: States of a case, in the order a case usually goes through them.
CASE_STATES: Final[dict[str, str]] = {
    "intake": N_("Intake"),
    "assessment": N_("Assessment"),
    "plan": N_("Planning"),
    "approved": N_("Approved"),
    "in-progress": N_("In progress"),
    "completed": N_("Completed"),
    "withdrawn": N_("Withdrawn"),
    "suspended": N_("Suspended"),
}

#: Kinds of task on a case.
TASK_KINDS: Final[dict[str, str]] = {
    "documents": N_("Documents"),
    "transport": N_("Transport"),
    "route": N_("Route"),
    "host-partner": N_("Host partner"),
    "accommodation": N_("Accommodation"),
    "visa": N_("Visa"),
    "funds": N_("Funds"),
    "other": N_("Other task"),
}

#: Purposes a person consents to, one by one.
PURPOSES: Final[dict[str, str]] = {
    "case-handling": N_("Case handling"),
    "referral": N_("Referral to a partner organisation"),
    "relief-grant": N_("Relief grant"),
    "contact": N_("Contact through a given channel"),
    "sensitive-storage": N_("Storage of sensitive categories"),
}

#: Risk levels, lowest first.
RISK_LEVELS: Final[dict[str, str]] = {
    "low": N_("Low risk"),
    "medium": N_("Medium risk"),
    "high": N_("High risk"),
    "critical": N_("Critical risk"),
}

#: States of a referral to a partner organisation.
REFERRAL_STATES: Final[dict[str, str]] = {
    "sent": N_("Sent"),
    "accepted": N_("Accepted by the partner"),
    "declined": N_("Declined by the partner"),
    "closed": N_("Closed"),
    "revoked": N_("Revoked"),
}

#: States of a request for help.
HELP_REQUEST_STATES: Final[dict[str, str]] = {
    "new": N_("New request"),
    "opened": N_("Opened"),
    "converted": N_("Registered as a person"),
    "closed": N_("Closed"),
}

#: Roles in a case team.
MEMBER_ROLES: Final[dict[str, str]] = {
    "lead": N_("Case lead"),
    "member": N_("Team member"),
}

#: Each vocabulary by its name (``label`` and ``check_code`` take the name).
VOCABULARIES: Final[dict[str, dict[str, str]]] = {
    "threat": THREATS,
    "group": GROUPS,
    "case-kind": CASE_KINDS,
    "case-state": CASE_STATES,
    "task-kind": TASK_KINDS,
    "purpose": PURPOSES,
    "risk-level": RISK_LEVELS,
    "referral-state": REFERRAL_STATES,
    "help-request-state": HELP_REQUEST_STATES,
    "member-role": MEMBER_ROLES,
}


def label(vocabulary: str, code: str) -> str:
    """The label of ``code`` in ``vocabulary``, in the language in force (an unknown code
    is shown as it is)."""
    text = VOCABULARIES[vocabulary].get(code)
    return code if text is None else gettext(text)


def check_code(vocabulary: str, code: str) -> str:
    """``code`` if ``vocabulary`` knows it (case and spaces forgiven), else a clear error
    listing the codes it knows."""
    known = VOCABULARIES[vocabulary]
    given = code.strip().casefold().replace(" ", "-").replace("_", "-")
    if given in known:
        return given
    raise RejectedInputError(
        _(
            "%(code)s is not a known code here; use one of: %(known)s.",
            code=repr(code),
            known=", ".join(known),
        )
    )
