"""What an index directory holds and how far behind it is, for ``manage.py search_index status``.

Read-only: the current generation, its documents and size on disk, the snapshot it was made
from, whether it is fresh for a read made now, how many changed items it has yet to apply and
how old the oldest change is, and every indexer registered in the database.
"""

from __future__ import annotations

from pathlib import Path

from django.db import connection

from items.repository.search_engine.changes import FRESH_SQL, PENDING_SQL, SCHEMA
from items.repository.search_engine.reader import Reader, Unavailable
from items.repository.search_engine.storage import Storage

_INDEXERS_SQL = f"""
    SELECT name, snapshot::text, applied_at, seen_at FROM {SCHEMA}.indexers ORDER BY name
"""


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def status(root: Path) -> dict:
    """The state of the index under ``root``, as plain values."""
    storage = Storage(root)
    report: dict = {"directory": str(root), "generation": storage.current()}
    try:
        view = Reader(storage).view()
    except Unavailable as error:
        report["state"] = str(error)
        view = None
    with connection.cursor() as cursor:
        if view is not None:
            report["documents"] = view.searcher.num_docs - 1  # the snapshot document aside
            report["bytes"] = _size(storage.path(view.generation))
            report["snapshot"] = view.made.snapshot
            cursor.execute(f"SELECT {FRESH_SQL}", view.made.params())
            report["fresh"] = cursor.fetchone()[0]
            cursor.execute(PENDING_SQL, view.made.params())
            pending = cursor.fetchall()
            report["pending_items"] = sum(1 for item_id, _ in pending if item_id is not None)
            report["pending_reset"] = any(item_id is None for item_id, _ in pending)
            report["state"] = "fresh" if report["fresh"] else "behind"
        cursor.execute(_INDEXERS_SQL)
        report["indexers"] = [
            {"name": n, "snapshot": s, "applied_at": a.isoformat(), "seen_at": seen.isoformat()}
            for n, s, a, seen in cursor.fetchall()
        ]
    return report
