"""The public site, read by someone without an account: only published incidents, nothing
internal, no request to another site, pages light enough for a slow phone."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from civwatch.accounts import add_user
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident
from civwatch.publish.public import public_incident
from civwatch.publish.publication import correct_incident, withdraw_incident
from civwatch.publish.redaction import approve_redaction, create_redaction
from civwatch.publish.sharecard import card_lines
from civwatch.workspace import Workspace
from tests.incidents.helpers import TEAM, incident_doc
from tests.publish.published import (
    MARKER,
    Marked,
    marked_incident,
    published_incident,
    verified_item,
)
from tests.web.conftest import BASE

PUBLIC_PAGES = (
    "/public",
    "/public/timeline",
    "/public/dashboard",
    "/public/methodology",
    "/public/feed.atom",
    "/public/feed.json",
)
#: An incident page, with what it loads, must stay under this before media (issue 7).
PAGE_BUDGET = 200 * 1024
STAFF = ("ivan", "viktor", "vera", "pat", "ada")


@dataclass
class Site:
    ws: Workspace
    marked: Marked
    other: int
    internal: int
    withdrawn: int


def newsroom(ws: Workspace) -> None:
    """The users of tests/incidents/helpers.py TEAM (ivan, vera, viktor, pat...)."""
    add_user(ws, "ada", "Ada", ["admin"], actor=None)
    for name, roles in TEAM.items():
        if name != "ada":
            add_user(ws, name, name.title(), roles, actor="ada")


@pytest.fixture
def site(workspace: Workspace, places: Gazetteer, tmp_path: Path) -> Site:
    newsroom(workspace)
    marked = marked_incident(workspace, places, tmp_path / "m")
    sha = verified_item(workspace, tmp_path / "o", seed=2)
    other = published_incident(
        workspace,
        places,
        sha,
        title="Shelling of a market in Kherson",
        lat=46.6354,
        lon=32.6169,
        incident_type="shelling",
        weapons=["BM-21 Grad"],
        objects=["market"],
        casualties={"killed": {"min": 5, "max": 5, "source": "Police"}},
    )
    internal = create_incident(
        workspace, incident_doc(title="Internal draft about Odesa"), actor="ivan", places=places
    )["id"]
    sha3 = verified_item(workspace, tmp_path / "w", seed=3)
    withdrawn = published_incident(workspace, places, sha3, title="Withdrawn strike in Sumy")
    withdraw_incident(workspace, withdrawn, reason="sources retracted", actor="pat")
    return Site(workspace, marked, other, internal, withdrawn)


class Links(HTMLParser):
    """Every URL a page refers to (href, src, content of meta properties that are URLs)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.metas: dict[str, str] = {}
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("href", "src", "action", "poster", "data-endpoint", "data-tiles"):
            if a.get(key):
                self.urls.append((tag, key, a[key]))
        if tag == "meta" and "property" in a:
            self.metas[a["property"]] = a.get("content", "")
        if "style" in a or tag == "style":
            self.styles.append(tag)
        if tag == "script" and not a.get("src"):
            self.styles.append("inline script")


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def leaks(text: str, marked: Marked) -> list[str]:
    """Secrets of the marked incident found in ``text`` (staff names as whole words)."""
    found = [s for s in marked.secrets if s not in STAFF and s in text]
    found += [s for s in STAFF if re.search(rf"\b{s}\b", text, re.IGNORECASE)]
    return found


def test_every_public_page_works_without_an_account(site: Site, client: TestClient) -> None:
    for path in (*PUBLIC_PAGES, f"/public/incidents/{site.other}"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert "signout" not in r.text and "Evidence inbox" not in r.text
    home = client.get("/public").text
    assert "Shelling of a market in Kherson" in home and "Strike on a school in Kharkiv" in home
    assert 'action="/signout"' not in home


def test_internal_and_withdrawn_incidents_are_not_public(site: Site, client: TestClient) -> None:
    for incident in (site.internal, site.withdrawn, 999999):
        for path in (
            f"/public/incidents/{incident}",
            f"/public/incidents/{incident}/card.png",
            f"/public/incidents/{incident}/media/0",
        ):
            r = client.get(path)
            assert r.status_code == 404, path
            assert "Internal draft" not in r.text and "No published incident" in r.text
    for path in PUBLIC_PAGES:
        text = client.get(path).text
        assert "Internal draft about Odesa" not in text, path
        assert "Withdrawn strike in Sumy" not in text, path


def test_no_public_page_shows_anything_internal(site: Site, client: TestClient) -> None:
    incident_paths = [
        f"/public/incidents/{site.marked.incident_id}",
        f"/public/incidents/{site.other}",
    ]
    for path in (*PUBLIC_PAGES, *incident_paths):
        text = client.get(path).text
        assert not leaks(text, site.marked), (path, leaks(text, site.marked))
    page = client.get(incident_paths[0]).text
    assert "Strike on a school in Kharkiv" in page and "1–3" in page and "4–9" in page
    assert site.marked.sha256 not in page  # never the original's fingerprint
    lines = json.dumps(card_lines(public_incident(site.ws, site.marked.incident_id), "Org"))
    assert "Strike on a school in Kharkiv" in lines and not leaks(lines, site.marked)


def test_no_public_page_refers_to_another_site(site: Site, client: TestClient) -> None:
    host = urlsplit(BASE).netloc
    # absolute links (share tags, the page's own address) go to the configured public site
    public_host = urlsplit(site.ws.settings.absolute_base_url).netloc
    for path in (*PUBLIC_PAGES[:4], f"/public/incidents/{site.marked.incident_id}"):
        links = parse(client.get(path).text)
        assert not links.styles, f"{path}: inline style or script {links.styles}"
        for tag, key, url in links.urls:
            parts = urlsplit(url)
            if parts.scheme == "data":
                continue
            assert parts.netloc in ("", host, public_host), f"{path}: {tag} {key}={url} leaves"
            if parts.netloc == "" and tag in ("link", "script", "img"):
                assert client.get(url).status_code == 200, f"{path}: {url} is missing"
        for value in links.metas.values():
            if value.startswith(("http:", "https:")):
                assert urlsplit(value).netloc == public_host, value


def _weight(client: TestClient, path: str) -> tuple[int, list[str]]:
    """Bytes of a page and of the CSS, JS and fonts it loads (images and media excluded)."""
    r = client.get(path)
    total, loaded = len(r.content), [path]
    for tag, key, url in parse(r.text).urls:
        if (tag, key) in (("link", "href"), ("script", "src")) and not url.startswith(
            "/public/feed"
        ):
            if tag == "link" and url.startswith(("http", "/public")):
                continue  # canonical and alternate links are not loaded
            body = client.get(url).content
            total += len(body)
            loaded.append(url)
            for font in re.findall(rb"url\(([^)]+\.(?:woff2?|ttf|otf))\)", body):
                total += len(client.get(font.decode().strip("'\"")).content)
                loaded.append(font.decode())
    return total, loaded


def test_an_incident_page_weighs_under_200_kb(site: Site, client: TestClient) -> None:
    total, loaded = _weight(client, f"/public/incidents/{site.marked.incident_id}")
    assert "/static/public.css" in loaded
    print(f"incident page weight before media: {total} bytes ({', '.join(loaded)})")
    assert total < PAGE_BUDGET, f"{total} bytes: {loaded}"
    home, _ = _weight(client, "/public")  # the map page loads Leaflet: it is measured too
    assert home > total


def test_filters_narrow_every_view(site: Site, client: TestClient) -> None:
    r = client.get("/public", params={"oblast": "Kherson Oblast"})
    assert "Shelling of a market" in r.text and "Strike on a school" not in r.text
    r = client.get("/public/timeline", params={"type": "shelling", "weapon": "bm_21_grad"})
    assert "Shelling of a market" in r.text and "Strike on a school" not in r.text
    r = client.get("/public/dashboard", params={"object": "school"})
    assert ">1<" in r.text.replace(" ", "")  # one incident
    r = client.get("/public", params={"from": "2030-01-01"})
    assert "No published incident matches" in r.text
    bad = client.get("/public", params={"from": "yesterday"})
    assert bad.status_code == 422 and "must be a date" in bad.text
    unknown = client.get("/public", params={"type": "tea party"})
    assert unknown.status_code == 422 and "known terms" in unknown.text


def test_a_total_with_no_figure_is_not_known_never_zero(site: Site, client: TestClient) -> None:
    """No incident of the selection gives a figure: the totals say "not known" (and not
    "0 from 0 incidents"), in either language."""
    for language, words in (("en", "not known"), ("uk", "невідомо")):
        page = client.get("/public/dashboard", params={"from": "2030-01-01", "lang": language})
        totals = page.text.split('class="totals"', 1)[1].split("\n</div>", 1)[0]
        assert totals.count(f"<strong>{words}</strong>") == 2, totals
        people = totals.split("</div>", 1)[1]  # after the count of incidents (a known 0)
        assert "<strong>0</strong>" not in people and "0 incidents" not in people


def test_pages_of_the_list_follow_one_another(
    site: Site, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civwatch.web import public_pages

    monkeypatch.setattr(public_pages, "PAGE_SIZE", 1)
    first = client.get("/public").text
    nxt = re.search(r'href="(/public\?cursor=\d+)#list" rel="next"', first)
    assert nxt and "Shelling of a market" in first
    second = client.get(nxt.group(1)).text
    assert "Strike on a school" in second and "Shelling of a market" not in second
    assert 'rel="next"' not in second and "Newest incidents" in second


def test_corrections_show_on_the_page_and_in_the_feeds(site: Site, client: TestClient) -> None:
    correct_incident(
        site.ws, site.other, "the death toll rose to 5 after a victim died", actor="pat"
    )
    page = client.get(f"/public/incidents/{site.other}").text
    assert re.search(r"Corrected on <time[^>]*>\d+ \w+ 20\d\d</time>: the death toll rose", page)
    entries = client.get("/public/feed.json").json()["items"]
    assert entries[0]["id"].endswith(f"/public/incidents/{site.other}")  # newest change first
    assert "Corrected on" in entries[0]["content_text"]
    assert entries[0]["date_modified"] > entries[0]["date_published"]


def test_open_graph_and_share_card(site: Site, client: TestClient) -> None:
    page = client.get(f"/public/incidents/{site.other}").text
    metas = parse(page).metas
    assert metas["og:title"] == "Shelling of a market in Kherson"
    assert metas["og:type"] == "article" and "Kherson" in metas["og:description"]
    card = client.get(urlsplit(metas["og:image"]).path)
    assert card.status_code == 200 and card.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(card.content))
    assert image.size == (1200, 630)
    assert client.get(urlsplit(metas["og:image"]).path).content == card.content  # cached


def test_share_card_is_in_the_language_of_the_page(site: Site, client: TestClient) -> None:
    from civwatch.publish.sharecard import draw_card

    incident = public_incident(site.ws, site.other)
    organisation = site.ws.settings.organisation_name
    cards = {}
    for language in ("uk", "en"):
        page = client.get(f"/public/incidents/{site.other}?lang={language}").text
        image = urlsplit(parse(page).metas["og:image"])
        card = client.get(image.path + (f"?{image.query}" if image.query else ""))
        assert card.status_code == 200
        # the very card of that language: its words, date and place in it
        assert card.content == draw_card(card_lines(incident, organisation, language))
        cards[language] = card.content
    assert cards["uk"] != cards["en"]
    assert card_lines(incident, organisation, "uk")["place"].startswith("Херсон")


def _blob(ws: Workspace, sha256: str) -> bytes:
    with ws.vault.open(sha256) as f:
        return f.read()


def test_published_media_is_the_redacted_copy_behind_a_warning(
    site: Site, client: TestClient
) -> None:
    sha = site.marked.sha256
    draft = create_redaction(site.ws, sha, graphic=True, actor="ivan")
    page = client.get(f"/public/incidents/{site.marked.incident_id}").text
    assert "/media/0" not in page  # a draft is not published
    approve_redaction(site.ws, draft["id"], actor="pat")
    page = client.get(f"/public/incidents/{site.marked.incident_id}").text
    assert re.search(r'<details class="warning"><summary>Warning: graphic content', page)
    r = client.get(f"/public/incidents/{site.marked.incident_id}/media/0")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.content == _blob(site.ws, draft["derivative_sha256"])
    assert r.content != _blob(site.ws, sha)
    assert MARKER.encode() not in r.content and b"GPS" not in r.content
    assert client.get(f"/public/incidents/{site.marked.incident_id}/media/1").status_code == 404


def test_feeds_are_valid(site: Site, client: TestClient) -> None:
    r = client.get("/public/feed.atom")
    assert r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert root.find(required, ns) is not None, required
    entries = root.findall("a:entry", ns)
    assert len(entries) == 2
    for entry in entries:
        for required in ("a:id", "a:title", "a:updated", "a:published", "a:content"):
            assert (entry.findtext(required, namespaces=ns) or "").strip(), required
        link = entry.find("a:link[@rel='alternate']", ns)
        assert (
            link is not None and client.get(urlsplit(link.get("href", "")).path).status_code == 200
        )
    j = client.get("/public/feed.json")
    assert j.headers["content-type"].startswith("application/feed+json")
    doc = j.json()
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["feed_url"].endswith("/public/feed.json") and doc["title"]
    assert {i["title"] for i in doc["items"]} == {
        "Strike on a school in Kharkiv",
        "Shelling of a market in Kherson",
    }
    assert all(i["id"] and "content_text" in i for i in doc["items"])
