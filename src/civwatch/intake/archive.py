"""A chat export sent as a ZIP: unpacked whole into a folder of its own, or refused whole.

The archive comes from outside, so a member that would land outside the folder (an
absolute path, ``..``), a link or a special file refuses the whole archive (an export
made by Telegram or WhatsApp has none), and sizes are counted while writing (headers can
lie), so a decompression bomb stops at the limit.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from civwatch.errors import RejectedInputError
from civwatch.evidence.archives import member_path
from civwatch.evidence.names import safe_name
from civwatch.i18n import _

CHUNK = 1024 * 1024
#: At most this many members (a 100,000-message export with its media fits).
MAX_MEMBERS = 500_000


def _refuse(archive: Path, member: str, reason: str) -> RejectedInputError:
    return RejectedInputError(
        _(
            "%(archive)s is refused: its member %(member)s %(reason)s.",
            archive=archive.name,
            member=repr(safe_name(member)[0]),
            reason=reason,
        )
    )


def unpack_export(archive: Path, dest: Path, *, limit: int) -> Path:
    """Unpack ``archive`` into the empty folder ``dest``; at most ``limit`` bytes in all.
    Returns the folder that holds the export (``dest``, or its one top folder)."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise RejectedInputError(
            _(
                "%(archive)s is not a whole ZIP archive (%(reason)s): it may be truncated; "
                "send it again.",
                archive=archive.name,
                reason=str(exc),
            )
        ) from None
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    total = 0
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise RejectedInputError(
                _(
                    "%(archive)s holds more than %(most)s files.",
                    archive=archive.name,
                    most=MAX_MEMBERS,
                )
            )
        for info in members:
            target = member_path(info.filename)
            mode = info.external_attr >> 16
            if isinstance(target, str):
                raise _refuse(archive, info.filename, _("leaves the folder (%(why)s)", why=target))
            if stat.S_ISLNK(mode):
                raise _refuse(archive, info.filename, _("is a symbolic link"))
            if info.is_dir():
                (root / target).mkdir(parents=True, exist_ok=True)
                continue
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise _refuse(archive, info.filename, _("is a special file"))
            out = root.joinpath(*target.parts)
            if root not in out.resolve().parents:
                raise _refuse(archive, info.filename, _("leaves the folder"))
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, out.open("xb") as dst:
                    while chunk := src.read(CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise RejectedInputError(
                                _(
                                    "%(archive)s unpacks to more than %(limit)s bytes.",
                                    archive=archive.name,
                                    limit=limit,
                                )
                            )
                        dst.write(chunk)
            except FileExistsError:
                raise _refuse(archive, info.filename, _("is there twice")) from None
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
                raise RejectedInputError(
                    _(
                        "%(archive)s is damaged (%(reason)s): it may be truncated; send it again.",
                        archive=archive.name,
                        reason=str(exc),
                    )
                ) from None
    entries = [p for p in root.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return root
