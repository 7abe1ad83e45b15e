"""What the PostgreSQL tools are given: a connection string without the password (the
process list shows it to every user), the password in a private file removed afterwards."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from civwatch.backups.database import libpq_conninfo


def test_the_password_goes_in_a_private_file_never_on_the_command_line() -> None:
    url = "postgresql+psycopg://civ:s3cr'et:pw@db.example:5433/civwatch?sslmode=require"
    with libpq_conninfo(url) as conninfo:
        assert "s3cr" not in conninfo
        assert "host='db.example'" in conninfo and "port='5433'" in conninfo
        assert "user='civ'" in conninfo and "dbname='civwatch'" in conninfo
        assert "sslmode='require'" in conninfo
        found = re.search(r"passfile='([^']+)'", conninfo)
        assert found is not None
        passfile = Path(found.group(1))
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
        assert passfile.read_text() == "*:*:*:*:s3cr'et\\:pw\n"
    assert not passfile.exists()
    with libpq_conninfo("postgresql://civ@localhost/civwatch") as conninfo:
        assert "passfile" not in conninfo
