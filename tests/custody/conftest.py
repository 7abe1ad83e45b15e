"""Fixtures for the custody log: the RFC 9162 vectors, and a fresh database per test on
SQLite and - when ``CIVWATCH_DATABASE_URL`` names a server - on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from civwatch.custody.models import CUSTODY_TABLES
from civwatch.db import Base, make_engine, session_factory

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def rfc9162_vectors() -> Path:
    """The RFC 9162 test vectors beside the repository (``<repo>/../shared/data``)."""
    folder = REPO.parent / "shared" / "data" / "rfc9162-vectors" / "testdata"
    if not folder.is_dir():
        pytest.fail(f"The RFC 9162 test vectors are missing: expected them in {folder}")
    return folder


@pytest.fixture
def log_db_url(database_url: str) -> str:
    """An empty database for the custody log: SQLite, or PostgreSQL when
    ``CIVWATCH_DATABASE_URL`` names a server (see tests/conftest.py)."""
    return database_url


@pytest.fixture
def engine(log_db_url: str) -> Iterator[Engine]:
    engine = make_engine(log_db_url)
    Base.metadata.drop_all(engine, tables=list(CUSTODY_TABLES))
    Base.metadata.create_all(engine, tables=list(CUSTODY_TABLES))
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()
