"""A shelter's shown status: only confirmed reports count, weighed by channel and halved
every HALF_LIFE; it says how it was established and when, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civwatch.i18n import use_language
from civwatch.shelters.importing import import_file
from civwatch.shelters.reports import confirm_report, dismiss_report, submit_report
from civwatch.shelters.status import (
    CHANNEL_WEIGHTS,
    HALF_LIFE,
    HORIZON,
    MIN_WEIGHT,
    report_weight,
    shown_status,
    weigh,
)
from civwatch.workspace import Workspace
from tests.shelters.conftest import PrincipalOf
from tests.shelters.samples import BOMB, write_osm

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_report_weighs_its_channel_and_halves_every_half_life() -> None:
    assert report_weight("web", NOW, NOW) == CHANNEL_WEIGHTS["web"]
    assert report_weight("web", NOW - HALF_LIFE, NOW) == pytest.approx(CHANNEL_WEIGHTS["web"] / 2)
    assert report_weight("coordinator", NOW - 2 * HALF_LIFE, NOW) == pytest.approx(0.25)
    assert report_weight("web", NOW - HORIZON - timedelta(seconds=1), NOW) == 0.0
    assert report_weight("nobody-knows", NOW, NOW) == 0.0
    assert CHANNEL_WEIGHTS["coordinator"] > CHANNEL_WEIGHTS["web"] > CHANNEL_WEIGHTS["api"]


def test_one_public_report_holds_about_thirty_hours() -> None:
    fresh = weigh([("open", "web", NOW - timedelta(hours=29))], NOW)
    assert (fresh.code, fresh.confirmations, fresh.basis) == ("open", 1, "reports")
    stale = weigh([("open", "web", NOW - timedelta(hours=32))], NOW)
    assert (stale.code, stale.basis) == ("unknown", "none")
    assert stale.at == NOW - timedelta(hours=32)
    assert stale.sentence(NOW) == "unknown — the last report, 32 hours ago, is too old to rely on"
    # A coordinator's own report holds two half-lives.
    assert weigh([("locked", "coordinator", NOW - timedelta(hours=47))], NOW).code == "locked"
    assert MIN_WEIGHT == 0.25


def test_fresh_weight_outweighs_older_reports() -> None:
    reports = [
        ("closed", "web", NOW - timedelta(hours=20)),
        ("closed", "web", NOW - timedelta(hours=22)),
        ("open", "coordinator", NOW - timedelta(minutes=10)),
    ]
    shown = weigh(reports, NOW)
    assert (shown.code, shown.confirmations) == ("open", 1)


def test_without_reports_the_source_or_nothing_speaks() -> None:
    assert weigh([], NOW, ("unusable", NOW - timedelta(days=2))).basis == "registry"
    none = weigh([], NOW)
    assert (none.code, none.at, none.basis) == ("unknown", None, "none")
    assert none.sentence(NOW) == "unknown — no report in 30 days"
    with use_language("uk"):
        assert none.sentence(NOW) == "невідомо — жодного повідомлення за 30 днів"


def test_the_sentence_says_how_many_and_how_long_ago() -> None:
    reports = [("open", "web", NOW - timedelta(minutes=m)) for m in (40, 50, 55)]
    shown = weigh(reports, NOW)
    assert shown.sentence(NOW) == "open — confirmed by 3 people, 40 minutes ago"
    with use_language("uk"):
        assert shown.sentence(NOW) == "відчинено — підтвердили 3 людини, 40 хвилин тому"
    one = weigh(reports[:1], NOW)
    assert one.sentence(NOW) == "open — confirmed by 1 person, 40 minutes ago"


def test_only_confirmed_reports_change_the_status(
    crew: Workspace, principal: PrincipalOf, tmp_path: Path
) -> None:
    write_osm(tmp_path / "a.osm", [(1, 50.45, 30.52, BOMB)])
    import_file(crew, tmp_path / "a.osm")
    with crew.sessions() as session:
        from sqlalchemy import select

        from civwatch.shelters.models import Shelter

        shelter_id = session.scalars(select(Shelter.id)).one()
    pending = submit_report(crew, shelter_id, "locked")
    dismissed = submit_report(crew, shelter_id, "flooded")
    now = datetime.now(UTC)
    with crew.sessions() as session:
        assert shown_status(session, shelter_id, now).code == "unknown"
    dismiss_report(crew, principal("sofia"), dismissed, "a photo of another building")
    confirm_report(crew, principal("sofia"), pending)
    with crew.sessions() as session:
        shown = shown_status(session, shelter_id, datetime.now(UTC))
    assert (shown.code, shown.confirmations, shown.basis) == ("locked", 1, "reports")


def test_every_channel_has_a_label_in_both_languages() -> None:
    from civwatch.i18n import use_language
    from civwatch.shelters.vocabulary import REPORT_CHANNELS, channel_label

    assert set(REPORT_CHANNELS) == set(CHANNEL_WEIGHTS)
    with use_language("uk"):
        ukrainian = {code: channel_label(code) for code in REPORT_CHANNELS}
    with use_language("en"):
        english = {code: channel_label(code) for code in REPORT_CHANNELS}
    assert english["web"] == "Website form" and ukrainian["web"] == "Форма на сайті"
    assert all(ukrainian[code] not in (code, english[code]) for code in REPORT_CHANNELS)
    assert channel_label("carrier-pigeon") == "carrier-pigeon"
