"""Tables of the custody log. Portable SQL only: they work on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import cast

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, Table
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.db import Base

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class CustodyLeaf(Base):
    """One entry of the log: the exact bytes that were hashed, and their leaf hash."""

    __tablename__ = "custody_leaves"

    #: Position in the log, 0-based, contiguous.
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: The entry exactly as hashed (canonical JSON for mapping entries).
    entry: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    #: SHA-256(0x00 || entry).
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    #: When the entry was appended, milliseconds since 1970-01-01 UTC (not covered by the hash).
    appended_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class CustodyNode(Base):
    """The hash of an aligned complete subtree above the leaves (level >= 1).

    Subtree ``(level, index)`` covers leaves ``[index * 2**level, (index + 1) * 2**level)``
    and is stored under its in-order ``position = index * 2**(level + 1) + 2**level - 1``
    (see :func:`civwatch.custody.merkle.node_position`), one integer key so a proof's
    O(log n) hashes come back from one indexed ``IN`` query. Written once, when its last
    leaf is appended.
    """

    __tablename__ = "custody_nodes"

    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class CustodyTreeHead(Base):
    """A signed statement of the log's size and root hash at a moment."""

    __tablename__ = "custody_tree_heads"
    __table_args__ = (Index("ix_custody_tree_heads_tree_size", "tree_size"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    #: Milliseconds since 1970-01-01 UTC; covered by the signature.
    timestamp_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Ed25519 signature (64 bytes) over :func:`civwatch.custody.signing.tree_head_message`.
    signature: Mapped[bytes] = mapped_column(LargeBinary(64), nullable=False)
    #: Raw Ed25519 public key (32 bytes) of the signer.
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class CustodyState(Base):
    """The single row appenders lock to take turns; it also records the log's size."""

    __tablename__ = "custody_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger, nullable=False)


#: The custody tables, e.g. for ``Base.metadata.create_all(engine, tables=CUSTODY_TABLES)``.
CUSTODY_TABLES: list[Table] = [
    cast(Table, model.__table__)
    for model in (CustodyLeaf, CustodyNode, CustodyTreeHead, CustodyState)
]
