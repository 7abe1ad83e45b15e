"""Metadata extraction for one file or many: exiftool, structure checks, ffprobe, C2PA.

One :class:`MetadataExtractor` keeps one exiftool process open for its whole life
and feeds it files in small batches. Damaged or hostile files never raise: what
went wrong is reported in :attr:`Extraction.warnings` and :attr:`Extraction.errors`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civwatch.config import Settings
from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.i18n import _, localise
from civwatch.media.credentials import may_hold_manifest, read_credentials
from civwatch.media.exiftool import (
    ExiftoolCrashed,
    ExiftoolProcess,
    ExiftoolTimeout,
    parse_json_output,
)
from civwatch.media.inspect import structural_warnings
from civwatch.media.normalise import normalise
from civwatch.media.sniff import name_mismatch_warning, sniff_media_type
from civwatch.media.video import ProbeFailed, ffprobe, video_facts

#: Files sent to exiftool in one command by :meth:`MetadataExtractor.extract_many`.
DEFAULT_BATCH_SIZE = 16
_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
_STDERR_LINE = re.compile(r"^(Warning|Error): (.*) - (.+)$")


@dataclass
class Extraction:
    """What one file says about itself.

    ``exiftool`` is exiftool's full JSON object (``-j -n -G1 -a -u``; repeated
    keys as ``key #2``); ``normalised`` holds exactly
    :data:`civwatch.media.normalise.NORMALISED_KEYS`; ``warnings`` are short
    sentences about damage or suspicious signs; ``errors`` say what could not be read.
    """

    path: Path
    media_type: str
    exiftool: dict[str, Any]
    normalised: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ffprobe: dict[str, Any] | None = None


@dataclass
class _Job:
    path: Path
    original_name: str | None
    media_type: str | None
    arg: bytes = b""
    link: Path | None = None
    readable: bool = True
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    raw: dict[str, Any] | None = None


ExtractionRequest = Path | tuple[Path, str | None]


class MetadataExtractor:
    """Reads metadata with one long-lived exiftool process. Use as a context manager::

    with MetadataExtractor(settings) as extractor:
        result = extractor.extract(path, original_name="IMG_0042.JPG")
    """

    def __init__(self, settings: Settings | None = None, *, batch_size: int = DEFAULT_BATCH_SIZE):
        self.settings = settings or Settings()
        self.batch_size = max(1, batch_size)
        self._exiftool = ExiftoolProcess(self.settings.exiftool_path)
        self._link_dir: Path | None = None
        self._links = 0

    def __enter__(self) -> MetadataExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop exiftool and remove temporary links."""
        self._exiftool.close()
        if self._link_dir is not None:
            shutil.rmtree(self._link_dir, ignore_errors=True)
            self._link_dir = None

    @property
    def exiftool_restarts(self) -> int:
        """How many times exiftool had to be killed and started again."""
        return self._exiftool.restarts

    def extract(
        self, path: Path, original_name: str | None = None, media_type: str | None = None
    ) -> Extraction:
        """Metadata of the file at ``path``. ``original_name`` is the name it was
        submitted under (checked against the content); ``media_type`` skips sniffing."""
        if self._exiftool.waiting:
            raise RuntimeError("extract() called while an extract_many() is under way")
        job = self._job(path, original_name, media_type)
        return self._run([job])[0]

    def extract_many(self, items: Iterable[ExtractionRequest]) -> Iterator[Extraction]:
        """Metadata of many files, in order, batched for speed. Items are paths or
        ``(path, original_name)`` pairs. A path that is missing or not a regular file
        gives an :class:`Extraction` whose ``errors`` say so, instead of an exception.

        While exiftool reads one batch, Python checks that batch and finishes the one
        before, so both CPU cores stay busy.
        """
        previous: tuple[list[_Job], bool] | None = None
        try:
            for batch in _batches(items, self.batch_size, self._job_or_error):
                if previous is not None:
                    self._complete(*previous)
                sent = self._start(batch)
                if previous is not None:
                    yield from (self._finish(job) for job in previous[0])
                previous = (batch, sent)
            if previous is not None:
                self._complete(*previous)
                yield from (self._finish(job) for job in previous[0])
                previous = None
        finally:
            if previous is not None and self._exiftool.waiting:
                # The caller stopped early: drop the answer nobody will read.
                self._exiftool.kill()

    # -- internals -------------------------------------------------------------------

    def _job(self, path: Path, original_name: str | None, media_type: str | None) -> _Job:
        path = Path(path)
        if not path.exists():
            raise NotFoundError(_("There is no file at %(path)s.", path=path))
        if not path.is_file():
            raise RejectedInputError(_("%(path)s is not a regular file.", path=path))
        job = _Job(path=path, original_name=original_name, media_type=media_type)
        job.arg, job.link = self._exiftool_arg(path)
        return job

    def _job_or_error(self, path: Path, original_name: str | None, media_type: None) -> _Job:
        try:
            return self._job(path, original_name, media_type)
        except (NotFoundError, RejectedInputError) as exc:
            return _Job(
                path=Path(path),
                original_name=original_name,
                media_type=None,
                errors=[localise(exc.message, "en")],
                readable=False,
            )

    def _exiftool_arg(self, path: Path) -> tuple[bytes, Path | None]:
        """The argfile line naming ``path``: its absolute path when that is plain
        UTF-8 text, otherwise a symlink with a plain name in a private folder."""
        absolute = os.fsencode(path.absolute())
        try:
            absolute.decode("utf-8", errors="strict")
            plain = not any(byte < 0x20 or byte == 0x7F for byte in absolute)
        except UnicodeDecodeError:
            plain = False
        if plain and not absolute.endswith((b" ", b"\t")):
            return absolute, None
        if self._link_dir is None:
            self._link_dir = Path(tempfile.mkdtemp(prefix="civwatch-exiftool-"))
        self._links += 1
        suffix = path.suffix if _SAFE_SUFFIX.match(path.suffix) else ""
        link = self._link_dir / f"file-{self._links}{suffix}"
        link.symlink_to(path.absolute())
        return os.fsencode(link), link

    def _prepare(self, job: _Job) -> None:
        """Checks done in Python while exiftool reads the batch."""
        try:
            if job.media_type is None:
                job.media_type = sniff_media_type(job.path)
            job.warnings += structural_warnings(
                job.path, job.media_type, max_image_pixels=self.settings.max_image_pixels
            )
        except OSError as exc:
            job.media_type = job.media_type or "application/octet-stream"
            job.errors.append(f"The file could not be read: {exc.strerror or exc}.")
        name = job.original_name if job.original_name is not None else job.path.name
        mismatch = name_mismatch_warning(name, job.media_type)
        if mismatch:
            job.warnings.append(mismatch)

    def _run(self, jobs: list[_Job]) -> list[Extraction]:
        sent = self._start(jobs)
        self._complete(jobs, sent)
        return [self._finish(job) for job in jobs]

    def _start(self, jobs: list[_Job]) -> bool:
        """Hand the batch to exiftool, then run the Python checks while it works."""
        readable = [job for job in jobs if job.readable]
        sent = False
        if readable:
            try:
                self._exiftool.send([job.arg for job in readable])
                sent = True
            except ExiftoolCrashed:
                sent = False
        for job in readable:
            self._prepare(job)
        return sent

    def _complete(self, jobs: list[_Job], sent: bool) -> None:
        """Collect exiftool's answer for the batch; retry file by file if it failed."""
        readable = [job for job in jobs if job.readable]
        if not sent:
            self._retry_one_by_one(readable)
            return
        try:
            stdout, stderr = self._exiftool.receive(self.settings.extractor_timeout_s)
        except (ExiftoolTimeout, ExiftoolCrashed):
            self._retry_one_by_one(readable)
        else:
            self._assign(readable, stdout, stderr)

    def _retry_one_by_one(self, jobs: Sequence[_Job]) -> None:
        """After a failed batch, each file alone, so only the culprit loses its metadata."""
        timeout = self.settings.extractor_timeout_s
        for job in jobs:
            try:
                stdout, stderr = self._exiftool.execute([job.arg], timeout)
            except ExiftoolTimeout:
                job.warnings.append(
                    f"exiftool took longer than {timeout:g} s on this file and was stopped; "
                    "its embedded metadata was not read."
                )
                continue
            except ExiftoolCrashed:
                job.warnings.append(
                    "exiftool stopped unexpectedly while reading this file; "
                    "its embedded metadata was not read."
                )
                continue
            self._assign([job], stdout, stderr)

    def _assign(self, jobs: Sequence[_Job], stdout: bytes, stderr: bytes) -> None:
        try:
            objects = parse_json_output(stdout)
        except ValueError:
            objects = []
            for job in jobs:
                job.errors.append("exiftool gave output that is not valid JSON.")
        by_source: dict[str, dict[str, Any]] = {}
        for obj in objects:
            by_source.setdefault(str(obj.get("SourceFile", "")), obj)
        by_arg: dict[str, _Job] = {}
        for job in jobs:
            by_arg.setdefault(job.arg.decode("utf-8"), job)
        for line in stderr.decode("utf-8", errors="replace").splitlines():
            match = _STDERR_LINE.match(line.strip())
            if match is None:
                continue
            owner = by_arg.get(match[3]) if len(jobs) > 1 else jobs[0]
            if owner is None:
                continue
            if match[1] == "Error":
                owner.errors.append(f"exiftool: {match[2]}")
            else:
                owner.warnings.append(f"exiftool: {match[2]}")
        for job in jobs:  # the same file may be listed twice
            found = by_source.get(job.arg.decode("utf-8"))
            job.raw = dict(found) if found is not None else None
            if job.raw is None and not job.errors:
                job.errors.append("exiftool returned no metadata for this file.")

    def _finish(self, job: _Job) -> Extraction:
        if job.link is not None:
            job.link.unlink(missing_ok=True)
        raw = job.raw or {}
        media_type = job.media_type or "application/octet-stream"
        normalised, warnings, errors = normalise(raw)
        warnings = job.warnings + [w for w in warnings if w not in job.warnings]
        errors = job.errors + [e for e in errors if e not in job.errors]
        probe: dict[str, Any] | None = None
        if media_type.startswith("video/") and None in (
            normalised["duration_s"],
            normalised["width"],
            normalised["height"],
        ):
            try:
                probe = ffprobe(
                    job.path,
                    executable=self.settings.ffprobe_path,
                    timeout_s=self.settings.extractor_timeout_s,
                )
            except ProbeFailed as exc:
                warnings.append(f"ffprobe could not read the video: {exc}.")
            else:
                duration, width, height = video_facts(probe)
                if normalised["duration_s"] is None:
                    normalised["duration_s"] = duration
                if normalised["width"] is None or normalised["height"] is None:
                    normalised["width"], normalised["height"] = width, height
        if may_hold_manifest(media_type, raw):
            credentials = read_credentials(job.path, media_type)
            normalised["c2pa"] = credentials
            if credentials is None and any(key.startswith("JUMBF:") for key in raw):
                warnings.append("The file holds a JUMBF block but no readable C2PA manifest.")
            elif credentials is not None and credentials["error"]:
                warnings.append(
                    f"The Content Credentials (C2PA) could not be read: {credentials['error']}."
                )
            elif credentials is not None and credentials["state"] == "invalid":
                codes = ", ".join(credentials["status_codes"])
                warnings.append(f"The Content Credentials (C2PA) do not verify: {codes}.")
        return Extraction(
            path=job.path,
            media_type=media_type,
            exiftool=raw,
            normalised=normalised,
            warnings=warnings,
            errors=errors,
            ffprobe=probe,
        )


def _batches(
    items: Iterable[ExtractionRequest], size: int, make: Callable[[Path, str | None, None], _Job]
) -> Iterator[list[_Job]]:
    batch: list[_Job] = []
    for item in items:
        path, name = item if isinstance(item, tuple) else (item, None)
        batch.append(make(path, name, None))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
