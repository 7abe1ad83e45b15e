"""Situation reports: what they count and list, as HTML and PDF, on demand (CLI, web) and
on a schedule."""

from __future__ import annotations

import base64
import hashlib
import io
import json
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


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _latin_words(html: str, allowed: set[str]) -> set[str]:
    """Words in Latin letters that a reader sees in ``html`` (text and alt/title), less
    ``allowed`` (user content, proper names, units)."""
    from html.parser import HTMLParser

    seen: list[str] = []

    class Reader(HTMLParser):
        skip = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.skip += tag in ("style", "script")
            seen.extend(v or "" for k, v in attrs if k in ("alt", "title", "aria-label"))

        def handle_endtag(self, tag: str) -> None:
            self.skip -= tag in ("style", "script")

        def handle_data(self, data: str) -> None:
            if not self.skip:
                seen.append(data)

    Reader().feed(html)
    text = " ".join(seen)
    for phrase in allowed:
        text = text.replace(phrase, " ")
    return set(re.findall(r"[A-Za-z]{2,}", text))


def test_report_in_ukrainian(team: Workspace, reported: dict[str, int]) -> None:  # noqa: F811
    report = sitrep.build_report(team, *MARCH, language="uk")
    html = sitrep.render_html(report, {"en": "march.en.html", "uk": "march.uk.html"})
    assert '<html lang="uk">' in html
    html = re.sub("[\u00a0\u202f]", " ", html)  # Babel's no-break spaces, as spaces
    assert "Звіт про ситуацію, 1–31 бер. 2022 р." in html  # Babel's range, month in Ukrainian
    assert "з 1 березня 2022 р. до 31 березня 2022 р." in html
    # an incident in Kharkiv at 11:05 UTC: Kyiv time on a 24-hour clock, UTC on hover
    school = next(r for r in report["happened"] if r["title"].startswith("Strike on a school"))
    assert (
        re.sub("[\u00a0\u202f]", " ", school["day"]) == "9 березня 2022 р."
        and school["time"] == "13:05"
    )
    assert 'title="2022-03-09 11:05:00 UTC"' in html
    # vocabulary labels and place names in Ukrainian (Cyrillic, never the Russian spelling)
    assert school["type"] == "Ракетний удар" and school["objects"] == "Школа"
    assert school["place"] == "Харків, Харківська область"
    assert "Херсон, Херсонська область" in html
    # Ukrainian plural forms: 1 інцидентом, 2 інцидентами
    assert "за 2 інцидентами, щодо яких є дані" in html
    assert "за 1 інцидентом, щодо якого є дані" in html
    # charts: titles, axis labels and legends in Ukrainian
    svgs = [
        re.sub("[\u00a0\u202f]", " ", base64.b64decode(u).decode())
        for u in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    ]
    assert len(svgs) == 5 and all('lang="uk"' in s for s in svgs)
    assert ">Загиблі за місяцями<" in svgs[1] and ">бер. 2022 р.<" in svgs[1]
    assert ">щонайменше<" in svgs[1] and ">Харківська область<" in svgs[3]
    # a long label takes two lines rather than losing its end
    assert ">Артилерійський або реактивний<" in svgs[4] and ">обстріл<" in svgs[4]
    assert "…" not in "".join(svgs)
    # the twin in English is linked, named in its own language
    assert 'href="march.en.html" hreflang="en" lang="en">English</a>' in html
    # no English left in the words a reader sees: only the incidents' titles (user text),
    # the organisation, the program's name and UTC
    titles = {r["title"] for r in report["happened"]}
    leftover = _latin_words(html, {*titles, report["organisation"], "civwatch", "UTC", "English"})
    assert leftover == set()
    english = sitrep.render_html(sitrep.build_report(team, *MARCH, language="en"))
    assert '<html lang="en">' in english and "9 March 2022" in english
    assert "Kharkiv, Kharkiv Oblast" in english and "Missile strike" in english


def test_ukrainian_pdf_has_extractable_text_in_a_cyrillic_font(
    team: Workspace,  # noqa: F811
    reported: dict[str, int],
    tmp_path: Path,
) -> None:
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    written = sitrep.write_reports(team, *MARCH, tmp_path / "march.pdf")
    assert [p.name for p in written] == ["march.en.pdf", "march.uk.pdf"]
    out = written[1]
    # links stay as written: the twin beside the file, never a path on the writing machine
    links = [
        str(a.get_object()["/A"]["/URI"])
        for page in PdfReader(out).pages
        for a in page.get("/Annots") or ()
    ]
    assert "march.en.pdf" in links and not any(link.startswith("file:") for link in links)
    text = re.sub(r"\s+", " ", _pdf_text(out.read_bytes()))
    for phrase in ("Звіт про ситуацію", "Напади на об’єкти під особливим захистом", "Методологія"):
        assert phrase in text
    assert "березня" in text and "Харківська область" in text
    cyrillic: dict[str, set[str]] = {}
    for page in PdfReader(out).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            embedded = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
            face = TTFont(io.BytesIO(embedded))
            order = face.getGlyphOrder()
            to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for gid, code in re.findall(r"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>", to_unicode):
                char = chr(int(code, 16))
                if "\u0400" <= char <= "\u04ff":
                    # the embedded glyph is drawn (has outlines), not an empty box
                    assert face["glyf"][order[int(gid, 16)]].numberOfContours != 0, char
                    cyrillic.setdefault(str(font["/BaseFont"]), set()).add(char)
    assert any("DejaVu" in name for name in cyrillic)
    assert set("іїєщ") <= set().union(*cyrillic.values())


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
        str(team.data_dir / "reports" / sitrep.file_name(first, last, fmt, language))
        for language in ("en", "uk")
        for fmt in ("html", "pdf")
    ]
    written = sitrep.write_weekly_report(team, today=date(2022, 3, 16))
    names = sorted(p.name for p in written)
    week = "sitrep-2022-03-07-to-2022-03-13"
    assert names == [f"{week}.{lang}.{fmt}" for lang in ("en", "uk") for fmt in ("html", "pdf")]
    english = (team.data_dir / "reports" / f"{week}.en.html").read_text()
    ukrainian = (team.data_dir / "reports" / f"{week}.uk.html").read_text()
    assert "Strike on a school in Kharkiv" in english  # 9 March 2022 is in that week
    assert '<html lang="en">' in english and '<html lang="uk">' in ukrainian
    # each language's file links its twin by file name, so the folder can be published as is
    assert f'href="{week}.uk.html" hreflang="uk"' in english and ">Українська<" in english
    assert f'href="{week}.en.html" hreflang="en"' in ukrainian and ">English<" in ukrainian
    assert "Звіт про ситуацію" in ukrainian and "Methodology" not in ukrainian


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
    both = run_cli(
        cli_env,
        *("sitrep", "--from", "2022-03-01", "--to", "2022-03-31"),
        *("--out", str(tmp_path / "march.html"), "--lang", "all", "--json"),
        check=True,
    )
    assert sorted(Path(p).name for p in json.loads(both.stdout)["files"]) == [
        "march.en.html",
        "march.uk.html",
    ]
    assert '<html lang="uk">' in (tmp_path / "march.uk.html").read_text()
    assert 'href="march.en.html"' in (tmp_path / "march.uk.html").read_text()
    unknown = run_cli(cli_env, "sitrep", "--out", str(out), "--lang", "xx")
    assert unknown.returncode == 2 and "--lang must be one of" in unknown.stderr
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
        page = client.get("/sitrep", params=params, headers=tokens["publisher"])
        # the app's page: navigation, the period form with its downloads, the report inside
        assert page.status_code == 200 and "Shelling of a market in Kherson" in page.text
        assert '<nav aria-label="Main">' in page.text and 'name="format" value="pdf"' in page.text
        assert 'value="2022-03-01"' in page.text and "<style>" not in page.text
        r = client.get("/sitrep", params={**params, "format": "html"}, headers=tokens["publisher"])
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
            params={"from": "2022-03-31", "to": "2022-03-01", "lang": "en"},
            headers=tokens["publisher"],
        )
        assert bad.status_code == 422 and "before its first day" in bad.text
        assert 'value="2022-03-31"' in bad.text  # the form comes back with what was typed
        odd = client.get("/sitrep", params={"format": "docx"}, headers=tokens["publisher"])
        assert odd.status_code == 422 and "page, html or pdf" in odd.text


def test_web_report_speaks_the_readers_language_and_links_its_twin(
    team: Workspace,  # noqa: F811
    reported: dict[str, int],
) -> None:
    with TestClient(create_app(team.settings), base_url="https://testserver") as client:
        with team.sessions() as session:
            uid = session.scalars(select(User.id).where(User.username == "pat")).one()
        who = Principal(uid, "pat", "pat", frozenset({"publisher"}), "session")
        auth = {"Authorization": "Bearer " + create_token(team, who, "t", "publisher")["token"]}
        params = {"from": "2022-03-01", "to": "2022-03-31"}
        params = {**params, "format": "html"}
        english = client.get("/sitrep", params=params, headers={**auth, "Accept-Language": "en"})
        assert '<html lang="en">' in english.text and "Methodology" in english.text
        twin = "/sitrep?from=2022-03-01&amp;to=2022-03-31&amp;format=html&amp;lang=uk"
        assert f'href="{twin}" hreflang="uk"' in english.text
        ukrainian = client.get("/sitrep", params={**params, "lang": "uk"}, headers=auth)
        assert '<html lang="uk">' in ukrainian.text and "Методологія" in ukrainian.text
        assert "Methodology" not in ukrainian.text
        assert 'hreflang="en"' in ukrainian.text
        pdf = client.get("/sitrep", params={**params, "lang": "uk", "format": "pdf"}, headers=auth)
        assert ".uk.pdf" in pdf.headers["content-disposition"]
        assert "Методологія" in _pdf_text(pdf.content)
