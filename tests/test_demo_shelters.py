"""The demo's shelters: imported once through the GeoJSON import, with reports confirmed
by the demo admin, so the nearest page shows confirmed statuses at once."""

from __future__ import annotations

from datetime import UTC, datetime

from civwatch.accounts import add_user
from civwatch.demo_shelters import (
    DEMO_ADDRESSES,
    DEMO_REPORTS,
    DEMO_SHELTERS,
    KHARKIV,
    KYIV,
    load_demo_shelters,
)
from civwatch.shelters.nearest import nearest
from civwatch.shelters.registry import hromadas, shelters_in
from civwatch.shelters.reports import pending_reports
from civwatch.workspace import Workspace


def test_demo_shelters_load_once_with_confirmed_reports(workspace: Workspace) -> None:
    add_user(workspace, "demo-admin", "Demo admin", ["admin"], actor=None)
    made = load_demo_shelters(workspace, "demo-admin")
    assert made == {
        "shelters": len(DEMO_SHELTERS),
        "reports": len(DEMO_REPORTS),
        "confirmed": sum(1 for *_, confirmed in DEMO_REPORTS if confirmed),
    }
    assert 20 <= len(DEMO_SHELTERS) <= 30
    again = load_demo_shelters(workspace, "demo-admin")
    assert again == {"shelters": 0, "reports": 0, "confirmed": 0}
    with workspace.sessions() as session:
        assert dict(hromadas(session)) == dict([KYIV, KHARKIV])
        assert len(shelters_in(session, [KYIV[0], KHARKIV[0]])) == len(DEMO_SHELTERS)
        waiting = pending_reports(session)
    assert len(waiting) == sum(1 for *_, confirmed in DEMO_REPORTS if not confirmed)
    # near Khreshchatyk: the confirmed open metro station first, the locked school left out
    found = nearest(workspace, 50.4474, 30.5226, limit=20, now=datetime.now(UTC))
    assert found[0].name == "Станція метро «Хрещатик»"
    assert found[0].status.code == "open" and found[0].status.confirmations == 2
    assert "Укриття у школі № 57" not in [f.name for f in found]
    # every demo shelter has an address, which the nearest answer gives
    assert found[0].address == "м. Київ, вул. Хрещатик, 19а"
    assert all(f.address for f in found)
    with workspace.sessions() as session:
        every = shelters_in(session, [KYIV[0], KHARKIV[0]])
    assert {s.id: s.address for s in every} and all(s.address for s in every)
    assert set(DEMO_ADDRESSES) == {sid for sid, *_ in DEMO_SHELTERS}
