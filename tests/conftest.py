"""Shared fixtures: a fresh database per test (SQLite, or PostgreSQL when
``CIVWATCH_DATABASE_URL`` names a server), an initialised workspace, and the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from civwatch.config import Settings
from tests.support import custody_schema
from tests.support import passwords as remembered_passwords

if TYPE_CHECKING:
    from civwatch.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SERVER_URL = os.environ.get("CIVWATCH_DATABASE_URL")
DB_FIXTURES = {"database_url", "settings", "workspace", "cli_env", "log_db_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use a database are marked ``db``: `make test` reruns them on PostgreSQL.

    The tests marked ``slow`` run first (in their order): with two workers, a minute-long
    test handed out last kept one worker busy while the other had nothing left to do."""
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def _remembering_hasher() -> remembered_passwords.RememberingHasher:
    from civwatch.accounts import passwords

    return remembered_passwords.RememberingHasher(passwords._HASHER)


@pytest.fixture(autouse=True)
def _remembered_password_hashes(
    request: pytest.FixtureRequest, _remembering_hasher: remembered_passwords.RememberingHasher
) -> Iterator[None]:
    """Each password is hashed (and each hash verified) for real once per test process
    (tests/support/passwords.py): the suite spent minutes hashing the same test password.
    Tests marked ``real_password_hashing`` get the shipped hasher."""
    if request.node.get_closest_marker(remembered_passwords.MARKER) is not None:
        yield
        return
    from civwatch.accounts import passwords

    real = passwords._HASHER
    passwords._HASHER = _remembering_hasher
    try:
        yield
    finally:
        passwords._HASHER = real


def _check_custody_entries(request: pytest.FixtureRequest, url: str) -> None:
    """Every custody entry the test wrote must fit its act's JSON Schema (unless the test
    is marked as writing entries of its own)."""
    if request.node.get_closest_marker(custody_schema.MARKER) is not None:
        return
    found = custody_schema.check_database(url)
    if found:
        pytest.fail(
            "Custody entries that do not fit the schema of their act "
            "(docs/custody-log.md, section 8):\n" + "\n".join(found),
            pytrace=False,
        )


def _server_database(admin: Engine, name: str, template: str | None = None) -> str:
    """Create database ``name`` on the test server (a copy of ``template`` if given)."""
    clause = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to the newest revision once per test process: tests with a
    workspace start from a copy of it instead of running every migration again (the
    copy is what `Workspace.init` would have made; tests/test_migrations.py still
    migrates empty databases)."""
    from civwatch.db import make_engine, migrate

    if not SERVER_URL:
        path = tmp_path_factory.mktemp("schema") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        engine.dispose()
        yield str(path)
        return
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    name = f"cw_template_{uuid.uuid4().hex[:12]}"
    engine = make_engine(_server_database(admin, name))
    migrate(engine)
    engine.dispose()
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database for this test: empty, or already migrated when the test opens a
    workspace (the same schema `Workspace.init` makes, made once per process); when the
    test ends, every custody entry in it is checked against the schema of its act."""
    template = (
        request.getfixturevalue("_migrated_template")
        if "workspace" in request.fixturenames
        else None
    )
    if not SERVER_URL:
        path = tmp_path / "civwatch.db"
        if template:
            shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        yield url
        _check_custody_entries(request, url)
        return
    name = f"cw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        url = _server_database(admin, name, template)
        yield url
        _check_custody_entries(request, url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        min_free_disk=0,
        extractor_timeout_s=20,
        # Tests read pages in English unless they ask for another language (the shipped
        # default is Ukrainian: see tests/web/test_languages.py).
        default_language="en",
    )


@pytest.fixture
def workspace(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """An initialised data folder (`Workspace.init`) on a copy of the migrated template.

    The copy is at the newest revision already, so `Workspace.init`'s migration is asked
    first whether anything is to do: Alembic reads every migration file and runs its
    environment even to find nothing (0.5 s per test on the loaded machine)."""
    from civwatch import workspace as workspace_module
    from civwatch.db import SCHEMA_HEAD, schema_revision
    from civwatch.workspace import Workspace

    migrate = workspace_module.migrate

    def migrate_unless_at_head(engine: Engine) -> None:
        if schema_revision(engine) != SCHEMA_HEAD:
            migrate(engine)

    with monkeypatch.context() as patched:
        patched.setattr(workspace_module, "migrate", migrate_unless_at_head)
        ws, _ = Workspace.init(settings)
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for running the ``civwatch`` command against this test's data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVWATCH_")}
    env["CIVWATCH_DATA_DIR"] = str(settings.data_dir)
    env["CIVWATCH_DATABASE_URL"] = settings.resolved_database_url
    env["CIVWATCH_MIN_FREE_DISK"] = "0"
    env["CIVWATCH_DEFAULT_LANGUAGE"] = "en"
    env["COLUMNS"] = "200"
    return env


def run_cli(
    env: dict[str, str],
    *args: str,
    check: bool = False,
    timeout: float = 120,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``civwatch ARGS`` in a real subprocess (``input``: what it reads on stdin)."""
    proc = subprocess.run(
        [sys.executable, "-m", "civwatch", *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"civwatch {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


from tests.incidents.helpers import gazetteer_cache, places  # noqa: E402, F401  (session-wide)
