"""What ``civwatch verify`` checks of the intake domain: every imported message against
the ``message-import`` entry that recorded it, every web capture against its
``web-capture`` entry, and the captures' item rows against their captures."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.custody.bindings import (
    AnySelect,
    Binding,
    Declarations,
    Entry,
    Problem,
    Progress,
    RowCheck,
    as_json,
    fields,
)
from civwatch.i18n import SOURCE_LANGUAGE, _, localise
from civwatch.intake.acts import WEB_CAPTURE
from civwatch.intake.message_acts import MESSAGE_IMPORT
from civwatch.intake.models import ImportedMessage, WebCapture, WebCaptureItem

CAPTURE_TABLE = "intake_capture"
CAPTURE_ITEM_TABLE = "intake_capture_item"


def _messages() -> AnySelect:
    m = ImportedMessage
    return select(
        m.id.label("id"),
        m.custody_leaf.label("leaf"),
        m.platform.label("platform"),
        m.chat.label("chat"),
        m.message_id.label("message_id"),
        m.message_sha256.label("message_sha256"),
        m.export_sha256.label("export_sha256"),
        m.item_sha256.label("sha256"),
        m.status.label("status"),
        m.published_at.label("published_at"),
        m.imported_by.label("imported_by"),
        m.imported_at.label("imported_at"),
    )


def _captures() -> AnySelect:
    c = WebCapture
    return select(
        c.id.label("id"),
        c.custody_leaf.label("leaf"),
        c.url.label("url"),
        c.final_url.label("final_url"),
        c.http_status.label("http_status"),
        c.captured_at.label("captured_at"),
        c.certificate_sha256.label("certificate_sha256"),
        c.browser.label("browser"),
        c.items.label("items"),
        c.warnings.label("warnings"),
        c.warning_messages.label("warning_messages"),
        c.captured_by.label("captured_by"),
        c.recorded_at.label("recorded_at"),
    )


def _shown_warnings(row: dict[str, Any], entry: Entry) -> Iterable[str]:
    """The warnings the pages show (in any language) must be the entry's, in English."""
    from civwatch.intake.capture import message_from_doc

    docs = as_json(row["warning_messages"]) or []
    if not docs:
        return
    shown = [localise(message_from_doc(d), SOURCE_LANGUAGE) for d in docs]
    if shown != entry.get("warnings"):
        yield _("the warnings shown in every language differ from the entry's")


def capture_items(session: Session, progress: Progress | None) -> Iterator[Problem]:
    """Each capture's item rows (how an item finds its captures) against the capture's
    items (which its entry holds): none added, none missing, none of another kind."""
    listed: dict[int, set[tuple[str, str]]] = {}
    for capture_id, items in session.execute(select(WebCapture.id, WebCapture.items)):
        try:
            listed[capture_id] = {(i["sha256"], i["kind"]) for i in as_json(items) or []}
        except (TypeError, KeyError):
            listed[capture_id] = set()
    rows: dict[int, set[tuple[str, str]]] = {}
    for row_id, capture_id, sha256, kind in session.execute(
        select(
            WebCaptureItem.id,
            WebCaptureItem.capture_id,
            WebCaptureItem.item_sha256,
            WebCaptureItem.kind,
        ).order_by(WebCaptureItem.id)
    ):
        rows.setdefault(capture_id, set()).add((sha256, kind))
        if (sha256, kind) not in listed.get(capture_id, set()):
            yield Problem(
                CAPTURE_ITEM_TABLE,
                str(row_id),
                _(
                    "capture %(capture)s lists no %(kind)s item %(sha256)s",
                    capture=capture_id,
                    kind=kind,
                    sha256=sha256,
                ),
            )
    for capture_id, items in listed.items():
        for sha256, kind in sorted(items - rows.get(capture_id, set())):
            yield Problem(
                CAPTURE_TABLE,
                str(capture_id),
                _("the %(kind)s item %(sha256)s has no row", kind=kind, sha256=sha256),
            )
    if progress is not None:
        progress("web capture items", len(listed), len(listed))


def declarations() -> Declarations:
    """The intake domain's bindings."""
    return Declarations(
        bindings=[
            Binding(
                table="intake_message",
                stage="imported chat messages",
                acts=(MESSAGE_IMPORT.name,),
                query=_messages,
                fields=fields(
                    "platform",
                    "chat",
                    "message_id",
                    "message_sha256",
                    "export_sha256",
                    "sha256",
                    "status",
                    ("published_at", "published_at", "time"),
                    ("actor", "imported_by"),
                    ("at", "imported_at", "time"),
                ),
            ),
            Binding(
                table=CAPTURE_TABLE,
                stage="web captures",
                acts=(WEB_CAPTURE.name,),
                query=_captures,
                fields=fields(
                    "url",
                    "final_url",
                    ("http_status", "http_status", "number"),
                    ("captured_at", "captured_at", "time"),
                    "certificate_sha256",
                    "browser",
                    ("items", "items", "json"),
                    ("warnings", "warnings", "json"),
                    ("actor", "captured_by"),
                    ("at", "recorded_at", "time"),
                ),
                check=_shown_warnings,
            ),
        ],
        checks=[RowCheck("web capture items", capture_items)],
    )
