"""The supporter's whole way with a real SMTP server: sign, receive the mail, follow its
link, see the count move; duplicates count once; forged and expired links are refused;
mail is retried while the server is down and arrives once it is back."""

from __future__ import annotations

import pytest

from civwatch.campaigns import actions, keys, outbox
from civwatch.campaigns.public import public_view
from civwatch.errors import ConflictError, NotFoundError, RejectedInputError
from civwatch.workspace import Workspace
from tests.campaigns.conftest import SmtpServer, live_letter, live_petition

SIGNER = {"name": "Olena Test", "email": "olena@example.org", "country": "UA"}


def test_signing_counts_only_after_the_mailed_link_is_followed(
    team: Workspace, smtp: SmtpServer
) -> None:
    campaign = live_petition(team)
    actions.submit_signature(team, campaign, dict(SIGNER), language="uk")
    assert public_view(team, campaign)["count"] == 0

    report = outbox.send_due(team)
    assert report.sent == 1
    (mail,) = smtp.inbox.to("olena@example.org")
    assert "Protect civilians in Kharkiv" in mail["Subject"]
    token = smtp.inbox.link("olena@example.org")

    first = actions.confirm(team, token)
    assert first == {"campaign": campaign, "outcome": "confirmed", "count": 1}
    assert public_view(team, campaign)["count"] == 1
    # The same link again, and the same address signing again in other letters, count once.
    assert actions.confirm(team, token)["outcome"] == "already-confirmed"
    actions.submit_signature(team, campaign, {**SIGNER, "email": " OLENA@Example.org "})
    outbox.send_due(team)
    second = smtp.inbox.link(" OLENA@Example.org ".strip())
    assert actions.confirm(team, second) == {
        "campaign": campaign,
        "outcome": "duplicate",
        "count": 1,
    }
    assert public_view(team, campaign)["count"] == 1


def test_forged_and_expired_links_are_refused(team: Workspace, smtp: SmtpServer) -> None:
    campaign = live_petition(team)
    actions.submit_signature(team, campaign, dict(SIGNER))
    outbox.send_due(team)
    token = smtp.inbox.link("olena@example.org")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(RejectedInputError):
        actions.confirm(team, forged)
    # A deletion link is no confirmation link, even for the same action.
    with pytest.raises(RejectedInputError):
        actions.confirm(team, smtp.inbox.link("olena@example.org", "delete"))
    with pytest.raises(RejectedInputError, match="expired"):
        keys.read_token(team.settings, keys.CONFIRM, token, max_age_s=-1)
    assert public_view(team, campaign)["count"] == 0


def test_mail_is_retried_while_the_server_is_down_and_arrives_once(
    team: Workspace, smtp: SmtpServer
) -> None:
    from civwatch.db import utcnow

    campaign = live_petition(team)
    smtp.stop()
    for n in range(3):
        actions.submit_signature(team, campaign, {**SIGNER, "email": f"s{n}@example.org"})
    down = outbox.send_due(team)
    assert down.sent == 0 and down.retried == 3
    assert outbox.mail_state(team, campaign) == {"queued": 3}
    # Not due again before its back-off.
    assert outbox.send_due(team).sent == 0

    smtp.start()
    from civwatch.campaigns.models import CampaignMail  # the test reads the outbox's rows

    with team.sessions() as session, session.begin():
        for mail in session.query(CampaignMail):
            mail.next_attempt_at = utcnow()
    assert outbox.send_due(team).sent == 3
    assert outbox.send_due(team).sent == 0
    for n in range(3):
        assert len(smtp.inbox.to(f"s{n}@example.org")) == 1
    assert outbox.mail_state(team, campaign) == {"sent": 3}


def test_a_refused_address_is_recorded_as_a_bounce(team: Workspace, smtp: SmtpServer) -> None:
    campaign = live_petition(team)
    smtp.inbox.refuse.add("nobody@example.org")
    actions.submit_signature(team, campaign, {**SIGNER, "email": "nobody@example.org"})
    actions.submit_signature(team, campaign, dict(SIGNER))
    report = outbox.send_due(team)
    assert (report.sent, report.bounced) == (1, 1)
    assert outbox.mail_state(team, campaign) == {"sent": 1, "bounced": 1}


def test_a_confirmed_letter_goes_to_the_targets_of_the_supporters_country(
    team: Workspace, smtp: SmtpServer
) -> None:
    campaign = live_letter(team)
    actions.submit_letter(
        team,
        campaign,
        {**SIGNER, "country": "DE", "letter": "My own words to the mission."},
    )
    outbox.send_due(team)
    assert smtp.inbox.to("mission-de@example.org") == []
    actions.confirm(team, smtp.inbox.link("olena@example.org"))
    outbox.send_due(team)
    (letter,) = smtp.inbox.to("mission-de@example.org")
    assert "My own words to the mission." in smtp.inbox.body(letter)
    assert smtp.inbox.to("mission-fr@example.org") == []
    assert public_view(team, campaign)["count"] == 1


def test_a_draft_does_not_exist_in_public_and_takes_nothing(team: Workspace) -> None:
    from civwatch.campaigns.service import close_campaign, create_campaign

    draft = create_campaign(team, actor="ivan", title="Not yet", kind="petition")
    with pytest.raises(NotFoundError):
        public_view(team, draft["id"])
    with pytest.raises(NotFoundError):
        actions.submit_signature(team, draft["id"], dict(SIGNER))
    live = live_petition(team)
    close_campaign(team, live, actor="pat")
    with pytest.raises(ConflictError):
        actions.submit_signature(team, live, dict(SIGNER))


def test_the_deletion_link_shreds_the_supporter(team: Workspace, smtp: SmtpServer) -> None:
    campaign = live_petition(team)
    actions.submit_signature(team, campaign, dict(SIGNER))
    outbox.send_due(team)
    actions.confirm(team, smtp.inbox.link("olena@example.org"))
    assert actions.delete_by_token(team, smtp.inbox.link("olena@example.org", "delete")) == {
        "campaign": campaign,
        "deleted": True,
    }
    # The count stays; nothing of the supporter can be read any more.
    assert public_view(team, campaign)["count"] == 1
    with pytest.raises(NotFoundError):
        actions.confirm(team, smtp.inbox.link("olena@example.org"))
