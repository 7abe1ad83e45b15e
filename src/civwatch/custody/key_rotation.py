"""Signing key rotation: the announcement act, the chain read from the log, and the
rotation itself (a new key announced by the old one, which is then destroyed).

Files in the keys folder (``<data>/keys/``, next to the key in force)::

    custody-ed25519.pem          the private key in force (PKCS#8 PEM, mode 0600)
    custody-ed25519.next.pem     the new key, only while a rotation is under way
    custody-first-key.pem        the public key of the first key: the trust anchor
                                 ``civwatch verify`` walks the chain from

The retired private key is overwritten and deleted once its successor is announced: a
retired key must never sign again, and a key that no longer exists cannot be stolen from
this machine afterwards (see docs/admins.md for what that does and does not protect).
Engine level: the caller (the evidence domain) decides who may rotate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from civwatch.custody import entries
from civwatch.custody.browse import entry_indexes, stored_entries
from civwatch.custody.entries import SHA256, Act, Actor
from civwatch.custody.key_chain import (
    ANNOUNCE_ACT,
    ANNOUNCE_NEEDLE,
    Announcement,
    KeyChain,
    announcement_message,
    parse_announcement,
    walk_chain,
)
from civwatch.custody.log import CustodyLog
from civwatch.custody.signing import (
    TreeHead,
    create_signing_key,
    key_fingerprint,
    load_signing_key,
    public_key_bytes,
)
from civwatch.errors import ConfigurationError, IntegrityError, ProofError
from civwatch.files import move_into_place, sync, write_new
from civwatch.i18n import _

_KEY: entries.Schema = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_SIGNATURE: entries.Schema = {"type": "string", "pattern": "^[0-9a-f]{128}$"}

KEY_ANNOUNCE = entries.register(
    Act(
        name=ANNOUNCE_ACT,
        description="A new Ed25519 key signs the log's tree heads from this entry on; the "
        "previous key signs this announcement (docs/custody-log.md, section 3.1).",
        subject={
            "public_key": _KEY,
            "fingerprint": SHA256,
            "previous_public_key": _KEY,
            "previous_fingerprint": SHA256,
            "signature": _SIGNATURE,
        },
        actor=Actor.PERSON,
        packaged=True,
    )
)
#: The custody engine's own acts (``civwatch.acts`` gathers them with the domains').
ACTS = (KEY_ANNOUNCE,)
#: The public key of the chain's first key, next to the key in force.
FIRST_KEY_FILE = "custody-first-key.pem"


def next_key_path(key_path: Path) -> Path:
    """Where the new key waits while a rotation is under way."""
    return key_path.with_name(key_path.stem + ".next.pem")


def first_key_path(key_path: Path) -> Path:
    """The public key file of the trust anchor, next to the key in force."""
    return key_path.with_name(FIRST_KEY_FILE)


def announcements(
    session: Session, log: CustodyLog, tree_size: int | None = None
) -> list[Announcement]:
    """Every key announcement among the first ``tree_size`` entries (default: all), in
    order. A malformed one raises :class:`ProofError`."""
    indexes = entry_indexes(session, [ANNOUNCE_NEEDLE], tables=log.tables)
    if tree_size is not None:
        indexes = [index for index in indexes if index < tree_size]
    found = []
    for stored in stored_entries(session, indexes, tables=log.tables):
        announcement = parse_announcement(stored.index, stored.entry)
        if announcement is not None:
            found.append(announcement)
    return found


def announcement_leaves(session: Session, log: CustodyLog, tree_size: int) -> list[int]:
    """The indexes of the key announcements a head of ``tree_size`` entries covers."""
    return [a.leaf for a in announcements(session, log, tree_size)]


def announcement_entry(
    previous: bytes, new: bytes, actor: str, at: datetime, sign: Callable[[bytes], bytes]
) -> dict[str, Any]:
    """The entry announcing raw public key ``new`` as the successor of ``previous``,
    signed with ``sign`` (the previous key's ``sign``: anything else is a forgery that
    :func:`~civwatch.custody.key_chain.walk_chain` names)."""
    entry = entries.build(
        KEY_ANNOUNCE,
        actor,
        at,
        public_key=new.hex(),
        fingerprint=key_fingerprint(new),
        previous_public_key=previous.hex(),
        previous_fingerprint=key_fingerprint(previous),
        signature="0" * 128,
    )
    entry["signature"] = sign(announcement_message(entry)).hex()
    return entry


def read_first_key(key_path: Path) -> bytes | None:
    """The anchor's raw public key, or None before the first rotation."""
    try:
        data = first_key_path(key_path).read_bytes()
    except FileNotFoundError:
        return None
    try:
        public = serialization.load_pem_public_key(data)
        return public_key_bytes(public)  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError) as err:
        raise ConfigurationError(
            _(
                "%(path)s is not the public key of the first signing key.",
                path=first_key_path(key_path),
            )
        ) from err


def signing_chain(session: Session, log: CustodyLog, key_path: Path, current: bytes) -> KeyChain:
    """The chain of keys of this data folder: from the first key (its file, or the key in
    force before any rotation) through every announcement in ``log``. Problems of the walk,
    and a key in force (``current``) that is not the chain's last key, are named in
    :attr:`KeyChain.problems`."""
    anchor = read_first_key(key_path) or current
    problems: list[str] = []
    try:
        found = announcements(session, log)
    except ProofError as err:
        found, problems = [], [err.message]
    chain = walk_chain(anchor, found, log=log.tables.name)
    if chain.current.public_key != current:
        problems.append(
            _(
                "The key in force in the keys folder, %(fingerprint)s, is not the last key of "
                "the chain of signing keys (%(last)s): a rotation was left unfinished (run "
                "`civwatch custody rotate-key` again) or the key file was replaced.",
                fingerprint=key_fingerprint(current),
                last=chain.current.fingerprint,
            )
        )
    if problems:
        chain = KeyChain(chain.keys, (*chain.problems, *problems), chain.log)
    return chain


@dataclass(frozen=True)
class KeyRotation:
    """What a rotation did."""

    old_fingerprint: str
    new_fingerprint: str
    #: The announcement's index in the custody log.
    leaf: int
    #: The first head signed by the new key.
    head: TreeHead
    #: True when this run only finished a rotation an earlier run had announced.
    resumed: bool = False


def rotate(
    sessions: sessionmaker[Session],
    log: CustodyLog,
    others: Sequence[CustodyLog],
    key_path: Path,
    actor: str,
    at: datetime | None = None,
) -> KeyRotation:
    """Make a new key, announce it in ``log`` signed by the key in force, sign a head of
    ``log`` and of each of ``others`` with it, then put it in place of the old key and
    destroy the old one.

    Safe to run again after a crash: a new key already announced is put in place; one
    written but never announced is announced. ``at`` (the announcement's time) defaults
    to the moment every log is locked."""
    next_path = next_key_path(key_path)
    pending = load_signing_key(next_path) if next_path.exists() else None
    if pending is not None:
        resumed = _finish_announced(sessions, log, key_path, pending)
        if resumed is not None:
            return resumed
    old = load_signing_key(key_path)
    old_public = public_key_bytes(old)
    new = pending or create_signing_key(next_path)
    new_public = public_key_bytes(new)
    anchor = first_key_path(key_path)
    if not anchor.exists():
        write_new(
            anchor,
            old.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            mode=0o644,
        )
    with sessions() as session, session.begin():
        # Every log the key signs waits for this transaction (the custody log first), so
        # no head is signed by the old key after the announcement's time.
        log.lock(session)
        for other in others:
            other.lock(session)
        when = datetime.now(UTC) if at is None else at
        chain = signing_chain(session, log, key_path, old_public)
        if chain.problems:
            raise IntegrityError(
                _(
                    "The chain of signing keys is not sound, so no new key is announced: "
                    "%(problem)s Run `civwatch verify`.",
                    problem=chain.problems[0],
                )
            )
        # Every entry before the announcement is covered by a head of the old key.
        log.sign_head(session, old)
        (leaf,) = log.append(
            session, [announcement_entry(old_public, new_public, actor, when, old.sign)]
        )
        head = log.sign_head(session, new)
        for other in others:
            other.sign_head(session, new)
    _put_in_place(next_path, key_path)
    return KeyRotation(key_fingerprint(old_public), key_fingerprint(new_public), leaf, head)


def _finish_announced(
    sessions: sessionmaker[Session], log: CustodyLog, key_path: Path, pending: Ed25519PrivateKey
) -> KeyRotation | None:
    """Put ``pending`` in place if the log already announced it (a rotation that stopped
    between its commit and the swap of the key files)."""
    public = public_key_bytes(pending)
    with sessions() as session:
        found = [a for a in announcements(session, log) if a.public_key == public]
        head = log.latest_head(session)
    if not found or head is None:
        return None
    _put_in_place(next_key_path(key_path), key_path)
    return KeyRotation(
        found[-1].previous_fingerprint, found[-1].fingerprint, found[-1].leaf, head, True
    )


def _put_in_place(next_path: Path, key_path: Path) -> None:
    """Replace the retired key by the new one: the retired key's bytes are overwritten on
    disk first (best effort: a copy-on-write file system or a backup may still hold them),
    then the new key is renamed over it, durably."""
    try:
        size = key_path.stat().st_size
        with key_path.open("r+b") as retired:
            retired.write(os.urandom(size))
            sync(retired)
    except FileNotFoundError:
        pass
    move_into_place(next_path, key_path)
