"""Unpacking a stored ZIP archive, only when asked, and never outside the chosen folder.

Member names are untrusted: absolute paths, ``..`` components, links and special files
are refused, and sizes are counted while writing (headers can lie), so a decompression
bomb stops at the limit instead of filling the disk.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import RejectedInputError
from civwatch.evidence.acts import UNPACK
from civwatch.evidence.names import safe_name
from civwatch.evidence.service import find_item
from civwatch.i18n import _, localise
from civwatch.workspace import Workspace

CHUNK = 1024 * 1024
ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}


@dataclass
class Unpacked:
    """What an unpack wrote and what it refused (member name and reason)."""

    folder: Path
    written: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    total_bytes: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "written": self.written,
            "refused": [{"member": m, "reason": r} for m, r in self.refused],
            "total_bytes": self.total_bytes,
        }


def member_path(name: str) -> PurePosixPath | str:
    """The safe relative path of a ZIP member inside the folder it is unpacked to, or the
    reason it is refused (a NUL, an absolute path, a `..` component, an empty name)."""
    if "\x00" in name:
        return "the name holds a NUL byte"
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        return "absolute path"
    if any(part == ".." for part in path.parts):
        return "path leaves the folder (..)"
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts:
        return "empty name"
    return PurePosixPath(*parts)


def unpack_item(ws: Workspace, sha256: str, dest: Path, *, actor: str) -> Unpacked:
    """Unpack the ZIP item ``sha256`` into ``dest`` (created; must be empty)."""
    item = find_item(ws, sha256)
    if item.media_type not in ZIP_TYPES:
        raise RejectedInputError(
            _(
                "Item %(sha256)s is %(media_type)s, not a ZIP archive.",
                sha256=item.sha256,
                media_type=item.media_type,
            )
        )
    if dest.exists() and any(dest.iterdir()):
        raise RejectedInputError(
            _("%(dest)s is not empty: unpack into a new or empty folder.", dest=dest)
        )
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    # One limit serves per member and for the whole archive: a bomb stops there.
    limit = ws.settings.max_file_size
    result = Unpacked(folder=root)
    with ws.vault.open(item.sha256) as blob:
        try:
            archive = zipfile.ZipFile(blob)
        except zipfile.BadZipFile as exc:
            raise RejectedInputError(_("The archive cannot be read: %(exc)s.", exc=exc)) from None
        with archive:
            for info in archive.infolist():
                shown = safe_name(info.filename)[0]
                target = member_path(info.filename)
                mode = info.external_attr >> 16
                if isinstance(target, str):
                    result.refused.append((shown, target))
                elif stat.S_ISLNK(mode):
                    result.refused.append((shown, "symbolic link (not created)"))
                elif info.is_dir():
                    (root / target).mkdir(parents=True, exist_ok=True)
                elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                    result.refused.append((shown, "special file (not created)"))
                else:
                    out = (root / target).resolve()
                    if root not in out.parents:
                        result.refused.append((shown, "path leaves the folder"))
                        continue
                    budget = min(limit, limit - result.total_bytes)
                    reason = _extract(archive, info, out, budget, result)
                    if reason:
                        result.refused.append((shown, reason))
                    else:
                        result.written.append(str(target))
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        entries.append(
            ws.custody,
            session,
            UNPACK,
            actor,
            utcnow(),
            sha256=item.sha256,
            written=len(result.written),
            refused=len(result.refused),
        )
    return result


def _extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, limit: int, result: Unpacked
) -> str | None:
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with archive.open(info) as src, out.open("xb") as dst:
            while chunk := src.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise RejectedInputError(
                        _("over the size limit (per file, and for the archive in all)")
                    )
                dst.write(chunk)
    except FileExistsError:
        return "a member of the same name was already written"
    except RejectedInputError as exc:
        out.unlink(missing_ok=True)
        return f"{localise(exc.message, 'en')} (stopped at {written} bytes)"
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        out.unlink(missing_ok=True)
        return f"cannot be extracted: {exc}"
    result.total_bytes += written
    return None
