"""From collection to a reviewed, verified, published incident, through the real command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.incidents.helpers import seed_cache
from tests.support.files import photo
from tests.support.tokens import as_user


def ok(env: dict[str, str], *args: str) -> Any:
    proc = run_cli(env, *args, "--json", check=True)
    return json.loads(proc.stdout)


def refused(env: dict[str, str], *args: str) -> str:
    proc = run_cli(env, *args)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc.stderr


@pytest.fixture
def env(cli_env: dict[str, str], team: Workspace, gazetteer_cache: Path) -> dict[str, str]:
    """The command's environment on the team's data folder, with no token: it reads."""
    seed_cache(gazetteer_cache, team.data_dir)
    return cli_env


@pytest.fixture
def ivan(env: dict[str, str], team: Workspace) -> dict[str, str]:
    """The environment acting as ivan, the investigator."""
    return as_user(env, team, "ivan")


@pytest.mark.slow
def test_evidence_to_verified_incident(
    env: dict[str, str], ivan: dict[str, str], team: Workspace, tmp_path: Path
) -> None:
    vera, pat = as_user(env, team, "vera"), as_user(env, team, "pat")
    src = tmp_path / "in"
    src.mkdir()
    photo(src / "strike.jpg", lat=49.9935, lon=36.2304)
    ingested = run_cli(
        env,
        "ingest",
        str(src),
        "--caption",
        "Ракетний удар по лікарні в Харкові",
        "--json",
        check=True,
    )
    sha = json.loads(ingested.stdout.splitlines()[0])["sha256"]

    assert "CIVWATCH_TOKEN" in refused(env, "incident", "create", "--title", "x")
    created = ok(
        ivan,
        "incident",
        "create",
        "--title",
        "Missile strike on Kharkiv hospital",
        "--start",
        "2022-03-09T14:00:00+03:00",
        "--precision",
        "hour",
        "--lat",
        "49.9940",
        "--lon",
        "36.2310",
        "--radius-m",
        "150",
        "--type",
        "missile strike",
        "--weapon",
        "Iskander-M",
        "--object",
        "hospital",
        "--figure",
        "killed=2-4@Regional administration",
        "--figure",
        "killed.children=1",
        "--figure",
        "injured=7",
        "--concern",
        "attack on a protected object",
    )
    inc = str(created["id"])
    assert (created["settlement"], created["oblast"]) == ("Kharkiv", "Kharkiv Oblast")
    assert created["casualties"]["killed"]["groups"]["children"] == {
        "min": 1,
        "max": 1,
        "source": None,
    }
    assert "inverted" in refused(ivan, "incident", "update", inc, "--figure", "killed=5-2")
    assert "Unknown weapon" in refused(
        ivan, "incident", "update", inc, "--weapon", "Photon torpedo"
    )

    suggested = ok(env, "incident", "suggest", sha)
    top = suggested["suggestions"][0]
    assert top["incident"]["id"] == created["id"] and top["score"] > 0.5
    assert any("caption similarity" in r for r in top["reasons"])
    ok(ivan, "incident", "confirm", sha, inc, "--role", "primary")
    assert ok(env, "incident", "suggest", sha)["suggestions"] == []

    ok(
        ivan,
        "verify-item",
        "geolocation",
        sha,
        "--lat",
        "49.9937",
        "--lon",
        "36.2306",
        "--precision-m",
        "25",
        "--method",
        "facade matched to imagery",
        "--reference",
        "satellite 2022-03-01",
        "--confidence",
        "high",
    )
    ok(
        ivan,
        "verify-item",
        "chronolocation",
        sha,
        "--window-start",
        "2022-03-09T10:45:00Z",
        "--window-end",
        "2022-03-09T11:30:00Z",
        "--method",
        "shadows and smoke plume",
    )
    ok(ivan, "verify-item", "status", sha, "verified")
    assert "does not allow review" in refused(ivan, "verify-item", "review", sha, "approve")
    item = ok(vera, "verify-item", "review", sha, "approve")
    assert item["status"] == "verified"
    assert {c["check"]: c["flagged"] for c in item["checks"]} == {"location": False, "time": False}

    assert "without verification" in refused(ivan, "incident", "status", inc, "verified")
    ok(ivan, "incident", "status", inc, "under_verification")
    ok(ivan, "incident", "status", inc, "verified")
    assert "does not allow review" in refused(ivan, "incident", "review", inc, "approve")
    ok(vera, "incident", "review", inc, "approve")
    shown = ok(pat, "publish", "incident", inc)
    assert (shown["status"], shown["visibility"]) == ("verified", "public")
    assert shown["independent_sources"] == 1
    assert [h["act"] for h in shown["history"]] == ["start", "submit", "approve", "publish"]

    (listed,) = ok(env, "incident", "list", "--status", "verified")
    assert {"id", "title", "status", "visibility", "start", "lat", "lon"} <= set(listed)
    assert listed["start"] == "2022-03-09T11:00:00+00:00"
    stats = ok(env, "incident", "stats", "--oblast", "Kharkiv", "--by", "week")
    assert stats["killed"]["min"] == 2 and stats["killed"]["max"] == 4
    assert stats["series"][0]["period"] == "2022-03-07"

    audit = run_cli(env, "verify", "--no-rehash", "--json")
    assert json.loads(audit.stdout)["ok"] is True, audit.stdout


def test_protected_places_near_an_incident(
    env: dict[str, str], ivan: dict[str, str], team: Workspace, tmp_path: Path
) -> None:
    ada = as_user(env, team, "ada")  # importing reference lists is the admin's
    csv_file = tmp_path / "places.csv"
    csv_file.write_text(
        "id,name,kind,lat,lon\n"
        "h1,Regional hospital,hospital,49.9950,36.2320\n"
        "s1,School 12,school,49.9990,36.2400\n"
        "x1,Broken,hospital,not-a-number,36.2\n"
        "k1,Far kindergarten,kindergarten,50.4501,30.5234\n",
        encoding="utf-8",
    )
    assert "reference.manage" in refused(
        ivan, "incident", "places", "import", str(csv_file), "--source", "moh"
    )
    proc = run_cli(
        ada,
        "incident",
        "places",
        "import",
        str(csv_file),
        "--source",
        "moh",
        "--json",
    )
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1 and doc["imported"] == 3 and doc["rejected"][0]["line"] == 4
    again = json.loads(
        run_cli(
            ada,
            "incident",
            "places",
            "import",
            str(csv_file),
            "--source",
            "moh",
            "--json",
        ).stdout
    )
    assert again["imported"] == 0 and again["already_present"] == 3
    inc = ok(
        ivan,
        "incident",
        "create",
        "--title",
        "Strike",
        "--start",
        "2022-03-09T14:00:00+03:00",
        "--lat",
        "49.9940",
        "--lon",
        "36.2310",
        "--type",
        "shelling",
        "--settlement",
        "Kharkiv",
        "--oblast",
        "Kharkiv Oblast",
    )
    near = ok(env, "incident", "places", "near", str(inc["id"]), "--radius-m", "1000")
    assert [p["name"] for p in near["places"]] == ["Regional hospital", "School 12"]
    assert near["places"][0]["distance_m"] < near["places"][1]["distance_m"]


def test_geo_commands_keep_their_json_contract(env: dict[str, str]) -> None:
    (first, *_) = ok(env, "geo", "lookup", "Харьков")
    assert first["name"] == "Kharkiv" and first["oblast"] == "Kharkiv Oblast"
    assert {"name", "lat", "lon", "oblast", "population"} <= set(first)
    place = ok(env, "geo", "reverse", "50.4501", "30.5234")
    assert place["name"] == "Kyiv"
    sun = ok(
        env, "geo", "sun", "--lat", "50.45", "--lon", "30.52", "--time", "2022-06-21T10:00:00Z"
    )
    assert abs(sun["azimuth_deg"] - 180.1) < 0.5 and abs(sun["elevation_deg"] - 63.0) < 0.5
    shadow = ok(
        env,
        "geo",
        "shadow",
        "--lat",
        "50.45",
        "--lon",
        "30.52",
        "--date",
        "2022-06-21",
        "--bearing",
        "300",
    )
    (window,) = shadow["windows"]
    assert window["start_local"].startswith("2022-06-21T10:")
    assert window["start_utc"].startswith("2022-06-21T07:")
    assert "between -90 and 90" in refused(env, "geo", "reverse", "95", "30")
