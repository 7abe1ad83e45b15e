"""The database of a snapshot: written consistently, loaded only into an empty database.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent image
while others keep writing. PostgreSQL: ``pg_dump`` in custom format (one snapshot of the
whole database) and ``pg_restore`` into an empty database, in one transaction. The
password of a PostgreSQL URL goes to the tools in a private password file, never on
their command line.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from civwatch.backups.layout import PG_DUMP_FILE, SQLITE_FILE
from civwatch.db import make_engine
from civwatch.errors import ConfigurationError, IntegrityError, RejectedInputError
from civwatch.files import move_into_place, sync
from civwatch.i18n import _

#: Longest a pg_dump or pg_restore may run, seconds.
TOOL_TIMEOUT_S = 6 * 3600


def database_kind(url: str) -> str:
    """``sqlite`` or ``postgresql``; anything else is refused."""
    backend = make_url(url).get_backend_name()
    if backend in ("sqlite", "postgresql"):
        return backend
    raise ConfigurationError(
        _("civwatch backs up SQLite and PostgreSQL databases, not %(backend)s.", backend=backend)
    )


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ConfigurationError(_("An in-memory SQLite database cannot be backed up."))
    return Path(database)


def dump_database(url: str, folder: Path) -> tuple[str, str]:
    """Write a consistent copy of the database at ``url`` into ``folder``; returns its kind
    and the file's name in ``folder``."""
    kind = database_kind(url)
    if kind == "sqlite":
        target = folder / SQLITE_FILE
        with (
            closing(sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
        with target.open("rb+") as handle:
            sync(handle)
        return kind, SQLITE_FILE
    target = folder / PG_DUMP_FILE
    with libpq_conninfo(url) as conninfo:
        _run(
            [
                _tool("pg_dump", url),
                "--format=custom",
                "--no-owner",
                f"--file={target}",
                f"--dbname={conninfo}",
            ],
            _("pg_dump"),
        )
    with target.open("rb+") as handle:
        sync(handle)
    return kind, PG_DUMP_FILE


def check_empty(url: str) -> None:
    """Refuse to restore into a database that holds anything."""
    if database_kind(url) == "sqlite":
        path = sqlite_path(url)
        if path.exists() and path.stat().st_size > 0:
            raise RejectedInputError(
                _(
                    "The database %(path)s exists already: civwatch restores only into an "
                    "empty data folder and a new database.",
                    path=path,
                )
            )
        return
    engine = make_engine(url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise RejectedInputError(
            _(
                "The database %(database)s holds tables already: civwatch restores only into "
                "an empty database (create a new one and point CIVWATCH_DATABASE_URL at it).",
                database=make_url(url).database,
            )
        )


def load_database(kind: str, dump: Path, url: str) -> None:
    """Load the snapshot's database file ``dump`` (of ``kind``) into the empty database at
    ``url``."""
    target_kind = database_kind(url)
    if kind != target_kind:
        raise RejectedInputError(
            _(
                "This snapshot holds a %(kind)s database and the data folder is set up for "
                "%(target)s: restore it with a database URL of the same kind.",
                kind=kind,
                target=target_kind,
            )
        )
    if kind == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.restoring")
        shutil.copyfile(dump, temp)
        temp.chmod(0o600)
        with temp.open("rb+") as handle:
            sync(handle)
        move_into_place(temp, path)
        return
    with libpq_conninfo(url) as conninfo:
        _run(
            [
                _tool("pg_restore", url),
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={conninfo}",
                str(dump),
            ],
            _("pg_restore"),
        )


def _run(argv: list[str], tool: str) -> None:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False
        )
    except OSError as err:
        raise ConfigurationError(
            _("%(tool)s cannot be run: %(reason)s.", tool=tool, reason=err.strerror or err)
        ) from None
    except subprocess.TimeoutExpired:
        raise IntegrityError(_("%(tool)s did not finish in time.", tool=tool)) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        raise IntegrityError(
            _("%(tool)s failed: %(reason)s", tool=tool, reason=_hide_secrets(last))
        )


def _hide_secrets(text: str) -> str:
    return re.sub(r"(password|passfile)\s*=\s*'?[^' ]*'?", r"\1=***", text)


def _tool(name: str, url: str) -> str:
    """``pg_dump``/``pg_restore`` of the server's major version when Debian's layout holds
    several, else the one on the PATH."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.connection.dbapi_connection.info.server_version  # type: ignore[union-attr]
    finally:
        engine.dispose()
    candidate = Path("/usr/lib/postgresql") / str(int(version) // 10000) / "bin" / name
    if candidate.is_file():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise ConfigurationError(
            _(
                "%(tool)s is not installed: install the PostgreSQL client tools of the "
                "server's version.",
                tool=name,
            )
        )
    return found


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextlib.contextmanager
def libpq_conninfo(url: str) -> Iterator[str]:
    """A libpq connection string for ``url`` (for ``pg_dump``/``pg_restore --dbname``); its
    password, if any, in a private password file that is removed afterwards, never in the
    string itself (which every user sees in the process list)."""
    parsed: URL = make_url(url)
    params: dict[str, str] = {}
    for name, value in (
        ("host", parsed.host),
        ("port", parsed.port),
        ("user", parsed.username),
        ("dbname", parsed.database),
    ):
        if value is not None:
            params[name] = str(value)
    for name, given in parsed.query.items():
        params[name] = given if isinstance(given, str) else given[-1]
    with tempfile.TemporaryDirectory(prefix="civwatch-pg-") as folder:
        if parsed.password is not None:
            passfile = Path(folder) / "pgpass"
            escaped = str(parsed.password).replace("\\", "\\\\").replace(":", "\\:")
            fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(f"*:*:*:*:{escaped}\n")
            params["passfile"] = str(passfile)
        yield " ".join(f"{name}={_quote(value)}" for name, value in params.items())
