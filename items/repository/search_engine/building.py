"""Writing an index from PostgreSQL: a whole generation from one snapshot, or a batch of changes.

Both read inside one repeatable-read transaction, so that what they write is exactly the
database as of that transaction's snapshot ``S``, and both end with one Tantivy commit that
also replaces the snapshot document with ``S`` (a commit is atomic: a searcher sees all of it
or none of it). A build reads every item in (created_at, id) order through a server-side
cursor, a progress callback told of each thousand, for one writer thread whose memory holds
them all: one segment whose document order is that order (``one_segment``). A batch reads the
items the change table names since the index's snapshot (``changes.PENDING_SQL``), replaces
their documents (as ``delta`` ones) and drops those of deleted items.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import psycopg
import tantivy

from items.repository.search_engine import documents
from items.repository.search_engine.changes import PENDING_SQL, SNAPSHOT_SQL, Made

Progress = Callable[[int, int], None]  # (items written so far, items in all)
_ITEMS_SQL = f"SELECT {documents.COLUMNS} FROM public.items_item"
# The build's order, which ties follow (through the index on (created_at, id)).
_ORDERED_SQL = f"{_ITEMS_SQL} ORDER BY created_at, id"
_COUNT_SQL = "SELECT count(*) FROM public.items_item"
_CURSOR_ROWS = 5_000


class Stopped(RuntimeError):
    """A build given up because the process is stopping."""


@dataclass(frozen=True, slots=True)
class Batch:
    """The changes an index has not applied, as of a newer snapshot."""

    made: Made
    item_ids: list
    reset: bool
    oldest_seconds: float


def one_row(conn: psycopg.Connection, sql: str, params: Mapping[str, Any] | None = None) -> tuple:
    """The one row ``sql`` answers (it always answers one)."""
    row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return row


def begin(conn: psycopg.Connection) -> Made:
    """Open a repeatable-read transaction; the snapshot it reads and the database's identity."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    snapshot, identity = one_row(conn, SNAPSHOT_SQL)
    return Made(snapshot, identity)


def _replace_snapshot(writer: tantivy.IndexWriter, made: Made) -> None:
    writer.delete_documents_by_term("kind", documents.SNAPSHOT)
    writer.add_document(documents.snapshot_document(made.encode()))


def build(
    conn: psycopg.Connection,
    writer: tantivy.IndexWriter,
    *,
    progress: Progress | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> Made:
    """Write every item into an empty generation from one snapshot and commit; that snapshot."""
    made = begin(conn)
    try:
        (total,) = one_row(conn, _COUNT_SQL)
        written = 0
        with conn.cursor(name="search_engine_build") as cursor:
            cursor.itersize = _CURSOR_ROWS
            cursor.execute(_ORDERED_SQL)
            for row in cursor:
                writer.add_document(documents.document(row))
                written += 1
                if written % 1000 == 0:
                    if stopping():
                        raise Stopped("the process is stopping")
                    if progress is not None:
                        progress(written, total)
        if progress is not None:
            progress(written, total)
    finally:
        conn.execute("COMMIT")
    _replace_snapshot(writer, made)
    writer.commit()
    return made


def one_segment(meta: str) -> bool:
    """Whether a commit's ``meta.json`` names a single segment."""
    return len(json.loads(meta)["segments"]) == 1


def mark_ordered(writer: tantivy.IndexWriter, made: Made) -> Made:
    """Record (one more commit) that the build's items are in one segment, in order."""
    ordered = replace(made, ordered=True)
    _replace_snapshot(writer, ordered)
    writer.commit()
    return ordered


def pending(conn: psycopg.Connection, made: Made) -> Batch:
    """Inside a repeatable-read transaction (left open): the changes ``made`` lacks."""
    newer = replace(begin(conn), ordered=made.ordered)
    ids, reset, oldest = [], False, None
    for item_id, at in conn.execute(PENDING_SQL, made.params()).fetchall():
        if item_id is None:
            reset = True
        else:
            ids.append(item_id)
        oldest = at if oldest is None or at < oldest else oldest
    seconds = 0.0 if oldest is None else max(0.0, time.time() - oldest.timestamp())
    return Batch(newer, ids, reset, seconds)


def apply(conn: psycopg.Connection, writer: tantivy.IndexWriter, batch: Batch) -> None:
    """Replace the documents of ``batch``'s items (read in its still open transaction) and
    commit the index as of its snapshot."""
    try:
        rows = (
            conn.execute(f"{_ITEMS_SQL} WHERE id = ANY(%s)", [batch.item_ids]).fetchall()
            if batch.item_ids
            else []
        )
    finally:
        conn.execute("COMMIT")
    for item_id in batch.item_ids:
        writer.delete_documents_by_term("id", str(item_id))
    for row in rows:
        writer.add_document(documents.document(row, delta=True))
    _replace_snapshot(writer, batch.made)
    writer.commit()
