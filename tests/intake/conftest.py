"""Fixtures of the field testimony tests: a workspace whose protection desk is set up
(cheap argon2id), interviewers, a verifier, a protection lead, and an incident with
evidence; and ``who(username)``: that user acting through a browser session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from civwatch.accounts import add_user
from civwatch.accounts.credentials import reset_totp
from civwatch.accounts.principal import Principal
from civwatch.config import Settings
from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.geo.gazetteer import Gazetteer
from civwatch.intake.testimony import TestimonyInput, WitnessInput
from civwatch.workspace import Workspace
from tests.incidents.helpers import gazetteer_cache, incident_doc, places  # noqa: F401
from tests.protection.conftest import PASSPHRASE, principal_of
from tests.support.files import noise_jpeg

#: Marker values for the witness: they must be found nowhere in plain text but on the
#: team's identity page.
MARKER_NAME = "WITNESSMARK-Ꙁ-3c9d"
MARKER_PHONE = "+380 50 765 4321"
MARKER_HOME = "HOMEMARK-Ꙃ-81aa"
MARKER_BIRTH = "1931-07-04"
TAKEN = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
USERS = {
    "ivan": ["investigator"],
    "iryna": ["investigator"],
    "vera": ["verifier"],
    "viktor": ["verifier", "investigator"],
    "lead1": ["protection_lead"],
    "lead2": ["protection_lead"],
    "olek": ["protection_officer"],
    "pat": ["publisher"],
    "val": ["viewer"],
}

#: Who signs in with a second factor (what reading a witness's identity needs).
SECOND_FACTOR = ("ivan", "iryna", "lead1", "lead2", "olek")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "protection_passphrase": SecretStr(PASSPHRASE),
            "protection_kdf_memory_kib": 1024,
            "protection_kdf_time_cost": 1,
        }
    )


@dataclass
class Field:
    ws: Workspace
    incident: int
    sha256: str
    who: Callable[[str], Principal]


@pytest.fixture
def field(workspace: Workspace, places: Gazetteer, tmp_path: Path) -> Field:  # noqa: F811
    from civwatch.incidents.service import create_incident, link_evidence
    from civwatch.protection.desk import init_desk

    add_user(workspace, "admin", "Admin", ["admin"], actor=None)
    for name, roles in USERS.items():
        add_user(workspace, name, name.title(), roles, actor="admin")
        if name in SECOND_FACTOR:
            reset_totp(workspace, name, actor="admin")
    init_desk(workspace, passphrase=PASSPHRASE, actor=principal_of(workspace, "lead1"))
    path = noise_jpeg(tmp_path / "strike.jpg", size=(32, 32))
    (outcome,) = Ingest(workspace, source=SourceInfo(), collector="ivan").run(
        [Candidate(path, path.name)]
    )
    assert outcome.sha256
    incident = create_incident(workspace, incident_doc(), actor="ivan", places=places)
    link_evidence(workspace, incident["id"], outcome.sha256, actor="ivan")
    return Field(workspace, incident["id"], outcome.sha256, lambda u: principal_of(workspace, u))


def marked(incident: int, **over: object) -> TestimonyInput:
    """A testimony whose witness's every field holds a marker."""
    data = TestimonyInput(
        statement="I saw the missile hit the hospital's east wing at half past nine.",
        taken_at=TAKEN,
        language="uk",
        taken_place="Kharkiv, a volunteer centre",
        incidents=[incident],
        witness=WitnessInput(
            name=MARKER_NAME,
            contacts=[MARKER_PHONE],
            birth_date=MARKER_BIRTH,
            residence=MARKER_HOME,
        ),
    )
    for key, value in over.items():
        setattr(data, key, value)
    return data


@pytest.fixture
def olena(workspace: Workspace) -> str:
    """The investigator the chat-export tests import as (an import asks her permission)."""
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    add_user(workspace, "olena", "Olena", ["investigator"], actor="ada")
    return "olena"
