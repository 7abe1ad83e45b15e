"""A workspace holding evidence, a backup folder, and fresh targets to restore into: a new
data folder with its SQLite database, or - when ``CIVWATCH_DATABASE_URL`` names a server -
a new, empty PostgreSQL database; and a backup DEST in a fresh bucket of the test S3 server."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from civwatch.config import Settings
from tests.conftest import SERVER_URL
from tests.support.s3_server import S3Server, s3_server  # noqa: F401  (session fixture)

#: The passphrase the tests seal keys with (a test value, never a real one).
PASSPHRASE = "drill-passphrase-0123"

Target = Callable[[str], Settings]


@pytest.fixture
def fresh_target(tmp_path: Path) -> Iterator[Target]:
    """Settings of a new, empty data folder (and database) per name."""
    made: list[str] = []

    def make(name: str) -> Settings:
        url = None
        if SERVER_URL:
            database = f"cw_restore_{uuid.uuid4().hex[:12]}"
            admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
            admin.dispose()
            made.append(database)
            url = make_url(SERVER_URL).set(database=database).render_as_string(hide_password=False)
        return Settings(
            data_dir=tmp_path / "restored" / name,
            database_url=url,
            min_free_disk=0,
            default_language="en",
        )

    yield make
    if made:
        admin = create_engine(SERVER_URL or "", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for database in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def s3_dest(request: pytest.FixtureRequest) -> tuple[str, str]:
    """A backup DEST in a fresh, empty bucket: (``s3://BUCKET/backups?endpoint=...``, bucket)."""
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = server.new_bucket()
    return server.url(bucket, "backups"), bucket
