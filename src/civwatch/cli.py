"""The ``civwatch`` command line: thin wrappers around the service functions.

Every command takes ``--data-dir`` (or ``CIVWATCH_DATA_DIR``); ``--json`` prints one JSON
document (or JSON lines for streams) on stdout. Errors are one red line on stderr and a
non-zero exit: 1 for a failure, 2 for a usage error.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from civwatch.config import Settings, load_settings
from civwatch.errors import CivwatchError
from civwatch.workspace import Workspace

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="civwatch: evidence of attacks on civilians, preserved and provable.",
)
custody_app = typer.Typer(no_args_is_help=True, help="The custody log: tree heads and proofs.")
demo_app = typer.Typer(no_args_is_help=True, help="The synthetic demo data set.")
app.add_typer(custody_app, name="custody")
app.add_typer(demo_app, name="demo")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="CIVWATCH_DATA_DIR",
        show_envvar=True,
        help="The civwatch data folder.",
        file_okay=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def settings_for(data_dir: Path | None) -> Settings:
    return load_settings(data_dir=data_dir)


@contextmanager
def workspace(data_dir: Path | None) -> Iterator[Workspace]:
    ws = Workspace.open(settings_for(data_dir))
    try:
        yield ws
    finally:
        ws.close()


def emit(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _hex(data: bytes) -> str:
    return data.hex()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- init, ingest, show, verify --------------------------------------------------------------


@app.command()
def init(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Create the data folder, its database and the custody signing key."""
    ws, created = Workspace.init(settings_for(data_dir))
    try:
        doc: dict[str, Any] = {
            "data_dir": str(ws.data_dir.resolve()),
            "created": created,
            "signing_key": str(ws.settings.signing_key_path),
        }
    finally:
        ws.close()
    if as_json:
        emit(doc)
    else:
        verb = "Created" if created else "Checked"
        out.print(f"{verb} civwatch data folder {escape(doc['data_dir'])}")


def _parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be an ISO 8601 time such as 2022-03-09T14:05:00+02:00", 2)
    if parsed.tzinfo is None:
        fail(f"{option} must say its time zone, e.g. 2022-03-09T14:05:00+02:00", 2)
    return parsed


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive).")],
    source_url: Annotated[str | None, typer.Option(help="Where the item was found.")] = None,
    platform: Annotated[str | None, typer.Option(help="Platform, e.g. telegram.")] = None,
    account: Annotated[str | None, typer.Option(help="Account that posted it.")] = None,
    post_id: Annotated[str | None, typer.Option(help="The post's id on the platform.")] = None,
    caption: Annotated[str | None, typer.Option(help="Caption text as posted.")] = None,
    published_at: Annotated[
        str | None, typer.Option(help="When the source says it was published (ISO 8601 with zone).")
    ] = None,
    collector: Annotated[str, typer.Option(help="Who collected it.")] = "cli",
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Ingest files into the vault, recording each act in the custody log."""
    from civwatch.evidence.collect import Candidate, find_files
    from civwatch.evidence.ingest import Ingest, SourceInfo

    source = SourceInfo(
        url=source_url,
        platform=platform,
        account=account,
        post_id=post_id,
        caption=caption,
        published_at=_parse_time(published_at, "--published-at"),
    )
    counts = {"ingested": 0, "duplicate": 0, "rejected": 0}
    with workspace(data_dir) as ws, progress_bar() as bar:
        found = list(find_files(paths))
        task = bar.add_task("ingesting", total=sum(isinstance(f, Candidate) for f in found))
        for outcome in Ingest(ws, source=source, collector=collector).run(found):
            counts[outcome.status] += 1
            if outcome.status != "rejected":
                bar.advance(task)
            if as_json:
                emit(outcome.as_json())
            elif outcome.status == "rejected":
                err.print(f"[red]rejected[/] {escape(outcome.path)}: {escape(outcome.error or '')}")
            else:
                colour = "green" if outcome.status == "ingested" else "yellow"
                out.print(f"[{colour}]{outcome.status}[/] {outcome.sha256} {escape(outcome.path)}")
                for warning in outcome.warnings:
                    out.print(f"  [yellow]warning:[/] {escape(warning)}")
    if not as_json:
        err.print(
            f"{counts['ingested']} ingested, {counts['duplicate']} duplicate, "
            f"{counts['rejected']} rejected"
        )
    raise typer.Exit(1 if counts["rejected"] else 0)


@app.command()
def show(
    sha256: Annotated[str, typer.Argument(help="SHA-256 (or 8+ leading digits).")],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Show one evidence item: its metadata and sightings."""
    from civwatch.evidence.service import get_item

    with workspace(data_dir) as ws:
        doc = get_item(ws, sha256)
    if as_json:
        emit(doc)
        return
    meta = doc["metadata"]
    out.print(f"[bold]{doc['sha256']}[/]  {doc['media_type']}  {doc['size']} bytes")
    out.print(f"name: {escape(doc['original_name'])}")
    for key in (
        "captured_at",
        "gps_lat",
        "gps_lon",
        "gps_alt",
        "device_make",
        "device_model",
        "software",
        "width",
        "height",
        "duration_s",
    ):
        if meta.get(key) is not None:
            out.print(f"{key}: {escape(str(meta[key]))}")
    for warning in doc["warnings"]:
        out.print(f"[yellow]warning:[/] {escape(warning)}")
    out.print(f"{len(doc['sightings'])} sighting(s):")
    for s in doc["sightings"]:
        where = s["source_url"] or s["platform"] or "no source given"
        out.print(f"  {s['collected_at']} by {escape(s['collected_by'])} from {escape(where)}")


@app.command()
def verify(
    data_dir: DataDir = None,
    as_json: AsJson = False,
    rehash: Annotated[bool, typer.Option(help="Re-hash every blob.")] = True,
) -> None:
    """Re-hash every blob and check items, sightings and the log against signed heads."""
    from civwatch.evidence.audit import verify_workspace

    with workspace(data_dir) as ws, progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        problems = verify_workspace(ws, rehash=rehash, progress=progress)
    if as_json:
        emit(
            {
                "ok": not problems,
                "problems": [{"target": p.target, "message": p.message} for p in problems],
            }
        )
    elif problems:
        for p in problems:
            err.print(f"[red]MISMATCH[/] {escape(str(p))}")
        err.print(f"[bold red]{len(problems)} problem(s) found.[/]")
    else:
        out.print("[green]All blobs, records and custody entries verify.[/]")
    raise typer.Exit(1 if problems else 0)


# --- custody -----------------------------------------------------------------------------------


@custody_app.command("head")
def custody_head(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Sign (if it grew) and print the current tree head."""
    with workspace(data_dir) as ws, ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        head = ws.custody.sign_head(session, ws.signing_key)
    doc = {
        "tree_size": head.tree_size,
        "root_hash": _hex(head.root_hash),
        "timestamp": head.timestamp_ms,
        "signature": _b64(head.signature),
        "public_key": _b64(head.public_key),
    }
    if as_json:
        emit(doc)
    else:
        for key, value in doc.items():
            out.print(f"{key}: {value}")


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
            fail(f"--start {start} is past the end of the log ({size} entries)", 2)
        for index, raw in ws.custody.entries(session, start, stop):
            if as_json:
                emit({"index": index, "entry": _b64(raw)})
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
        fail("give exactly one of --index or --item", 2)
    with workspace(data_dir) as ws:
        leaf = find_item(ws, item).ingest_leaf if item is not None else index
        assert leaf is not None
        with ws.sessions() as session:
            proof = ws.custody.inclusion_proof(session, leaf, tree_size)
    doc = {
        "leaf_index": proof.leaf_index,
        "tree_size": proof.tree_size,
        "leaf_hash": _hex(proof.leaf_hash),
        "root_hash": _hex(proof.root_hash),
        "audit_path": [_hex(h) for h in proof.audit_path],
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
        "first_root": _hex(proof.first_root),
        "second_root": _hex(proof.second_root),
        "proof": [_hex(h) for h in proof.proof],
    }
    if as_json:
        emit(doc)
    else:
        out.print_json(data=doc)


# --- demo and serve -------------------------------------------------------------------------


@demo_app.command("load")
def demo_load(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Load the synthetic demo data set (idempotent)."""
    from civwatch.demo import load_demo

    with workspace(data_dir) as ws:
        summary = load_demo(ws)
    if as_json:
        emit(summary)
    else:
        out.print(
            f"Demo data: {summary['items']} items, {summary['new']} new "
            "(synthetic, clearly marked as such)."
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    data_dir: DataDir = None,
) -> None:
    """Serve civwatch over HTTP."""
    import uvicorn

    from civwatch.web.app import create_app

    settings = settings_for(data_dir)
    Workspace.open(settings).close()  # fail early, with a clear message, if not initialised
    err.print(f"civwatch serving {escape(str(settings.data_dir))} on http://{host}:{port}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def main() -> None:
    """Entry point: civwatch errors become one red line and exit status 1."""
    try:
        app(standalone_mode=True)
    except CivwatchError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.message)}")
        sys.exit(1)
