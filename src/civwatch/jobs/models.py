"""The table of background jobs: what each is, whose it is, how far it got."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow

#: A job's states, in the order it passes through them.
STATES = ("queued", "running", "done", "failed")


class Job(Base):
    """One piece of long work run by a queue worker, with the progress its owner sees."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What the job does, e.g. ``ingest-upload`` or ``find-copies``.
    kind: Mapped[str] = mapped_column(String(64))
    #: Username of whoever started it (only they and admins see it).
    owner: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    #: One line for the owner: what the job is doing now, or why it failed.
    message: Mapped[str] = mapped_column(Text, default="")
    #: What the task needs to run (not shown to users).
    params: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    #: What the job found so far (complete once ``state`` is ``done``).
    result: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    #: How many times a worker took it up (more than one after a crash).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Last sign of life from the worker running it (a heartbeat while it runs).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
