"""Ed25519 signing keys and signed tree heads.

A tree head signature covers exactly :func:`tree_head_message`::

    b"civwatch-custody-tree-head-v1\\n"   (30 ASCII bytes)
    tree_size                            (unsigned 64-bit, big-endian)
    timestamp_ms                         (unsigned 64-bit, big-endian, ms since 1970 UTC)
    root_hash                            (32 bytes, SHA-256)

for the evidence custody log; another log (``log_tables(name)``) puts its own name in the
first line (``b"civwatch-protection_audit-tree-head-v1\\n"``), so a head signed for one log
never verifies as a head of another, though one key signs both.
"""

from __future__ import annotations

import hashlib
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from civwatch.errors import ConfigurationError, ProofError, RejectedInputError
from civwatch.files import write_new
from civwatch.i18n import _

#: The name of the evidence custody log (the prefix of its tables).
CUSTODY_LOG = "custody"
TREE_HEAD_PREFIX = b"civwatch-custody-tree-head-v1\n"
_U64 = struct.Struct(">QQ")


@dataclass(frozen=True)
class TreeHead:
    """The log's size and root hash at ``timestamp_ms``, signed by ``public_key``."""

    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    signature: bytes
    public_key: bytes
    #: The log it is a head of (the prefix of its tables): part of what is signed.
    log: str = CUSTODY_LOG

    def message(self) -> bytes:
        """The bytes the signature covers."""
        return tree_head_message(self.tree_size, self.timestamp_ms, self.root_hash, self.log)


def tree_head_prefix(log: str = CUSTODY_LOG) -> bytes:
    """The first line of what a head of ``log`` signs: ``civwatch-<log>-tree-head-v1``."""
    if log == CUSTODY_LOG:
        return TREE_HEAD_PREFIX
    return b"civwatch-" + log.encode("ascii") + b"-tree-head-v1\n"


def tree_head_message(
    tree_size: int, timestamp_ms: int, root_hash: bytes, log: str = CUSTODY_LOG
) -> bytes:
    """The exact byte string a tree head signature covers (see the module docstring)."""
    if not (0 <= tree_size < 2**64 and 0 <= timestamp_ms < 2**64):
        raise RejectedInputError(
            _("Tree size and timestamp must fit in an unsigned 64-bit number.")
        )
    if len(root_hash) != 32:
        raise RejectedInputError(_("A tree head's root hash must be 32 bytes (SHA-256)."))
    return tree_head_prefix(log) + _U64.pack(tree_size, timestamp_ms) + root_hash


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The raw 32-byte Ed25519 public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_fingerprint(public_key: bytes) -> str:
    """A public key's fingerprint: the SHA-256 of the raw 32-byte key, all 64 hex digits.

    The whole digest, never a prefix: a prefix is short enough for someone to make a key
    of their own that shares it, and the fingerprint is what people compare to decide
    whose key signed an evidence package."""
    return hashlib.sha256(public_key).hexdigest()


def sign_tree_head(
    key: Ed25519PrivateKey,
    tree_size: int,
    root_hash: bytes,
    timestamp_ms: int,
    log: str = CUSTODY_LOG,
) -> TreeHead:
    """Sign the statement "the log ``log`` had ``tree_size`` leaves and root ``root_hash``"."""
    signature = key.sign(tree_head_message(tree_size, timestamp_ms, root_hash, log))
    return TreeHead(tree_size, root_hash, timestamp_ms, signature, public_key_bytes(key), log)


def _as_public_key(public_key: Ed25519PublicKey | bytes) -> Ed25519PublicKey:
    if isinstance(public_key, Ed25519PublicKey):
        return public_key
    try:
        return Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError as err:
        raise ProofError(_("The public key is not a 32-byte Ed25519 key.")) from err


def verify_tree_head(head: TreeHead, public_key: Ed25519PublicKey | bytes) -> None:
    """Check ``head`` was signed by ``public_key``; raise :class:`ProofError` if not."""
    key = _as_public_key(public_key)
    expected = public_key_bytes(key)
    if head.public_key != expected:
        raise ProofError(
            _(
                "The tree head of size %(tree_size)s names signing key %(fingerprint)s, not "
                "the expected key %(expected)s.",
                tree_size=head.tree_size,
                fingerprint=key_fingerprint(head.public_key),
                expected=key_fingerprint(expected),
            )
        )
    try:
        key.verify(head.signature, head.message())
    except InvalidSignature as err:
        raise ProofError(
            _(
                "The signature on the tree head of size %(tree_size)s does not verify: "
                "the head was altered or not signed by this key.",
                tree_size=head.tree_size,
            )
        ) from err
    except RejectedInputError as err:
        raise ProofError(_("The tree head is malformed: %(reason)s", reason=err.message)) from err


def create_signing_key(path: Path, password: bytes | None = None) -> Ed25519PrivateKey:
    """Make a new Ed25519 key and write it to ``path`` as PEM (PKCS#8), mode 0600.

    Never overwrites: an existing file raises :class:`RejectedInputError`. The file is
    flushed to disk before this returns.
    """
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    try:
        write_new(path, pem)
    except FileExistsError as err:
        raise RejectedInputError(
            _("%(path)s already exists; civwatch never overwrites a signing key.", path=path)
        ) from err
    return key


def load_signing_key(path: Path, password: bytes | None = None) -> Ed25519PrivateKey:
    """Read the Ed25519 key at ``path``.

    Refuses a key file that others can read or write (like ssh does), a missing file and
    anything that is not an Ed25519 private key, with a :class:`ConfigurationError`.
    """
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise ConfigurationError(_("The signing key %(path)s does not exist.", path=path)) from err
    except OSError as err:
        raise ConfigurationError(
            _(
                "The signing key %(path)s cannot be read: %(reason)s.",
                path=path,
                reason=err.strerror,
            )
        ) from err
    if stat.S_IMODE(mode) & 0o077:
        raise ConfigurationError(
            _(
                "The signing key %(path)s can be read by other users (mode %(mode)s); "
                "run: chmod 600 %(path)s",
                path=path,
                mode=f"{stat.S_IMODE(mode):04o}",
            )
        )
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as err:
        raise ConfigurationError(
            _(
                "%(path)s is not a readable PEM private key (wrong password or damaged file).",
                path=path,
            )
        ) from err
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(_("%(path)s holds a key, but not an Ed25519 key.", path=path))
    return key
