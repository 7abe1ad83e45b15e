"""Campaigns on the command line (``civwatch campaign ...``): draft one, import its
targets, make it live or close it (a publisher), make the delivery PDF, purge supporters'
data. Acting with the caller's API token, through the same services as the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.accounts.permissions import Permission
from civwatch.cli.common import AsJson, DataDir, TokenFile, acting, emit, out, workspace
from civwatch.errors import RejectedInputError
from civwatch.files import write_atomic
from civwatch.i18n import _, gettext, ngettext

campaign_app = typer.Typer(
    no_args_is_help=True,
    help="Campaigns: petitions and letters to decision-makers, confirmed by e-mail.",
)

CampaignId = Annotated[int, typer.Argument(help="The campaign's number.")]


def _line(doc: dict[str, Any]) -> None:
    from civwatch.campaigns.service import KIND_LABELS, STATE_LABELS

    out.print(
        _(
            "Campaign %(id)s (%(kind)s, %(state)s): %(title)s; %(count)s confirmed.",
            id=doc["id"],
            kind=gettext(KIND_LABELS[doc["kind"]]),
            state=gettext(STATE_LABELS[doc["state"]]),
            title=escape(doc["title"]),
            count=doc["count"],
        )
    )


def _show(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(doc)
    else:
        _line(doc)


@campaign_app.command("create")
def create(
    title: Annotated[str, typer.Option(help="The campaign's title.")],
    kind: Annotated[str, typer.Option(help="petition or letter.")] = "petition",
    summary: Annotated[str, typer.Option(help="What it is about.")] = "",
    ask: Annotated[str, typer.Option(help="What it asks of the targets.")] = "",
    letter_subject: Annotated[str, typer.Option(help="A letter's subject.")] = "",
    letter_file: Annotated[
        Path | None, typer.Option(help="A file holding the letter supporters start from.")
    ] = None,
    goal: Annotated[int | None, typer.Option(help="How many supporters it aims for.")] = None,
    incident: Annotated[
        list[int] | None, typer.Option(help="A published incident it is about (repeat).")
    ] = None,
    retention_days: Annotated[
        int, typer.Option(help="Days supporters' data is kept after it closes.")
    ] = 180,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Draft a campaign (campaigns.write)."""
    from civwatch.campaigns.service import create_campaign

    letter = ""
    if letter_file is not None:
        try:
            letter = letter_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RejectedInputError(
                _("The letter file %(path)s cannot be read.", path=str(letter_file))
            ) from exc
    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.CAMPAIGNS_WRITE, token_file)
        doc = create_campaign(
            ws,
            actor=actor,
            title=title,
            kind=kind,
            summary=summary,
            ask=ask,
            letter_subject=letter_subject,
            letter_template=letter,
            goal=goal,
            incidents=incident or [],
            retention_days=retention_days,
        )
    if as_json:
        emit({"id": doc["id"], "state": doc["state"], "kind": doc["kind"]})
        return
    _line(doc)


@campaign_app.command("publish")
def publish(
    campaign_id: CampaignId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Make a draft campaign live (a publisher)."""
    from civwatch.campaigns.service import publish_campaign

    with workspace(data_dir) as ws:
        doc = publish_campaign(ws, campaign_id, actor=acting(ws, Permission.PUBLISH, token_file))
    _show(doc, as_json)


@campaign_app.command("close")
def close(
    campaign_id: CampaignId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Close a live campaign (a publisher): it takes no more actions."""
    from civwatch.campaigns.service import close_campaign

    with workspace(data_dir) as ws:
        doc = close_campaign(ws, campaign_id, actor=acting(ws, Permission.PUBLISH, token_file))
    _show(doc, as_json)


@campaign_app.command("targets-import")
def targets_import(
    campaign_id: CampaignId,
    file: Annotated[Path, typer.Argument(help="A CSV file: name,country,email.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Replace a campaign's targets with those of a CSV file (campaigns.write)."""
    from civwatch.campaigns.service import import_targets

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise RejectedInputError(
            _("The target list %(path)s cannot be read.", path=str(file))
        ) from exc
    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.CAMPAIGNS_WRITE, token_file)
        doc = import_targets(ws, campaign_id, data, actor=actor)
    if as_json:
        emit(doc)
        return
    out.print(ngettext("%(num)s target imported.", "%(num)s targets imported.", doc["targets"]))


@campaign_app.command("deliver")
def deliver(
    campaign_id: CampaignId,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the PDF.")],
    language: Annotated[str, typer.Option(help="The document's language: uk or en.")] = "en",
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Write the delivery PDF for the targets: the text, the count by country, the names
    of supporters who agreed to be named (campaigns.write); recorded as delivered."""
    from civwatch.campaigns.delivery import deliver as make

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.CAMPAIGNS_WRITE, token_file)
        pdf, doc = make(ws, campaign_id, actor=actor, language=language)
    write_atomic(out_file, pdf)
    if as_json:
        emit({**doc, "path": str(out_file)})
        return
    out.print(
        _(
            "Delivery document written to %(path)s: %(count)s supporters, %(named)s named.",
            path=escape(str(out_file)),
            count=doc["count"],
            named=doc["named"],
        )
    )


@campaign_app.command("list")
def list_(
    state: Annotated[str | None, typer.Option(help="Only draft, live or closed.")] = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """List campaigns, newest first (campaigns.write)."""
    from civwatch.campaigns.service import list_campaigns

    with workspace(data_dir) as ws:
        found = list_campaigns(
            ws, actor=acting(ws, Permission.CAMPAIGNS_WRITE, token_file), state=state
        )
    if as_json:
        emit(found)
        return
    if not found:
        out.print(_("No campaigns."))
    for doc in found:
        _line(doc)


@campaign_app.command("show")
def show(
    campaign_id: CampaignId,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Show a campaign: its text, state, count and targets (campaigns.write)."""
    from civwatch.campaigns.service import get_campaign

    with workspace(data_dir) as ws:
        doc = get_campaign(
            ws, campaign_id, actor=acting(ws, Permission.CAMPAIGNS_WRITE, token_file)
        )
    _show(doc, as_json)


@campaign_app.command("purge")
def purge(
    campaign_id: Annotated[
        int | None, typer.Argument(help="Purge this campaign's supporters now.")
    ] = None,
    expired: Annotated[
        bool, typer.Option("--expired", help="Purge every campaign past its retention period.")
    ] = False,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Destroy supporters' data (their keys): one campaign's now, or every campaign's
    whose retention period has passed (campaigns.write). Counts stay."""
    from civwatch.campaigns.retention import purge_campaign, purge_expired

    if (campaign_id is None) == (not expired):
        raise RejectedInputError(_("Name a campaign, or give --expired."))
    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.CAMPAIGNS_WRITE, token_file)
        if campaign_id is not None:
            doc = purge_campaign(ws, campaign_id, actor=actor)
            actions = int(doc["actions"])
        else:
            doc = purge_expired(ws)
            actions = int(doc["actions"]) + int(doc["unconfirmed"])
    if as_json:
        emit(doc)
        return
    out.print(
        ngettext(
            "%(num)s supporter's data destroyed.", "%(num)s supporters' data destroyed.", actions
        )
    )


@campaign_app.command("forget")
def forget(
    campaign_id: CampaignId,
    email: Annotated[str, typer.Argument(help="The supporter's e-mail address.")],
    token_file: TokenFile = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Delete a supporter on their request: every action of that e-mail in the campaign
    (campaigns.write)."""
    from civwatch.campaigns.retention import forget_supporter

    with workspace(data_dir) as ws:
        actor = acting(ws, Permission.CAMPAIGNS_WRITE, token_file)
        doc = forget_supporter(ws, campaign_id, email, actor=actor)
    if as_json:
        emit(doc)
        return
    out.print(ngettext("%(num)s action deleted.", "%(num)s actions deleted.", int(doc["actions"])))
