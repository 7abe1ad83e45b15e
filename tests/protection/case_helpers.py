"""What the tests of cases, risk, check-ins, referrals and requests for help share: a
person registered with marker strings, consent given, a case opened, and a scan of the
data folder for plaintext."""

from __future__ import annotations

from pathlib import Path

from civwatch.accounts.principal import Principal
from civwatch.workspace import Workspace

MARK_NAME = "MARKERNAME-Ꙁ-7f3a"
MARK_PHONE = "+380671234567"
MARK_DOC = "MARKERDOC77"
MARK_PLACE = "MARKERPLACE-Чоп-19"
MARK_NOTE = "MARKERNOTE-ʼїжак-44"
PASSWORD = "a long and careful password 7"


def add_marked_person(ws: Workspace, officer: Principal) -> str:
    """A person registered by ``officer`` with a marker name, phone and document."""
    from civwatch.protection.person_input import PersonInput
    from civwatch.protection.persons import add_person

    return add_person(
        ws,
        officer,
        PersonInput.model_validate(
            {
                "names": [{"name": MARK_NAME, "kind": "legal"}],
                "contacts": [{"kind": "phone", "value": MARK_PHONE}],
                "documents": [{"kind": "passport", "number": MARK_DOC}],
                "groups": ["journalist"],
            }
        ),
    )


def give_consent(
    ws: Workspace,
    officer: Principal,
    person_id: str,
    purpose: str,
    *,
    partner_id: str | None = None,
) -> None:
    """The person's consent to ``purpose`` (to ``partner_id`` for a referral), recorded
    by ``officer``."""
    from civwatch.protection.consent import record_consent

    record_consent(ws, officer, person_id, purpose, partner_id=partner_id, how="verbal")


def open_marked_case(ws: Workspace, officer: Principal) -> tuple[str, str]:
    """A person with markers, consenting to case handling, and a safe-exit case of
    theirs led by ``officer``: (person id, case id)."""
    from civwatch.protection.cases import open_case

    person_id = add_marked_person(ws, officer)
    give_consent(ws, officer, person_id, "case-handling")
    return person_id, open_case(ws, officer, person_id, "safe-exit")


def set_password(ws: Workspace, username: str, password: str = PASSWORD) -> None:
    """Give ``username`` a password (for acts that ask for it again)."""
    from civwatch.accounts.local import set_password_locally

    set_password_locally(ws, username, password)


def files_holding(folder: Path, *texts: str) -> list[str]:
    """Every file under ``folder`` holding one of ``texts`` in UTF-8 or UTF-16 (either
    byte order): ``"path: text"`` for each find."""
    found = []
    forms = {
        text: [text.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")] for text in texts
    }
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for text, encoded in forms.items():
            if any(form in data for form in encoded):
                found.append(f"{path.relative_to(folder)}: {text}")
    return found
