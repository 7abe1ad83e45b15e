"""What a custody verification finds is told in the reader's language (issue 13): the
findings of the log audit and of the row checks read in Ukrainian under
``use_language("uk")`` - also those found by worker processes - while ``--json`` keeps
them in English. The expected texts come from the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from civwatch.custody import CustodyLog
from civwatch.custody.bindings import Problem
from civwatch.custody.models import CustodyLeaf
from civwatch.db import transaction
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.evidence.models import Sighting
from civwatch.i18n import _, localise, use_language
from civwatch.integrity import verify_workspace
from civwatch.workspace import Workspace
from tests.support.files import noise_jpeg

CYRILLIC = re.compile(r"[а-яіїєґ]{4}", re.IGNORECASE)
ALTERED = (
    "Leaf %(index)s: the stored entry bytes do not match its leaf hash (the entry was altered)."
)


@pytest.mark.raw_custody_entries
def test_an_altered_entry_is_named_in_ukrainian(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        log.append(session, [{"act": "ingest", "n": n} for n in range(8)])
        log.sign_head(session, key, timestamp_ms=1_700_000_000_000)
        session.execute(
            update(CustodyLeaf).where(CustodyLeaf.idx == 5).values(entry=b'{"act":"forged"}')
        )
    with use_language("uk"), sessions() as session:
        problems = log.verify(session, key.public_key())
        expected = _(ALTERED, index=5)
    assert problems == [expected] and CYRILLIC.search(problems[0])
    assert localise(problems[0], "en") == (
        "Leaf 5: the stored entry bytes do not match its leaf hash (the entry was altered)."
    )


def test_the_row_or_entry_a_finding_concerns_is_named_in_ukrainian() -> None:
    with use_language("en"):
        problem = Problem("custody log", None, _(ALTERED, index=5), 5)
    with use_language("uk"):
        shown = str(problem)
        target = _("custody entry %(leaf)s", leaf=5)
        assert shown == f"{target}: {_(ALTERED, index=5)}"
    assert CYRILLIC.search(target) and shown.startswith(str(target))
    assert problem.as_json()["message"] == localise(_(ALTERED, index=5), "en")
    assert problem.as_json()["target"] == "custody entry 5"


@pytest.mark.parametrize("processes", [1, 2])
def test_a_deleted_record_is_reported_in_ukrainian(
    workspace: Workspace, tmp_path: Path, processes: int
) -> None:
    photo = noise_jpeg(tmp_path / "photo.jpg", size=(32, 32))
    list(ingest_paths(workspace, [photo], source=SourceInfo(), collector="alice"))
    with workspace.sessions() as session, session.begin():
        sighting = session.scalars(select(Sighting)).one()
        leaf = sighting.custody_leaf
        session.execute(delete(Sighting).where(Sighting.id == sighting.id))
    with use_language("uk"):
        problems = verify_workspace(workspace, rehash=False, processes=processes)
        assert len(problems) == 1
        shown, (problem,) = str(problems[0]), problems
        wanted = _(
            "Custody entry %(leaf)s records a row of %(table)s that is missing from the "
            "database (deleted?).",
            leaf=leaf,
            table=problem.table,
        )
        assert localise(problem.message, "uk") == wanted
    assert CYRILLIC.search(shown) and shown.endswith(str(wanted))
    english = problem.as_json()["message"]
    assert english == localise(wanted, "en") and english.startswith(f"Custody entry {leaf} ")
