"""Tables of the custody logs. Portable SQL only: they work on SQLite and PostgreSQL.

The engine serves several logs with the same mechanics, each in four tables of its own
made by :func:`log_tables` from a prefix: ``<prefix>_leaves``, ``<prefix>_nodes``,
``<prefix>_tree_heads`` and ``<prefix>_state``. The evidence custody log is
``log_tables("custody")`` (the tables mapped below as :class:`CustodyLeaf` ...); another
log (the protection desk's audit log) is another prefix, with its own tree, heads and
signed-head domain (see :func:`civwatch.custody.signing.tree_head_prefix`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, Table
from sqlalchemy.orm import Mapped

from civwatch.db import Base

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
_BigId = BigInteger().with_variant(Integer(), "sqlite")
#: The evidence custody log's prefix (its tables are those of civwatch's first schema).
CUSTODY = "custody"
_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True, eq=False)
class LogTables:
    """The four tables of one log, and its name (the prefix of the tables' names).

    Made once per prefix by :func:`log_tables`, so two values for the same log are the same
    object (compared and hashed by identity).
    """

    name: str
    #: One entry per row: the exact bytes that were hashed, and their leaf hash.
    leaves: Table
    #: The hash of each aligned complete subtree above the leaves (level >= 1).
    nodes: Table
    #: Signed statements of the log's size and root hash at a moment.
    heads: Table
    #: The single row appenders lock to take turns; it also records the log's size.
    state: Table

    @property
    def tables(self) -> list[Table]:
        """The four tables, e.g. for ``Base.metadata.create_all(engine, tables=...)``."""
        return [self.leaves, self.nodes, self.heads, self.state]

    @property
    def label(self) -> str:
        """The log named in the problems ``civwatch verify`` reports ("custody log",
        "protection audit log"): machine-readable, as table names are."""
        return self.name.replace("_", " ") + " log"


@cache
def log_tables(prefix: str) -> LogTables:
    """The tables of the log named ``prefix`` (lower-case letters, digits, underscores),
    defined in civwatch's metadata the first time they are asked for.

    Leaves: ``idx`` (position, 0-based, contiguous), ``entry`` (the exact bytes hashed:
    canonical JSON for mapping entries), ``leaf_hash`` (SHA-256(0x00 || entry)),
    ``appended_at_ms`` (ms since 1970 UTC, not covered by the hash). Nodes: subtree
    ``(level, index)`` covers leaves ``[index * 2**level, (index + 1) * 2**level)`` and is
    stored under its in-order ``position = index * 2**(level + 1) + 2**level - 1`` (see
    :func:`civwatch.custody.merkle.node_position`), one integer key so a proof's O(log n)
    hashes come back from one indexed ``IN`` query; written once, when its last leaf is
    appended. Heads: ``tree_size``, ``root_hash``, ``timestamp_ms`` (covered by the
    signature), the Ed25519 ``signature`` over
    :func:`civwatch.custody.signing.tree_head_message` and the signer's raw
    ``public_key``. State: one row (``id`` 1) holding ``tree_size``.
    """
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"{prefix!r} is not a log name (lower-case letters, digits, _)")
    metadata = Base.metadata
    leaves = Table(
        f"{prefix}_leaves",
        metadata,
        Column("idx", BigInteger, primary_key=True, autoincrement=False),
        Column("entry", LargeBinary, nullable=False),
        Column("leaf_hash", LargeBinary(32), nullable=False),
        Column("appended_at_ms", BigInteger, nullable=False),
    )
    nodes = Table(
        f"{prefix}_nodes",
        metadata,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("hash", LargeBinary(32), nullable=False),
    )
    heads = Table(
        f"{prefix}_tree_heads",
        metadata,
        Column("id", _BigId, primary_key=True, autoincrement=True),
        Column("tree_size", BigInteger, nullable=False),
        Column("root_hash", LargeBinary(32), nullable=False),
        Column("timestamp_ms", BigInteger, nullable=False),
        Column("signature", LargeBinary(64), nullable=False),
        Column("public_key", LargeBinary(32), nullable=False),
        Index(f"ix_{prefix}_tree_heads_tree_size", "tree_size"),
    )
    state = Table(
        f"{prefix}_state",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("tree_size", BigInteger, nullable=False),
    )
    return LogTables(prefix, leaves, nodes, heads, state)


_EVIDENCE = log_tables(CUSTODY)


class CustodyLeaf(Base):
    """One entry of the evidence custody log (``custody_leaves``)."""

    __table__ = _EVIDENCE.leaves

    idx: Mapped[int]
    entry: Mapped[bytes]
    leaf_hash: Mapped[bytes]
    appended_at_ms: Mapped[int]


class CustodyNode(Base):
    """A stored subtree hash of the evidence custody log (``custody_nodes``)."""

    __table__ = _EVIDENCE.nodes

    position: Mapped[int]
    hash: Mapped[bytes]


class CustodyTreeHead(Base):
    """A signed head of the evidence custody log (``custody_tree_heads``)."""

    __table__ = _EVIDENCE.heads

    id: Mapped[int]
    tree_size: Mapped[int]
    root_hash: Mapped[bytes]
    timestamp_ms: Mapped[int]
    signature: Mapped[bytes]
    public_key: Mapped[bytes]


class CustodyState(Base):
    """The state row of the evidence custody log (``custody_state``)."""

    __table__ = _EVIDENCE.state

    id: Mapped[int]
    tree_size: Mapped[int]


#: The evidence custody log's tables, e.g. for ``Base.metadata.create_all(engine, tables=...)``.
CUSTODY_TABLES: list[Table] = _EVIDENCE.tables
