"""Evidence through the API: several files in one upload, copies flagged, search, filters."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.evidence.search import EvidenceFilter, search_items, search_terms
from tests.jobs.helpers import running_workers, wait_for_job
from tests.support.files import noise_jpeg, photo
from tests.web.conftest import Team, bearer


def _bytes(path: Path) -> bytes:
    return path.read_bytes()


def test_upload_of_several_files_stores_each_once_and_flags_copies(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    inv = bearer(team.tokens["investigator"])
    original = _bytes(photo(tmp_path / "strike.jpg", seed=3))
    from PIL import Image

    smaller = tmp_path / "repost.jpg"
    Image.open(tmp_path / "strike.jpg").resize((640, 480)).save(smaller, "JPEG", quality=70)
    files = [
        ("files", ("strike.jpg", io.BytesIO(original), "image/jpeg")),
        ("files", ("../../etc/repost.jpg", io.BytesIO(_bytes(smaller)), "image/jpeg")),
        ("files", ("strike-again.jpg", io.BytesIO(original), "image/jpeg")),
        ("files", ("empty.bin", io.BytesIO(b""), "application/octet-stream")),
    ]
    form = {"caption": "Shelling of a school in Kharkiv", "platform": "telegram"}
    r = client.post("/api/v1/evidence", files=files, data=form, headers=inv)
    # received at once; the job that ingests them is at Location
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == job["url"] == f"/api/v1/jobs/{job['id']}"
    assert job["state"] == "queued" and job["total"] == 4
    with running_workers(team.ws.settings):
        # the first upload is ingested before the same files come again: two workers
        # would otherwise race the two jobs, and either could be the one that stores them
        wait_for_job(team.ws, job["id"])
        # the same upload again, waiting for its outcome (Prefer: wait, RFC 7240)
        files = [(k, (n, io.BytesIO(b.getvalue()), t)) for k, (n, b, t) in files]
        again = client.post(
            "/api/v1/evidence", files=files, data=form, headers={**inv, "Prefer": "wait=60"}
        )
        first = client.get(job["url"], headers=inv).json()
    assert first["state"] == "done", first
    outcomes = first["result"]["outcomes"]
    assert [o["status"] for o in outcomes] == ["ingested", "ingested", "duplicate", "rejected"]
    assert outcomes[1]["path"] == "repost.jpg"  # folders in the client's name are dropped
    assert "empty" in outcomes[3]["error"]
    assert outcomes[1]["copies"]["count"] == 1  # the repost is found as a copy
    assert again.status_code == 200 and again.headers["preference-applied"] == "wait=60"
    # the same files, source and collector: already held, and no sighting twice
    assert [o["status"] for o in again.json()["result"]["outcomes"]] == [
        "duplicate",
        "duplicate",
        "duplicate",
        "rejected",
    ]
    listing = client.get("/api/v1/evidence", headers=inv).json()
    assert listing["total"] == 2
    by_name = {i["original_name"]: i for i in listing["items"]}
    assert by_name["strike.jpg"]["sighting_count"] == 2
    assert by_name["strike.jpg"]["collected_by"] == "investigator"
    uploads = client.get(
        "/api/v1/audit", params={"action": "evidence-upload"}, headers=bearer(team.tokens["admin"])
    ).json()
    assert len(uploads) == 8 and {u["outcome"] for u in uploads} == {"ok", "failed"}


def test_a_source_with_a_nul_character_is_refused_before_anything_is_stored(
    team: Team, client: TestClient
) -> None:
    r = client.post(
        "/api/v1/evidence",
        headers=bearer(team.tokens["investigator"]),
        data={"source_url": "https://example.org/\x00post"},
        files=[("files", ("a.txt", b"a note\n", "text/plain"))],
    )
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "NUL character" in r.json()["detail"]
    jobs = client.get("/api/v1/jobs", headers=bearer(team.tokens["investigator"])).json()
    assert jobs["total"] == 0, "no upload job was queued"


def _ingest(team: Team, path: Path, caption: str, collector: str = "ivan") -> None:
    source = SourceInfo(caption=caption, account="kharkiv_now", platform="telegram")
    list(Ingest(team.ws, source=source, collector=collector).run([Candidate(path, path.name)]))


def test_full_text_search_and_filters(team: Team, client: TestClient, tmp_path: Path) -> None:
    _ingest(team, noise_jpeg(tmp_path / "saltivka-block.jpg", seed=1), "Удар по школі у Харкові")
    _ingest(team, noise_jpeg(tmp_path / "market.jpg", seed=2), "Market hit in Odesa at dawn")
    doc = tmp_path / "notes.pdf"
    doc.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    _ingest(team, doc, "Witness notes, Odesa", collector="olga")
    viewer = bearer(team.tokens["viewer"])

    def names(**params: str) -> set[str]:
        r = client.get("/api/v1/evidence", params=params, headers=viewer)
        assert r.status_code == 200, r.text
        return {i["original_name"] for i in r.json()["items"]}

    assert names(q="odesa") == {"market.jpg", "notes.pdf"}
    assert names(q="Odesa market") == {"market.jpg"}  # every word must match
    assert names(q="школі") == {"saltivka-block.jpg"}  # Cyrillic, as written
    assert names(q="salt") == {"saltivka-block.jpg"}  # word prefixes match
    assert names(q="kharkiv_now") == names()  # account names are searched too
    assert names(q="odesa", media_type="image/") == {"market.jpg"}
    assert names(media_type="application/pdf") == {"notes.pdf"}
    assert names(collected_by="olga") == {"notes.pdf"}
    assert names(q="nothing-like-this") == set()
    assert names(q='" OR 1=1 -- *') == set()  # quotes and operators are not syntax
    r = client.get("/api/v1/evidence", params={"q": '"unbalanced'}, headers=viewer)
    assert r.status_code == 200
    # new sightings are found by the next search (the index catches up)
    _ingest(team, tmp_path / "market.jpg", "Same photo reposted: Mykolaiv", collector="olga")
    assert names(q="mykolaiv") == {"market.jpg"}


def test_search_terms_are_words_only() -> None:
    assert search_terms('Kharkiv "school" OR 1=1; --') == ["kharkiv", "school", "or", "1", "1"]
    assert search_terms("   ") == []


def test_search_without_text_lists_everything_with_totals(team: Team, tmp_path: Path) -> None:
    for n in range(3):
        _ingest(team, noise_jpeg(tmp_path / f"p{n}.jpg", seed=10 + n), f"photo {n}")
    page = search_items(team.ws, EvidenceFilter(), limit=2)
    assert page["total"] == 3 and len(page["items"]) == 2
    assert search_items(team.ws, EvidenceFilter(text="photo 2"))["total"] == 1
