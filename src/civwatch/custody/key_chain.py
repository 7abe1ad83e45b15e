"""The chain of signing keys: announcements of a new key, each signed by the key before it.

A log's heads are signed by one Ed25519 key at a time. ``civwatch custody rotate-key``
appends a ``signing-key-announce`` entry naming the new key, signed by the old one over
:func:`announcement_message`::

    b"civwatch-signing-key-announcement-v1\\n" + RFC 8785 canonical JSON of the entry
    without its "signature" field

From that entry on, heads that cover it are signed by the new key; the old key is retired.
A verifier starts from the first key (the trust anchor, by its fingerprint) and walks the
announcements in log order (:func:`walk_chain`); :meth:`KeyChain.head_problem` then names
the key each head must be signed by. Pure functions over bytes: engine level, no database
(the entries are read by :mod:`civwatch.custody.key_rotation`). The standalone package
verifier (``publish/verify_package.py``) carries its own copy of these rules.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from civwatch.custody.signing import TreeHead, key_fingerprint, verify_tree_head
from civwatch.errors import ProofError
from civwatch.i18n import _

#: The act of the entry that announces a new signing key.
ANNOUNCE_ACT = "signing-key-announce"
#: What an announcement's signature covers, before the entry's canonical JSON.
ANNOUNCEMENT_PREFIX = b"civwatch-signing-key-announcement-v1\n"
#: How an announcement is found among entries (canonical JSON: no spaces).
ANNOUNCE_NEEDLE = b'"act":"' + ANNOUNCE_ACT.encode("ascii") + b'"'


def announcement_message(entry: Mapping[str, Any]) -> bytes:
    """The bytes the old key signs: the prefix, then the canonical JSON of ``entry``
    without ``signature``."""
    unsigned = {key: value for key, value in entry.items() if key != "signature"}
    return ANNOUNCEMENT_PREFIX + rfc8785.dumps(unsigned)


@dataclass(frozen=True)
class Announcement:
    """One ``signing-key-announce`` entry, as read from the log."""

    leaf: int
    public_key: bytes
    fingerprint: str
    previous_public_key: bytes
    previous_fingerprint: str
    signature: bytes
    #: When the new key took over (the entry's ``at``), ms since 1970 UTC.
    at_ms: int
    #: The entry as parsed (what the signature covers, less ``signature``).
    doc: Mapping[str, Any]


def parse_announcement(leaf: int, entry: bytes) -> Announcement | None:
    """The announcement stored at ``leaf``; None when the entry is of another act. A
    malformed announcement raises :class:`ProofError` naming what is wrong."""
    try:
        doc = json.loads(entry)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("act") != ANNOUNCE_ACT:
        return None
    try:
        public_key = bytes.fromhex(str(doc["public_key"]))
        previous = bytes.fromhex(str(doc["previous_public_key"]))
        signature = bytes.fromhex(str(doc["signature"]))
        moment = datetime.fromisoformat(str(doc["at"]))
        if len(public_key) != 32 or len(previous) != 32 or len(signature) != 64:
            raise ValueError("a key is not 32 bytes or the signature not 64")
        if moment.tzinfo is None:
            raise ValueError("its time has no time zone")
    except (KeyError, ValueError, binascii.Error) as err:
        raise ProofError(
            _(
                "Entry %(leaf)s, a signing key announcement, is malformed (%(reason)s).",
                leaf=leaf,
                reason=err,
            )
        ) from err
    return Announcement(
        leaf=leaf,
        public_key=public_key,
        fingerprint=str(doc.get("fingerprint")),
        previous_public_key=previous,
        previous_fingerprint=str(doc.get("previous_fingerprint")),
        signature=signature,
        at_ms=int(moment.timestamp() * 1000),
        doc=doc,
    )


def announcement_signed(announcement: Announcement) -> bool:
    """Whether the announcement's signature verifies with the previous key it names."""
    try:
        Ed25519PublicKey.from_public_bytes(announcement.previous_public_key).verify(
            announcement.signature, announcement_message(announcement.doc)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class ChainKey:
    """A key of the chain and the stretch of the log it signs for."""

    public_key: bytes
    #: The announcement that brought it in (None: the first key, the trust anchor).
    since_leaf: int | None = None
    #: The announcement that retired it (None: the key in force today).
    until_leaf: int | None = None
    #: When it was retired, ms since 1970 UTC (None: in force).
    until_ms: int | None = None

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key)


@dataclass(frozen=True)
class KeyChain:
    """The keys from the first through every announcement, and what was wrong on the way.

    Picklable (the check of a large log hands it to worker processes)."""

    keys: tuple[ChainKey, ...]
    problems: tuple[str, ...] = ()
    #: The log whose heads are checked by tree size (the log the announcements are in);
    #: heads of other logs signed by the same keys are checked by time.
    log: str = "custody"
    _by_key: dict[bytes, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for position, key in enumerate(self.keys):
            self._by_key.setdefault(key.public_key, position)

    @property
    def current(self) -> ChainKey:
        """The key in force at the end of the chain."""
        return self.keys[-1]

    def in_force(self, tree_size: int) -> int:
        """The position of the key that signs heads of ``tree_size`` entries of the log
        holding the announcements: the last key announced by an entry the head covers."""
        position = 0
        for number, key in enumerate(self.keys[1:], 1):
            if key.since_leaf is not None and key.since_leaf < tree_size:
                position = number
        return position

    def head_problem(self, head: TreeHead) -> str | None:
        """What is wrong with ``head``'s key or signature (None: signed by the key in force
        when it was signed)."""
        found = self._by_key.get(head.public_key)
        fingerprint = key_fingerprint(head.public_key)
        if found is None:
            return _(
                "it is signed by key %(fingerprint)s, which is not in the chain of signing "
                "keys (the first key and every announced one): an unannounced key.",
                fingerprint=fingerprint,
            )
        key = self.keys[found]
        if head.log == self.log:
            expected = self.in_force(head.tree_size)
            if found < expected:
                return _(
                    "it is signed by key %(fingerprint)s, retired by the announcement at entry "
                    "%(leaf)s, which this head covers: a retired key signed after its "
                    "retirement.",
                    fingerprint=fingerprint,
                    leaf=key.until_leaf,
                )
            if found > expected:
                return _(
                    "it is signed by key %(fingerprint)s, which was announced only at entry "
                    "%(leaf)s, after the entries this head covers.",
                    fingerprint=fingerprint,
                    leaf=key.since_leaf,
                )
        elif key.until_ms is not None and head.timestamp_ms > key.until_ms:
            return _(
                "it is signed by key %(fingerprint)s after that key was retired by the "
                "announcement at entry %(leaf)s: a retired key signed after its retirement.",
                fingerprint=fingerprint,
                leaf=key.until_leaf,
            )
        try:
            verify_tree_head(head, head.public_key)
        except ProofError as err:
            return err.message
        return None


def walk_chain(
    anchor: bytes, announcements: Iterable[Announcement], *, log: str = "custody"
) -> KeyChain:
    """Walk from the first key ``anchor`` (raw public key) through ``announcements`` in
    log order; each must be signed by the key in force before it. A forged or altered
    announcement, a gap (an announcement whose previous key is not the key in force) and a
    fork (a second announcement by a key already retired) are named, and the chain does not
    follow them."""
    keys = [ChainKey(anchor)]
    problems: list[str] = []
    retired: dict[str, int] = {}
    for announcement in sorted(announcements, key=lambda a: a.leaf):
        previous = announcement.previous_fingerprint
        current = keys[-1]
        if announcement.fingerprint != key_fingerprint(
            announcement.public_key
        ) or previous != key_fingerprint(announcement.previous_public_key):
            problems.append(
                _(
                    "Entry %(leaf)s, a signing key announcement, names fingerprints that are "
                    "not those of its keys (the announcement was altered).",
                    leaf=announcement.leaf,
                )
            )
            continue
        if previous in retired:
            problems.append(
                _(
                    "Entry %(leaf)s announces a second successor of key %(fingerprint)s, "
                    "already retired at entry %(first)s: the chain of keys is forked.",
                    leaf=announcement.leaf,
                    fingerprint=previous,
                    first=retired[previous],
                )
            )
            continue
        if previous != current.fingerprint:
            problems.append(
                _(
                    "Entry %(leaf)s announces a successor of key %(fingerprint)s, but the key "
                    "in force is %(current)s: the chain of keys has a gap (an announcement is "
                    "missing) or starts from another first key.",
                    leaf=announcement.leaf,
                    fingerprint=previous,
                    current=current.fingerprint,
                )
            )
            continue
        if not announcement_signed(announcement):
            problems.append(
                _(
                    "Entry %(leaf)s, the announcement of key %(fingerprint)s, is not signed by "
                    "the previous key %(previous)s (forged or altered).",
                    leaf=announcement.leaf,
                    fingerprint=announcement.fingerprint,
                    previous=previous,
                )
            )
            continue
        if announcement.public_key in {key.public_key for key in keys}:
            problems.append(
                _(
                    "Entry %(leaf)s announces key %(fingerprint)s, which is already in the "
                    "chain: a key is never used twice.",
                    leaf=announcement.leaf,
                    fingerprint=announcement.fingerprint,
                )
            )
            continue
        keys[-1] = ChainKey(
            current.public_key, current.since_leaf, announcement.leaf, announcement.at_ms
        )
        keys.append(ChainKey(announcement.public_key, announcement.leaf))
        retired[previous] = announcement.leaf
    return KeyChain(tuple(keys), tuple(problems), log)
