"""The custody log: tree heads, entries and proofs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from civwatch.cli.common import (
    AsJson,
    DataDir,
    TokenFile,
    acting,
    b64,
    emit,
    fail,
    hex_,
    out,
    workspace,
)
from civwatch.custody.signing import key_fingerprint
from civwatch.i18n import _, ngettext

custody_app = typer.Typer(no_args_is_help=True, help="The custody log: tree heads and proofs.")


@custody_app.command("head")
def custody_head(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Sign (if it grew) and print the current tree head (kept in the heads file first)."""
    with workspace(data_dir) as ws:
        with ws.sessions() as session, session.begin():
            ws.custody.lock(session)
            head = ws.custody.sign_head(session, ws.signing_key)
        ws.show_head(head)
    doc = {
        "tree_size": head.tree_size,
        "root_hash": hex_(head.root_hash),
        "timestamp": head.timestamp_ms,
        "signature": b64(head.signature),
        "public_key": b64(head.public_key),
        "key_fingerprint": key_fingerprint(head.public_key),
    }
    if as_json:
        emit(doc)
    else:
        for key, value in doc.items():
            out.print(f"{key}: {value}")


@custody_app.command("rotate-key")
def custody_rotate_key(
    data_dir: DataDir = None, token_file: TokenFile = None, as_json: AsJson = False
) -> None:
    """Make a new signing key, announce it in the custody log signed by the old key, and
    destroy the old key (admins; see docs/admins.md)."""
    from civwatch.accounts.permissions import Permission
    from civwatch.evidence.signing_keys import rotate_signing_key

    with workspace(data_dir) as ws:
        rotation = rotate_signing_key(ws, acting(ws, Permission.CUSTODY_KEYS, token_file))
    doc = {
        "old_key_fingerprint": rotation.old_fingerprint,
        "new_key_fingerprint": rotation.new_fingerprint,
        "announcement_index": rotation.leaf,
        "tree_size": rotation.head.tree_size,
        "resumed": rotation.resumed,
    }
    if as_json:
        emit(doc)
        return
    out.print(
        _(
            "The custody logs are now signed with key %(new)s, announced at entry %(leaf)s and "
            "signed by the retired key %(old)s, which was destroyed. Publish the new "
            "fingerprint next to the first one.",
            new=rotation.new_fingerprint,
            leaf=rotation.leaf,
            old=rotation.old_fingerprint,
        )
    )


@custody_app.command("entries")
def custody_entries(
    start: Annotated[int, typer.Option(min=0, help="First index.")] = 0,
    end: Annotated[int | None, typer.Option(min=0, help="One past the last index.")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Print log entries [start, end) as JSON lines (the exact leaf bytes, base64)."""
    with workspace(data_dir) as ws, ws.sessions() as session:
        size = ws.custody.size(session)
        stop = size if end is None else min(end, size)
        if start > stop:
            fail(
                ngettext(
                    "--start %(start)s is past the end of the log (%(num)s entry)",
                    "--start %(start)s is past the end of the log (%(num)s entries)",
                    size,
                    start=start,
                ),
                2,
            )
        for index, raw in ws.custody.entries(session, start, stop):
            if as_json:
                emit({"index": index, "entry": b64(raw)})
            else:
                out.print(f"{index}\t{escape(raw.decode('utf-8', 'replace'))}")


@custody_app.command("prove")
def custody_prove(
    index: Annotated[int | None, typer.Option(min=0, help="Leaf index to prove.")] = None,
    item: Annotated[str | None, typer.Option(help="Prove this item's ingest entry.")] = None,
    tree_size: Annotated[int | None, typer.Option(min=1, help="Tree size (default: now).")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """An inclusion proof for one entry."""
    from civwatch.evidence.service import find_item

    if (index is None) == (item is None):
        fail(_("give exactly one of --index or --item"), 2)
    with workspace(data_dir) as ws:
        leaf = find_item(ws, item).ingest_leaf if item is not None else index
        assert leaf is not None
        with ws.sessions() as session:
            proof = ws.custody.inclusion_proof(session, leaf, tree_size)
    doc = {
        "leaf_index": proof.leaf_index,
        "tree_size": proof.tree_size,
        "leaf_hash": hex_(proof.leaf_hash),
        "root_hash": hex_(proof.root_hash),
        "audit_path": [hex_(h) for h in proof.audit_path],
    }
    if as_json:
        emit(doc)
    else:
        out.print_json(data=doc)


@custody_app.command("consistency")
def custody_consistency(
    first: Annotated[int, typer.Option(min=0, help="The older tree size.")],
    second: Annotated[
        int | None, typer.Option(min=0, help="The newer size (default: now).")
    ] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """A consistency proof between two tree sizes."""
    with workspace(data_dir) as ws, ws.sessions() as session:
        size2 = ws.custody.size(session) if second is None else second
        proof = ws.custody.consistency_proof(session, first, size2)
    doc = {
        "first": proof.first,
        "second": proof.second,
        "first_root": hex_(proof.first_root),
        "second_root": hex_(proof.second_root),
        "proof": [hex_(h) for h in proof.proof],
    }
    if as_json:
        emit(doc)
    else:
        out.print_json(data=doc)


# --- demo and serve -------------------------------------------------------------------------
