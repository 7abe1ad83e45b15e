"""The team's side: drafting, targets from CSV (bad rows refused with their numbers, in
the user's language), linking only published incidents, who may publish and close, what a
letter campaign needs, the delivery record, and purging supporters' data."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from civwatch.campaigns import actions, outbox, retention
from civwatch.campaigns.delivery import deliver
from civwatch.campaigns.service import (
    close_campaign,
    create_campaign,
    get_campaign,
    import_targets,
    list_campaigns,
    publish_campaign,
)
from civwatch.campaigns.targets import parse_targets
from civwatch.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RejectedInputError,
)
from civwatch.geo.gazetteer import Gazetteer
from civwatch.i18n import use_language
from civwatch.incidents.service import create_incident
from civwatch.workspace import Workspace
from tests.campaigns.conftest import TARGETS_CSV, SmtpServer, live_petition
from tests.incidents.helpers import incident_doc


def test_bad_rows_are_refused_with_their_numbers_in_both_languages() -> None:
    bad = (
        b"name,country,email\n"
        b"Mission of Germany,DE,mission@example.org\n"
        b"Mission of Nowhere,XX,nowhere@example.org\n"
        b"Mission of Poland,PL,not-an-address\n"
        b"Too,many,cells,here\n"
    )
    with pytest.raises(RejectedInputError) as refused:
        parse_targets(bad)
    message = refused.value.message
    assert "row 3" in message and "row 4" in message and "row 5" in message
    assert "row 2" not in message
    with use_language("uk"), pytest.raises(RejectedInputError) as refused_uk:
        parse_targets(bad)
    assert "рядок 3" in str(refused_uk.value) and "рядок 4" in str(refused_uk.value)
    for data in (b"", b"\xff\xfe\x00", b"name,email\nx,y@example.org\n", b"name,country,email\n"):
        with pytest.raises(RejectedInputError):
            parse_targets(data)
    assert [
        t.country for t in parse_targets(b"\xef\xbb\xbfEmail,Name,Country\na@b.org,A,ua\n")
    ] == ["UA"]


def test_a_campaign_links_only_published_incidents(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    from tests.publish.published import published_incident, verified_item

    draft_incident = create_incident(team, incident_doc(), actor="ivan", places=places)["id"]
    with pytest.raises(RejectedInputError, match="not verified and published"):
        create_campaign(team, actor="ivan", title="T", kind="petition", incidents=[draft_incident])
    published = published_incident(team, places, verified_item(team, tmp_path / "photos"))
    campaign = live_petition(team, incidents=[published])
    from civwatch.campaigns.public import live_campaigns_for_incident, public_view

    assert live_campaigns_for_incident(team, published) == [
        {"id": campaign, "title": "Protect civilians in Kharkiv", "kind": "petition"}
    ]
    assert live_campaigns_for_incident(team, draft_incident) == []
    assert public_view(team, campaign)["incidents"][0]["id"] == published
    close_campaign(team, campaign, actor="pat")
    assert live_campaigns_for_incident(team, published) == []


def test_who_may_draft_publish_and_close(team: Workspace) -> None:
    with pytest.raises(PermissionDeniedError):
        create_campaign(team, actor="val", title="T", kind="petition")
    made = create_campaign(team, actor="vera", title="T", kind="petition")
    with pytest.raises(PermissionDeniedError):
        publish_campaign(team, made["id"], actor="ivan")
    # A petition goes live with no incident and no targets.
    assert publish_campaign(team, made["id"], actor="pat")["state"] == "live"
    with pytest.raises(ConflictError):
        publish_campaign(team, made["id"], actor="pat")
    with pytest.raises(PermissionDeniedError):
        close_campaign(team, made["id"], actor="vera")
    assert close_campaign(team, made["id"], actor="pat")["state"] == "closed"
    assert [c["state"] for c in list_campaigns(team, actor="ivan")] == ["closed"]
    with pytest.raises(NotFoundError):
        get_campaign(team, 999, actor="ivan")


def test_the_public_list_holds_live_campaigns_only_newest_first(team: Workspace) -> None:
    from civwatch.campaigns.public import live_campaigns

    older = live_petition(team)
    create_campaign(team, actor="vera", title="A draft", kind="petition")
    closed = live_petition(team)
    close_campaign(team, closed, actor="pat")
    newer = live_petition(team)
    listed = live_campaigns(team)
    assert [c["id"] for c in listed] == [newer, older]
    assert listed[0]["count"] == 0 and listed[0]["goal"] == 100
    assert listed[0]["incidents"] == 0  # a number here, not the incidents' cards


def test_a_letter_needs_targets_and_its_text(team: Workspace) -> None:
    made = create_campaign(team, actor="ivan", title="Letter", kind="letter")
    with pytest.raises(RejectedInputError, match="targets"):
        publish_campaign(team, made["id"], actor="pat")
    assert import_targets(team, made["id"], TARGETS_CSV, actor="ivan")["targets"] == 2
    with pytest.raises(RejectedInputError, match="text"):
        publish_campaign(team, made["id"], actor="pat")
    with pytest.raises(RejectedInputError):
        create_campaign(team, actor="ivan", title="", kind="petition")
    with pytest.raises(RejectedInputError):
        create_campaign(team, actor="ivan", title="T", kind="poll")


def _sign_and_confirm(ws: Workspace, smtp: SmtpServer, campaign: int, **extra: object) -> None:
    email = str(extra.pop("email"))
    actions.submit_signature(ws, campaign, {"name": "N", "email": email, "country": "PL", **extra})
    outbox.send_due(ws)
    actions.confirm(ws, smtp.inbox.link(email))


def test_the_delivery_is_recorded_and_purging_keeps_the_count(
    team: Workspace, smtp: SmtpServer
) -> None:
    from civwatch.campaigns.models import CampaignAction, CampaignDelivery

    campaign = live_petition(team)
    for n in range(3):
        _sign_and_confirm(team, smtp, campaign, email=f"p{n}@example.org", consent_named=n == 0)
    pdf, doc = deliver(team, campaign, actor="ivan")
    assert pdf.startswith(b"%PDF") and doc["count"] == 3 and doc["named"] == 1
    with pytest.raises(PermissionDeniedError):
        deliver(team, campaign, actor="val")
    with team.sessions() as session:
        (row,) = session.scalars(select(CampaignDelivery)).all()
        assert row.count == 3 and row.pdf_sha256 == doc["sha256"]

    assert retention.forget_supporter(team, campaign, "P1@example.org", actor="ivan") == {
        "campaign": campaign,
        "actions": 1,
    }
    # Not yet past its retention period: nothing to purge.
    close_campaign(team, campaign, actor="pat")
    assert retention.purge_expired(team) == {"campaigns": [], "actions": 0, "unconfirmed": 0}
    from civwatch.campaigns.models import Campaign

    with team.sessions() as session, session.begin():
        row_c = session.get(Campaign, campaign)
        assert row_c is not None and row_c.closed_at is not None
        row_c.closed_at = row_c.closed_at - timedelta(days=row_c.retention_days + 1)
    assert retention.purge_expired(team) == {
        "campaigns": [campaign],
        "actions": 2,
        "unconfirmed": 0,
    }
    with team.sessions() as session:
        left = session.scalars(select(CampaignAction)).all()
        assert all(a.wrapped_key is None and a.sealed is None for a in left)
        assert all(a.email_index is None for a in left)
    assert get_campaign(team, campaign, actor="ivan")["count"] == 3
    assert deliver(team, campaign, actor="ivan")[1]["named"] == 0


def test_actions_never_confirmed_are_shredded_once_their_link_expired(team: Workspace) -> None:
    from civwatch.campaigns.models import CampaignAction

    campaign = live_petition(team)
    actions.submit_signature(
        team, campaign, {"name": "N", "email": "late@example.org", "country": "UA"}
    )
    assert retention.purge_expired(team)["unconfirmed"] == 0
    with team.sessions() as session, session.begin():
        (action,) = session.scalars(select(CampaignAction)).all()
        action.created_at = action.created_at - timedelta(
            hours=team.settings.campaign_confirm_hours + 1
        )
    assert retention.purge_expired(team)["unconfirmed"] == 1
    with team.sessions() as session:
        (action,) = session.scalars(select(CampaignAction)).all()
        assert action.sealed is None and action.state == "deleted"
    assert outbox.mail_state(team, campaign) == {}
