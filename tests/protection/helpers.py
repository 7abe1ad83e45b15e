"""What the protection tests share: a person filled with marker strings, and a scan of
every file under a data folder for text in UTF-8 and UTF-16."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from civwatch.protection.person_input import PersonInput, person_input
from civwatch.workspace import Workspace

MARKER_NAME = "MARKERNAME-Ꙁ-7f3a"
MARKER_NAME_CYR = "Маркерович"
MARKER_PHONE = "+380 67 123 4567"
MARKER_PHONE_E164 = "+380671234567"
MARKER_DOC = "MARKERDOC77"
MARKER_ADDRESS = "MARKERADDR вул. Маркерна 99"
MARKER_NOTE = "MARKERNOTE seen at the checkpoint"
MARKER_EMAIL = "markermail@example.org"
#: Every marker, as typed and as stored.
MARKERS = (
    MARKER_NAME,
    MARKER_NAME_CYR,
    MARKER_PHONE,
    MARKER_PHONE_E164,
    "671234567",
    MARKER_DOC,
    "MARKERADDR",
    "Маркерна",
    "MARKERNOTE",
    "markermail",
)


def marker_person() -> PersonInput:
    """A person whose every field holds a marker string."""
    return person_input(
        {
            "names": [
                {"name": MARKER_NAME, "kind": "legal"},
                {"name": f"Олександр {MARKER_NAME_CYR}", "kind": "known-as"},
            ],
            "birth": {"year": 1987},
            "gender": "MARKERGENDER",
            "citizenship": ["UA"],
            "documents": [{"kind": "passport", "number": MARKER_DOC, "expiry": "2031-01-01"}],
            "contacts": [
                {"kind": "phone", "value": MARKER_PHONE},
                {"kind": "email", "value": MARKER_EMAIL},
            ],
            "location": {"oblast": "MARKEROBLAST", "hromada": "MARKERHROMADA"},
            "address": MARKER_ADDRESS,
            "groups": ["journalist", "human-rights-defender"],
            "minority": "MARKERMINORITY",
            "languages": ["uk", "crh"],
            "needs": {"codes": ["medical"], "note": "MARKERNEEDS insulin"},
            "dependants": [{"name": "MARKERCHILD", "relation": "daughter"}],
            "notes": MARKER_NOTE,
        }
    )


def encodings(text: str) -> list[bytes]:
    """``text`` as UTF-8 and as UTF-16 (both byte orders)."""
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def stored_files(ws: Workspace) -> list[Path]:
    """Every file under the data folder, and the SQLite database with its WAL and shared
    memory files wherever the settings put it (the tests keep it beside the folder)."""
    files = sorted(p for p in ws.data_dir.rglob("*") if p.is_file())
    database = ws.engine.url.database
    if ws.engine.dialect.name == "sqlite" and database:
        files += [
            Path(database + suffix)
            for suffix in ("", "-wal", "-shm", "-journal")
            if Path(database + suffix).is_file()
        ]
    return files


def files_holding(ws: Workspace, needles: list[bytes]) -> list[str]:
    """Every stored file (:func:`stored_files`) holding one of ``needles``: 'path: needle'."""
    found = []
    for path in stored_files(ws):
        data = path.read_bytes()
        for needle in needles:
            if needle in data:
                found.append(f"{path.name}: {needle!r}")
    return found


def run_verify(ws: Workspace) -> subprocess.CompletedProcess[str]:
    """``civwatch verify --json`` on ``ws`` in a process of its own, with only the
    environment it needs (the code under test, the data folder and its database)."""
    env = {"CIVWATCH_DATA_DIR": str(ws.data_dir), "PATH": "/usr/bin:/bin"}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    if ws.settings.database_url:
        env["CIVWATCH_DATABASE_URL"] = str(ws.settings.database_url)
    return subprocess.run(
        [sys.executable, "-m", "civwatch", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
