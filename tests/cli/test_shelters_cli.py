"""``civwatch shelters``: a coordinator imports, anyone finds the nearest working shelters
and reports one's state, a coordinator's confirmation changes what the nearest shows."""

from __future__ import annotations

import json
from pathlib import Path

from civwatch.accounts import add_user
from civwatch.accounts.roles import ADMIN, SHELTER_COORDINATOR, VIEWER
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.shelters.samples import KEY_HOLDER, kyiv_osm, write_ua_csv
from tests.support.tokens import as_user


def _crew(ws: Workspace) -> None:
    add_user(ws, "ada", "Ada", [ADMIN], actor=None)
    add_user(ws, "sofia", "Sofia", [SHELTER_COORDINATOR], actor="ada")
    add_user(ws, "val", "Val", [VIEWER], actor="ada")


def test_import_nearest_report_confirm(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _crew(workspace)
    coordinator = as_user(cli_env, workspace, "sofia")
    extract = kyiv_osm(tmp_path / "kyiv.osm.pbf")
    refused = run_cli(as_user(cli_env, workspace, "val"), "shelters", "import", str(extract))
    assert refused.returncode != 0 and "shelters.coordinate" in refused.stderr
    done = run_cli(coordinator, "shelters", "import", str(extract), "--json", check=True)
    counts = json.loads(done.stdout)
    assert (counts["added"], counts["updated"], counts["unchanged"]) == (3, 0, 0)
    assert counts["skipped"] == [
        {"line": 4, "reason": "node 4: coordinates 48.8566, 2.3522 are outside Ukraine"}
    ]
    again = json.loads(
        run_cli(coordinator, "shelters", "import", str(extract), "--json", check=True).stdout
    )
    assert (again["added"], again["unchanged"]) == (0, 3)

    near = run_cli(
        cli_env,
        "shelters",
        "nearest",
        "--lat",
        "50.4501",
        "--lon",
        "30.5240",
        "--json",
        check=True,
    )
    found = json.loads(near.stdout)
    # The school's shelter has access=no: not among the working ones.
    assert [f["name"] for f in found] == ["Укриття на Майдані", ""]
    first = found[0]
    assert set(first) >= {
        "id",
        "name",
        "lat",
        "lon",
        "distance_m",
        "status",
        "status_at",
        "capacity",
        "step_free",
    }
    assert first["distance_m"] < 50 and first["status"] == "unknown"
    assert first["status_at"] is None and first["capacity"] == 150 and first["step_free"] is True
    step_free = json.loads(
        run_cli(
            cli_env,
            "shelters",
            "nearest",
            "--lat",
            "50.45",
            "--lon",
            "30.52",
            "--step-free",
            "--json",
            check=True,
        ).stdout
    )
    assert [f["id"] for f in step_free] == [first["id"]]

    report = json.loads(
        run_cli(
            cli_env,
            "shelters",
            "report",
            first["id"],
            "--status",
            "locked",
            "--note",
            "двері замкнені",
            "--json",
            check=True,
        ).stdout
    )
    assert report["report_id"].startswith("shr_")
    # Unconfirmed, it changes nothing.
    still = json.loads(
        run_cli(
            cli_env,
            "shelters",
            "nearest",
            "--lat",
            "50.4501",
            "--lon",
            "30.5240",
            "--json",
            check=True,
        ).stdout
    )
    assert still[0]["id"] == first["id"]
    no_token = run_cli(cli_env, "shelters", "confirm", report["report_id"])
    assert no_token.returncode != 0
    run_cli(coordinator, "shelters", "confirm", report["report_id"], check=True)
    after = json.loads(
        run_cli(
            cli_env,
            "shelters",
            "nearest",
            "--lat",
            "50.4501",
            "--lon",
            "30.5240",
            "--json",
            check=True,
        ).stdout
    )
    assert first["id"] not in [f["id"] for f in after]
    shown = json.loads(
        run_cli(
            cli_env,
            "shelters",
            "nearest",
            "--lat",
            "50.4501",
            "--lon",
            "30.5240",
            "--json",
            check=True,
        ).stdout
    )
    assert shown == after


def test_a_bad_position_and_an_unknown_status_say_why(
    workspace: Workspace, cli_env: dict[str, str]
) -> None:
    bad = run_cli(cli_env, "shelters", "nearest", "--lat", "95", "--lon", "30")
    assert bad.returncode != 0 and "latitude between -90 and 90" in bad.stderr
    unknown = run_cli(cli_env, "shelters", "report", "sh_none", "--status", "on-fire")
    assert unknown.returncode != 0 and "not a known code" in unknown.stderr


def test_the_key_holder_never_reaches_the_public_commands(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _crew(workspace)
    run_cli(
        as_user(cli_env, workspace, "sofia"),
        "shelters",
        "import",
        str(write_ua_csv(tmp_path / "kh.csv")),
        check=True,
    )
    near = run_cli(
        cli_env, "shelters", "nearest", "--lat", "49.99", "--lon", "36.23", "--json", check=True
    )
    assert len(json.loads(near.stdout)) == 2
    text = run_cli(cli_env, "shelters", "nearest", "--lat", "49.99", "--lon", "36.23", check=True)
    for output in (near.stdout, near.stderr, text.stdout, text.stderr):
        assert "KEYHOLDERMARKER" not in output and KEY_HOLDER not in output
