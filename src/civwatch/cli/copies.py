"""Perceptual hashes, copies and clusters: hash, match, cluster, find-copies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from civwatch.cli.common import (
    AsJson,
    DataDir,
    emit,
    err,
    out,
    progress_bar,
    settings_for,
    source_of,
    workspace,
)
from civwatch.i18n import _, ngettext
from civwatch.matching.pdq import DEFAULT_MAX_DISTANCE

app = typer.Typer()

FileArg = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="An image or video.")
]


@app.command("hash")
def hash_command(path: FileArg, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """PDQ hash of an image (and its views), or of a video's frames at 1 fps."""
    from civwatch.evidence.copies import hash_file

    doc = hash_file(path, settings=settings_for(data_dir))
    if as_json:
        emit(doc)
    elif "pdq" in doc:
        out.print(_("pdq %(hash)s quality %(quality)s", hash=doc["pdq"], quality=doc["quality"]))
    else:
        for frame in doc["frames"]:
            # TRANSLATORS: a video frame's time (seconds), its PDQ hash and its quality.
            out.print(
                _(
                    "%(t)ss  %(hash)s  quality %(quality)s",
                    t=f"{frame['t']:>9.3f}",
                    hash=frame["pdq"],
                    quality=frame["quality"],
                )
            )


@app.command()
def match(
    path: FileArg,
    max_distance: Annotated[
        int, typer.Option(min=0, max=256, help="Largest Hamming distance for a PDQ match.")
    ] = DEFAULT_MAX_DISTANCE,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Stored items that FILE is a copy of, best first (FILE is not ingested)."""
    from civwatch.evidence.copies import match_file

    with workspace(data_dir) as ws:
        found = match_file(ws, path, max_distance=max_distance)
    if as_json:
        emit(found)
        return
    if not found:
        out.print(_("No stored copy found."))
    for copy in found:
        # TRANSLATORS: a stored copy: its SHA-256, Hamming distance, the transform found
        # (a code, may be empty) and the matching method (a code).
        out.print(
            _(
                "%(sha)s  distance %(distance)s  %(transform)s  (%(method)s)",
                sha=copy["sha256"],
                distance=copy["distance"],
                transform=copy["transform"] or "",
                method=copy["method"],
            )
        )


@app.command()
def cluster(
    sha256: Annotated[str, typer.Argument(help="SHA-256 (or 8+ leading digits).")],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """The item's copies, its first sighting and every sighting in time order."""
    from civwatch.evidence.clusters import cluster_of

    with workspace(data_dir) as ws:
        doc = cluster_of(ws, sha256)
    if as_json:
        emit(doc)
        return
    first = doc["first_sighting"]
    out.print(
        ngettext(
            "%(num)s copy of %(sha)s", "%(num)s copies of %(sha)s", doc["copies"], sha=doc["sha256"]
        )
    )
    if first:
        out.print(
            _(
                "first seen %(when)s (%(who)s) at %(where)s",
                when=first["seen_at"],
                who=first["seen_by"],
                where=escape(source_of(first)),
            )
        )
    for s in doc["sightings"]:
        when = s["published_at"] or s["collected_at"]
        out.print(f"  {when}  {s['sha256'][:12]}  {escape(s['source_url'] or s['platform'] or '')}")


@app.command("find-copies")
def find_copies(
    max_distance: Annotated[int, typer.Option(min=0, max=256)] = DEFAULT_MAX_DISTANCE,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Hash every item not yet hashed and record its copies among stored items."""
    summary = run_find_copies(data_dir, max_distance=max_distance)
    if as_json:
        emit(summary)


def run_find_copies(
    data_dir: Path | None, *, max_distance: int = DEFAULT_MAX_DISTANCE, quiet: bool = False
) -> dict[str, Any]:
    from civwatch.evidence.copies import hash_pending

    with workspace(data_dir) as ws, progress_bar() as bar:
        task = bar.add_task(_("finding copies"), total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = hash_pending(ws, progress=progress, max_distance=max_distance)
    if not quiet:
        # TRANSLATORS: the summary of copy finding: items hashed, items that cannot be
        # hashed, items that are not pictures or videos, copies found.
        err.print(
            _(
                "%(hashed)s hashed, %(unhashable)s unhashable, %(not_media)s not media, "
                "%(matches)s copies found",
                hashed=summary["hashed"],
                unhashable=summary["unhashable"],
                not_media=summary["not_media"],
                matches=summary["matches"],
            )
        )
    return summary
