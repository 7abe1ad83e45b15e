"""The demo data set: loads twice without adding anything twice, and shows the whole
workflow (published incidents, work waiting for review) under clearly demo-only names."""

from __future__ import annotations

from pathlib import Path

from civwatch.demo import DEMO_INCIDENTS, load_demo
from civwatch.incidents.service import list_incidents
from civwatch.workspace import Workspace
from tests.incidents.helpers import gazetteer_cache, seed_cache  # noqa: F401


def test_demo_loads_once_with_published_incidents(
    workspace: Workspace, gazetteer_cache: Path
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
