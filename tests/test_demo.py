"""The demo data set: loads twice without adding anything twice, and shows the whole
workflow (published incidents, work waiting for review) under clearly demo-only names."""

from __future__ import annotations

from pathlib import Path

from civwatch.demo import DEMO_INCIDENTS, load_demo
from civwatch.incidents.service import list_incidents
from civwatch.integrity import verify_workspace
from civwatch.publish.redaction import check_clean, list_redactions, published_media
from civwatch.workspace import Workspace
from tests.incidents.helpers import seed_cache


def test_demo_loads_once_with_published_incidents(
    workspace: Workspace, gazetteer_cache: Path, tmp_path: Path
) -> None:
    seed_cache(gazetteer_cache, workspace.data_dir)
    first = load_demo(workspace)
    assert first["items"] >= 8 and first["copies_found"] >= 1
    assert first["incidents"] == len(DEMO_INCIDENTS)
    creds = first["demo_admin"]
    assert creds["verifier"] == "demo-verifier" and creds["publisher_password"]
    again = load_demo(workspace)
    assert again["new"] == 0 and again["incidents"] == 0
    listing = list_incidents(workspace, limit=100)
    assert listing["total"] == len(DEMO_INCIDENTS)
    published = list_incidents(workspace, visibility="public")["incidents"]
    expected = sum(stage == "published" for *_, stage in DEMO_INCIDENTS)
    assert len(published) == expected
    assert all(i["status"] == "verified" for i in published)
    assert all(i["title"].startswith("SYNTHETIC DEMO") for i in listing["incidents"])
    # The public sees approved redacted copies only, made by one person, approved by another.
    with workspace.sessions() as session:
        for incident in published:
            (media,) = published_media(session, incident["id"])
            assert media["derivative_sha256"] != media["original_sha256"]
            assert "metadata removed" in " ".join(media["actions"]).lower()
    (media,) = list_redactions(workspace, media["original_sha256"])
    assert media["created_by"] == "demo-investigator" and media["decided_by"] == "demo-publisher"
    copy = tmp_path / "published.jpg"
    with workspace.vault.open(media["derivative_sha256"]) as f:
        copy.write_bytes(f.read())
    tags = check_clean(copy)  # raises if exiftool still reads place, time or device
    assert not any("GPS" in k for k in tags), tags
    # Everything the demo recorded verifies against its custody entries (no false alarm).
    assert [str(p) for p in verify_workspace(workspace, rehash=False)] == []
