"""Deleting old rows a batch at a time, for the retention rules (the webhooks' deliveries, the
outbox's notices): each batch is a short transaction of its own, so a first prune of a large
table never holds its locks for long, and a busy table's writers wait at most one batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Engine
from sqlmodel import Session, select

BATCH = 1000
"""Rows one statement deletes at most."""


def take_batch(
    session: Session, table: type[Any], *where: ColumnElement[bool], limit: int
) -> list[int]:
    """The ids of up to `limit` rows of `table` matching `where`, locked until the transaction
    ends, so nothing reopens them before they are deleted (PostgreSQL: rows another worker
    holds are skipped)."""
    query = select(table.id).where(*where).limit(limit).with_for_update(skip_locked=True)
    return [int(i) for i in session.exec(query).all()]


def in_batches(engine: Engine, prune: Callable[[Session], int], *, limit: int = BATCH) -> int:
    """Call `prune` (a use case deleting at most `limit` rows; how many), each time in a
    session of its own, until a batch comes back short; how many rows in all."""
    total = 0
    while True:
        with Session(engine) as session:
            done = prune(session)
        total += done
        if done < limit:
            return total
