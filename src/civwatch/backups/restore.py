"""``civwatch restore SRC``: a snapshot back into an empty data folder, every byte checked.

Before anything is written: the snapshot's description must carry a valid signature (by
the key that signed its tree heads, and the one given with ``--expect-key``), every file
of the snapshot must match its SHA-256, the data folder and the database must be empty,
and the passphrase must open the keys (when the snapshot holds keys and they are
wanted). Then the database is loaded, the data folder's files and keys written, and every
blob copied into the vault and re-hashed on the way. A blob missing from the blob area
or not matching the manifest fails the restore, after all blobs were tried, with each
such blob named; the data folder's marker (``civwatch.json``) is written last, so a
failed restore leaves a folder civwatch refuses to open. Last, each log of the restored
database is proved consistent with the tree head signed before the backup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from civwatch.backups import layout
from civwatch.backups.database import check_empty, load_database
from civwatch.backups.keys import KEYS_FOLDER, KeyFile, open_keys, write_keys
from civwatch.backups.make import Progress, blob_area_url
from civwatch.backups.target import BackupTarget, backup_target
from civwatch.config import Settings
from civwatch.custody.log import CustodyLog
from civwatch.custody.merkle import EMPTY_ROOT, verify_consistency
from civwatch.custody.models import log_tables
from civwatch.custody.signing import public_key_bytes
from civwatch.db import make_engine, session_factory
from civwatch.errors import CivwatchError, IntegrityError, NotFoundError, RejectedInputError
from civwatch.files import fsync_tree, write_new
from civwatch.i18n import _, ngettext
from civwatch.vault import BlobStore, open_blob_store
from civwatch.workspace import MARKER

#: How many damaged or missing blobs a failed restore names (the count says the rest).
NAMED_AT_MOST = 10


@dataclass
class RestoreReport:
    """What a restore put back."""

    snapshot: str
    created_at: str
    database: str
    key_fingerprint: str
    blobs: int = 0
    blob_bytes: int = 0
    files: int = 0
    keys: int = 0
    #: Per log: (size of the head signed before the backup, size of the restored log).
    logs: dict[str, tuple[int, int]] = field(default_factory=dict)


def choose_snapshot(target: BackupTarget, name: str | None) -> str:
    """The name of snapshot ``name`` (default: the newest) of the backup ``target``."""
    if target.read_marker() is None:
        raise layout.not_a_backup(target.where)
    names = target.snapshot_names()
    if not names:
        raise NotFoundError(_("The backup folder %(src)s holds no snapshot yet.", src=target.where))
    chosen = names[-1] if name is None else name
    if chosen not in names:
        raise NotFoundError(
            _(
                "The backup folder %(src)s has no snapshot %(name)s; it has: %(names)s.",
                src=target.where,
                name=chosen,
                names=", ".join(names),
            )
        )
    return chosen


def _check_files(snapshot: layout.Snapshot) -> None:
    for record in snapshot.files.values():
        path = snapshot.folder / record.path
        try:
            found = layout.sha256_of(path)
        except OSError:
            raise layout.damaged(
                snapshot.where, _("%(file)s is missing", file=record.path)
            ) from None
        if found != (record.sha256, record.size):
            raise layout.damaged(
                snapshot.where,
                _("%(file)s does not match its SHA-256", file=record.path),
            )


def _check_empty_folder(data_dir: Path) -> None:
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise RejectedInputError(
            _(
                "%(data_dir)s is not empty: civwatch restores only into an empty or new data "
                "folder, so that nothing in it is overwritten or mixed with the backup.",
                data_dir=data_dir,
            )
        )


def _signing_key_matches(keys: list[KeyFile], snapshot: layout.Snapshot) -> None:
    for key in keys:
        if not key.path.endswith(".pem"):
            continue
        try:
            loaded = serialization.load_pem_private_key(key.data, password=None)
        except (ValueError, TypeError):
            continue
        if isinstance(loaded, Ed25519PrivateKey) and (
            public_key_bytes(loaded) == snapshot.public_key
        ):
            return
    raise IntegrityError(
        _(
            "The keys in this backup do not hold the signing key that signed it: nothing was "
            "restored."
        )
    )


def _copy_blobs(
    snapshot: layout.Snapshot,
    area: BlobStore,
    vault: BlobStore,
    report: RestoreReport,
    progress: Progress | None,
) -> list[str]:
    problems: list[str] = []
    entries = list(layout.read_manifest(snapshot.folder / layout.MANIFEST, snapshot.where))
    for done, (sha256, size) in enumerate(entries, 1):
        if progress is not None:
            progress(_("Blobs"), done, len(entries))
        if not area.exists(sha256):
            problems.append(_("%(sha256)s is missing from the backup", sha256=sha256))
            continue
        try:
            with area.open(sha256) as source:
                reader = layout.HashingReader(source)
                vault.put(reader, max_size=size)  # type: ignore[arg-type]
        except CivwatchError as err:
            problems.append(
                _("%(sha256)s could not be copied: %(reason)s", sha256=sha256, reason=err)
            )
            continue
        if reader.digest.hexdigest() != sha256 or reader.size != size:
            problems.append(_("%(sha256)s is damaged in the backup", sha256=sha256))
            continue
        report.blobs += 1
        report.blob_bytes += size
    return problems


def _prove_logs(snapshot: layout.Snapshot, url: str, report: RestoreReport) -> None:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            for name, head in snapshot.heads.items():
                log = CustodyLog(tables=log_tables(name))
                size = log.size(session)
                if size < head.tree_size:
                    raise layout.damaged(
                        snapshot.where,
                        _(
                            "the %(log)s log holds %(size)s entries, fewer than the %(head)s "
                            "its signed head covers",
                            log=name,
                            size=size,
                            head=head.tree_size,
                        ),
                    )
                if head.tree_size == 0:
                    # A head of an empty log (a key rotation signs every log, empty or not):
                    # every log extends it, and its root can only be the empty tree's.
                    if head.root_hash != EMPTY_ROOT:
                        raise layout.damaged(
                            snapshot.folder,
                            _(
                                "the %(log)s log's empty head has a root of a non-empty tree",
                                log=name,
                            ),
                        )
                else:
                    proof = log.consistency_proof(session, head.tree_size, size)
                    verify_consistency(
                        head.tree_size, size, head.root_hash, proof.second_root, proof.proof
                    )
                report.logs[name] = (head.tree_size, size)
    finally:
        engine.dispose()


def restore_backup(
    settings: Settings,
    src: Path | str | BackupTarget,
    *,
    snapshot: str | None = None,
    passphrase: Callable[[], str] | None = None,
    expect_key: str | None = None,
    progress: Progress | None = None,
) -> RestoreReport:
    """Restore snapshot ``snapshot`` (default: the newest) of the backup ``src`` (a folder
    or an ``s3://`` URL) into the empty data folder of ``settings``. ``passphrase`` is asked
    only when the snapshot holds keys; None leaves them out."""
    target = backup_target(src)
    name = choose_snapshot(target, snapshot)
    with target.fetch(name) as folder:
        return _restore(settings, target, folder, passphrase, expect_key, progress)


def _restore(
    settings: Settings,
    target: BackupTarget,
    folder: Path,
    passphrase: Callable[[], str] | None,
    expect_key: str | None,
    progress: Progress | None,
) -> RestoreReport:
    snap = layout.read_snapshot(folder, target.snapshot_where(folder.name))
    if expect_key is not None and expect_key.strip().lower() != snap.key_fingerprint:
        raise IntegrityError(
            _(
                "This backup was signed by the key %(found)s, not by %(expected)s: nothing "
                "was restored.",
                found=snap.key_fingerprint,
                expected=expect_key,
            )
        )
    _check_files(snap)
    data_dir = settings.data_dir.resolve()
    url = settings.resolved_database_url
    _check_empty_folder(data_dir)
    check_empty(url)
    keys: list[KeyFile] = []
    if snap.has_keys and passphrase is not None:
        keys = open_keys((folder / layout.KEYS).read_bytes(), passphrase())
        _signing_key_matches(keys, snap)
    area = open_blob_store(blob_area_url(target, target.read_marker(), None))
    report = RestoreReport(
        snapshot=snap.name,
        created_at=snap.created_at,
        database=snap.database_kind,
        key_fingerprint=snap.key_fingerprint,
    )
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    load_database(snap.database_kind, folder / snap.database_file, url)
    for relative in snap.extra_files:
        if relative == MARKER or relative.split("/")[0] == KEYS_FOLDER:
            continue
        path = data_dir / relative
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_new(path, (folder / layout.FILES / relative).read_bytes())
        report.files += 1
    write_keys(keys, data_dir)
    report.keys = len(keys)
    vault = open_blob_store(settings.resolved_blob_url, min_free_disk=settings.min_free_disk)
    vault.ensure()
    problems = _copy_blobs(snap, area, vault, report, progress)
    if problems:
        named = "; ".join(problems[:NAMED_AT_MOST])
        raise IntegrityError(
            ngettext(
                "%(num)s blob of the backup could not be restored (%(named)s). %(data_dir)s "
                "was left incomplete and civwatch will not open it: empty it before another "
                "restore, e.g. from an older snapshot.",
                "%(num)s blobs of the backup could not be restored (%(named)s). %(data_dir)s "
                "was left incomplete and civwatch will not open it: empty it before another "
                "restore, e.g. from an older snapshot.",
                len(problems),
                named=named,
                data_dir=data_dir,
            )
        )
    _prove_logs(snap, url, report)
    fsync_tree(data_dir)
    write_new(data_dir / MARKER, (folder / layout.FILES / MARKER).read_bytes(), mode=0o644)
    report.files += 1
    return report
