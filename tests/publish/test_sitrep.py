"""Situation reports: what they count and list, as HTML and PDF, on demand (CLI, web) and
on a schedule."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from huey import MemoryHuey
from sqlalchemy import select

from civwatch.accounts.models import User
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.errors import RejectedInputError
from civwatch.geo.gazetteer import Gazetteer
from civwatch.publish import sitrep
from civwatch.publish.publication import correct_incident
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.incidents.helpers import gazetteer_cache, places, team  # noqa: F401
from tests.publish.published import MARKER, marked_incident, published_incident, verified_item

MARCH = (date(2022, 3, 1), date(2022, 3, 31))


@pytest.fixture
def reported(team: Workspace, places: Gazetteer, tmp_path: Path) -> dict[str, int]:  # noqa: F811
    marked = marked_incident(team, places, tmp_path / "m")  # a school, 9 March 2022
    sha = verified_item(team, tmp_path / "a", seed=2)
    market = published_incident(
        team,
        places,
        sha,
        title="Shelling of a market in Kherson",
        lat=46.6354,
        lon=32.6169,
        incident_type="shelling",
        objects=["market"],
        casualties={"killed": {"min": 5, "max": 7, "source": "Police"}},
    )
    sha2 = verified_item(team, tmp_path / "b", seed=3)
    april = published_incident(
        team,
        places,
        sha2,
        title="Drone attack in April",
        start=datetime(2022, 4, 20, 8, tzinfo=UTC),
    )
    return {"marked": marked.incident_id, "market": market, "april": april}


def test_report_counts_the_period_only(team: Workspace, reported: dict[str, int]) -> None:  # noqa: F811
    report = sitrep.build_report(team, *MARCH)
    assert report["totals"].incidents == 2
    assert (report["totals"].killed.low, report["totals"].killed.high) == (1 + 5, 3 + 7)
    assert [r["title"] for r in report["protected"]] == ["Strike on a school in Kharkiv"]
    assert {r["title"] for r in report["happened"]} == {
        "Strike on a school in Kharkiv",
        "Shelling of a market in Kherson",
    }
    # published today, whatever the date of the attack: not in March 2022
    assert report["published"] == []
    today = date.today()
    now = sitrep.build_report(team, today, today)
    assert len(now["published"]) == 3 and now["totals"].incidents == 0
    html = sitrep.render_html(report)
    assert "6–10" in html and "Methodology" in html and "Drone attack in April" not in html
    assert "Attacks on protected objects" in html and "No incident was published" in html
    assert MARKER not in html and not re.search(r"\b(ivan|vera|viktor|pat)\b", html)
    assert html.count("data:image/svg+xml;base64,") == 5


def test_corrections_of_the_period_are_listed(team: Workspace, reported: dict[str, int]) -> None:  # noqa: F811
    correct_incident(team, reported["market"], "the toll was revised", actor="pat")
    today = date.today()
    report = sitrep.build_report(team, today, today)
    assert [r["title"] for r in report["corrected"]] == ["Shelling of a market in Kherson"]
    assert "Corrected in this period" in sitrep.render_html(report)


def test_periods() -> None:
    assert sitrep.last_week(date(2024, 3, 13)) == (date(2024, 3, 4), date(2024, 3, 10))
    assert sitrep.last_week(date(2024, 3, 11)) == (date(2024, 3, 4), date(2024, 3, 10))
    assert sitrep.period(None, None, today=date(2024, 3, 13)) == (
        date(2024, 3, 4),
        date(2024, 3, 10),
    )
    with pytest.raises(RejectedInputError, match="before its first day"):
        sitrep.period(date(2024, 3, 2), date(2024, 3, 1))
    with pytest.raises(RejectedInputError, match="both"):
        sitrep.period(date(2024, 3, 2), None)
    with pytest.raises(RejectedInputError, match="at most 366 days"):
        sitrep.period(date(2020, 1, 1), date(2024, 1, 1))


def test_pdf_report(team: Workspace, reported: dict[str, int], tmp_path: Path) -> None:  # noqa: F811
    out = sitrep.write_report(team, *MARCH, tmp_path / "march.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    from weasyprint import HTML

    pages = HTML(string=sitrep.render_html(sitrep.build_report(team, *MARCH))).render().pages
    assert len(pages) >= 2  # totals, charts, tables, methodology
    with pytest.raises(RejectedInputError, match=r"\.html or \.pdf"):
        sitrep.write_report(team, *MARCH, tmp_path / "march.docx")


def test_weekly_report_is_written_by_the_scheduled_task(
    team: Workspace,  # noqa: F811
    reported: dict[str, int],
) -> None:
    huey = MemoryHuey("sitrep-test", immediate=True)
    task = sitrep.register_weekly_task(huey, lambda: team)
    due = [t.name for t in huey.read_periodic(datetime(2024, 3, 11, 6, 0))]  # a Monday
    assert due == [task.name] and huey.read_periodic(datetime(2024, 3, 12, 6, 0)) == []
    first, last = sitrep.last_week(date.today())
    assert task.call_local() == [
        str(team.data_dir / "reports" / sitrep.file_name(first, last, fmt))
        for fmt in ("html", "pdf")
    ]
    written = sitrep.write_weekly_report(team, today=date(2022, 3, 16))
    names = sorted(p.name for p in written)
    assert names == ["sitrep-2022-03-07-to-2022-03-13.html", "sitrep-2022-03-07-to-2022-03-13.pdf"]
    html = (team.data_dir / "reports" / names[0]).read_text()
    assert "Strike on a school in Kharkiv" in html  # 9 March 2022 is in that week


def test_cli_writes_html_and_pdf(
    team: Workspace,  # noqa: F811
    reported: dict[str, int],
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    out = tmp_path / "r.html"
    proc = run_cli(
        cli_env, "sitrep", "--from", "2022-03-01", "--to", "2022-03-31", "--out", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert "written to" in proc.stdout and "Shelling of a market in Kherson" in out.read_text()
    pdf = tmp_path / "r.pdf"
    run_cli(
        cli_env,
        "sitrep",
        "--from",
        "2022-03-01",
        "--to",
        "2022-03-31",
        "--out",
        str(pdf),
        check=True,
    )
    assert pdf.read_bytes().startswith(b"%PDF-")
    bad = run_cli(cli_env, "sitrep", "--from", "March", "--to", "2022-03-31", "--out", str(out))
    assert bad.returncode == 2 and "must be a date" in bad.stderr
    wrong = run_cli(
        cli_env, "sitrep", "--from", "2022-03-31", "--to", "2022-03-01", "--out", str(out)
    )
    assert wrong.returncode == 1 and "before its first day" in wrong.stderr


def test_publishers_get_reports_from_the_web(team: Workspace, reported: dict[str, int]) -> None:  # noqa: F811
    with TestClient(create_app(team.settings), base_url="https://testserver") as client:
        tokens = {}
        for name, role in (("pat", "publisher"), ("val", "viewer")):
            with team.sessions() as session:
                uid = session.scalars(select(User.id).where(User.username == name)).one()
            who = Principal(uid, name, name, frozenset({role}), "session")
            tokens[role] = {
                "Authorization": "Bearer " + create_token(team, who, "t", role)["token"]
            }
        params = {"from": "2022-03-01", "to": "2022-03-31"}
        assert client.get("/sitrep", params=params, headers=tokens["viewer"]).status_code == 403
        r = client.get("/sitrep", params=params, headers=tokens["publisher"])
        assert r.status_code == 200 and "Shelling of a market in Kherson" in r.text
        style = re.search(r"<style>(.*?)</style>", r.text, re.S)
        assert style is not None
        digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}'" in r.headers["content-security-policy"]
        assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none'
        pdf = client.get("/sitrep", params={**params, "format": "pdf"}, headers=tokens["publisher"])
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        bad = client.get(
            "/sitrep",
            params={"from": "2022-03-31", "to": "2022-03-01"},
            headers=tokens["publisher"],
        )
        assert bad.status_code == 422 and "before its first day" in bad.text
