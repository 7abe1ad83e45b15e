"""Schemathesis over the OpenAPI schema against the live server: for every operation,
generated valid and invalid requests never get a 5xx, and every answer (status code,
content type, body) is one the schema declares.

The investigator walks every operation. The admin walks only the operations whose answer
differs between the two roles (the permission table lets one in and not the other: the
admin's own pages of users and audit, the investigator's writes that refuse an admin): on
every other operation the two hold the same permission and get the same answers, so a
second walk of those found nothing new and cost a minute and a half per pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from civwatch.accounts.permissions import allows
from civwatch.web.app import declared_routes
from civwatch.workspace import Workspace
from tests.incidents.helpers import seed_cache
from tests.support.live import live_server
from tests.web.conftest import Team

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "ignored_auth",
    )
)


#: Each role of the walk, and the role whose walk it completes (None: it walks everything).
WALKS = {"investigator": None, "admin": "investigator"}


def operations(role: str, completes: str | None = None) -> set[str]:
    """The API operations ("METHOD /path", schemathesis's names) that ``role`` walks: all,
    or those whose permission one of ``role`` and ``completes`` holds and the other not."""
    return {
        f"{method} {path}"
        for method, path, permission in declared_routes()
        if path.startswith("/api/")
        and (
            completes is None
            or permission is None
            or allows({role}, permission) != allows({completes}, permission)
        )
    }


def test_the_admin_walk_covers_the_operations_answered_differently() -> None:
    """Both kinds of difference are in the admin's walk: what only the admin may do, and
    what only the investigator may do (answered 403 to the admin)."""
    names = operations("admin", "investigator")
    assert "GET /api/v1/users" in names and "POST /api/v1/incidents" in names
    assert "GET /api/v1/incidents" not in names  # both read incidents: walked once


@pytest.mark.slow
@pytest.mark.parametrize("role", list(WALKS))
def test_the_api_keeps_to_its_schema(
    team: Team,
    workspace: Workspace,
    cli_env: dict[str, str],
    gazetteer_cache: Path,
    tmp_path: Path,
    role: str,
) -> None:
    seed_cache(gazetteer_cache, workspace.settings.data_dir)
    report = tmp_path / "schemathesis.xml"
    completes = WALKS[role]
    only: list[str] = []
    if completes is not None:
        for name in sorted(operations(role, completes)):
            only += ["--include-name", name]
    with live_server(cli_env) as url:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{url}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {team.tokens[role]}",
                "--checks",
                CHECKS,
                "--max-examples",
                "12",
                "--seed",
                "20261124",
                # One worker: with two, CPython 3.11's ast.parse (called by hypothesis to
                # describe a filter) races between threads and schemathesis crashes
                # ("AST constructor recursion depth mismatch"), failing the run at random.
                "--workers",
                "1",
                "--phases",
                "examples,coverage,fuzzing",
                "--generation-database",
                "none",
                "--request-timeout",
                "30",
                "--report",
                "junit",
                "--report-junit-path",
                str(report),
                "--no-color",
                *only,
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
            cwd=tmp_path,  # its example cache stays out of the repository
        )
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    walked = {case.get("name") for case in ElementTree.parse(report).iter("testcase")}
    assert walked == operations(role, completes), "schemathesis walked other operations"
