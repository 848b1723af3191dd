"""The indexer of one index directory: it keeps the current generation following PostgreSQL.

Only the elected indexer writes (``election``). Each ``step`` it makes sure it holds a sound
generation (the one ``CURRENT`` names, proved whole, made from this database, its changes not
pruned), else builds a new one from one snapshot and makes it current; then it reads the
changes its index lacks, in a newer snapshot, and applies them in one commit (or rebuilds, for
a reset or more than ``SEARCH_REBUILD_CHANGES`` items); then it publishes the snapshot its
index holds (``search_engine.indexers``) and, now and then, prunes the changes every indexer
of the database has applied. It sleeps until ``NOTIFY search_engine`` (sent at the commit of
any change) or ``SEARCH_POLL_SECONDS``.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable

import psycopg
import tantivy
from django.conf import settings
from django.db import connections

from items.repository.search_engine import building, metrics
from items.repository.search_engine.changes import (
    FOLLOWABLE_SQL,
    PRUNE_SQL,
    PUBLISH_SQL,
    SEEN_SQL,
    Made,
)
from items.repository.search_engine.compiler import Compiler
from items.repository.search_engine.reader import made_of
from items.repository.search_engine.storage import Damaged, Storage

log = logging.getLogger("catalog.search")
_SEEN_EVERY = 30.0
_PRUNE_EVERY = 60.0
_PARAMS_LEFT_OUT = ("cursor_factory", "context")


def connect() -> psycopg.Connection:
    """A connection of the indexer's own to the primary, listening for changes."""
    params = connections["default"].get_connection_params()
    conn = psycopg.connect(
        **{k: v for k, v in params.items() if k not in _PARAMS_LEFT_OUT}, autocommit=True
    )
    conn.execute("LISTEN search_engine")
    return conn


class Indexer:
    """Keeps ``storage``'s current generation following the change table."""

    def __init__(self, storage: Storage, *, progress: building.Progress | None = None) -> None:
        self.storage = storage
        self.progress = progress
        self.name = f"{socket.gethostname()}:{storage.root.resolve()}"
        self.conn: psycopg.Connection | None = None
        self.generation: str | None = None
        self.writer: tantivy.IndexWriter | None = None
        self.made: Made | None = None
        self._seen = self._pruned = 0.0

    def close(self) -> None:
        self.writer = self.generation = self.made = None  # drops the writer's lock
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _db(self) -> psycopg.Connection:
        """The indexer's own connection, opened again when it was closed or lost."""
        if self.conn is None or self.conn.closed:
            self.conn = connect()
        return self.conn

    def step(self, stopping: Callable[[], bool] = lambda: False) -> None:
        """Bring the index up to date with what is committed now, and publish it."""
        conn = self._db()
        unsound = self._unsound()
        if unsound:
            self.rebuild(unsound, stopping)
        assert self.made is not None  # a generation is followed once ``_unsound`` passed
        batch = building.pending(conn, self.made)
        metrics.INDEX_LAG.set(batch.oldest_seconds)
        if batch.reset or len(batch.item_ids) > settings.SEARCH_REBUILD_CHANGES:
            conn.execute("ROLLBACK")
            self.rebuild("reset" if batch.reset else "many changes", stopping)
        elif batch.item_ids:
            level = logging.INFO if len(batch.item_ids) >= 1000 else logging.DEBUG
            log.log(level, "search index: applying %d changed items", len(batch.item_ids))
            building.apply(conn, self.writer, batch)
            self._publish(batch.made)
        else:
            conn.execute("ROLLBACK")
        metrics.INDEX_LAG.set(0)
        self._housekeeping()

    def _unsound(self) -> str | None:
        """Why the current generation cannot be followed (None: it can), taking it if new."""
        current = self.storage.current()
        if current is None:
            return "missing"
        if self.storage.damaged(current):
            return "damaged"
        if self.generation != current:
            self.writer = None
            try:
                index = self.storage.open(current)
                made = made_of(index.searcher(), Compiler(index.schema))
                writer = index.writer(settings.SEARCH_WRITER_HEAP_MB * 1_000_000, 1)
            except (Damaged, ValueError) as error:
                if "LockBusy" in str(error):  # a writer not yet gone: not the files' fault
                    raise
                log.warning("search index %s refused: %s", current, error)
                return "damaged"
            if made is None:
                return "missing"
            self.generation, self.writer, self.made = current, writer, made
            for other in self.storage.others({current}):  # a build cut short: nobody's now
                self.storage.remove(other)
        if self.made is None:  # taken with its generation; gone with it (``close``)
            return "missing"
        same, kept = building.one_row(self._db(), FOLLOWABLE_SQL, self.made.params())
        return None if same and kept else "other database" if not same else "pruned"

    def rebuild(self, reason: str, stopping: Callable[[], bool] = lambda: False) -> Made:
        """Build a new generation from one snapshot and make it current."""
        conn = self._db()
        log.info("search index: rebuilding (%s)", reason)
        started = time.monotonic()
        name, index = self.storage.create()
        # One thread, memory for every item: one segment, in the order ties follow.
        writer = index.writer(settings.SEARCH_BUILD_HEAP_MB * 1_000_000, 1)
        try:
            made = building.build(conn, writer, progress=self.progress, stopping=stopping)
            if building.one_segment(self.storage.meta(name)):
                made = building.mark_ordered(writer, made)
        except BaseException:
            del writer
            self.storage.remove(name)
            raise
        self.storage.make_current(name)
        old = self.storage.others({name})
        self.writer, self.generation, self.made = writer, name, made
        for other in old:
            self.storage.remove(other)
        metrics.BUILDS.labels(reason=reason).inc()
        log.info("search index: built %s in %.1f s", name, time.monotonic() - started)
        self._publish(made)
        return made

    def _publish(self, made: Made) -> None:
        self.made = made
        self._db().execute(PUBLISH_SQL, {"name": self.name, **made.params()})
        metrics.APPLIED_XMIN.set(made.xmin)
        self._seen = time.monotonic()

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._seen >= _SEEN_EVERY:
            self._db().execute(SEEN_SQL, {"name": self.name})
            self._seen = now
        if now - self._pruned >= _PRUNE_EVERY:
            self.prune()

    def prune(self) -> None:
        """Forget gone indexers, and drop the changes every remaining one has (``prune``)."""
        prune(self._db())
        self._pruned = time.monotonic()


def prune(conn: psycopg.Connection) -> None:
    """Forget indexers gone for ``SEARCH_INDEXER_EXPIRY``, and drop the changes every
    remaining indexer of this database has applied."""
    with conn.transaction():
        for statement in PRUNE_SQL:
            conn.execute(statement, {"expiry": settings.SEARCH_INDEXER_EXPIRY})


def wait_for_changes(indexer: Indexer, seconds: float) -> None:
    """Sleep until a change is committed (its ``NOTIFY``), or ``seconds``."""
    conn = indexer.conn
    if conn is None or conn.closed:
        time.sleep(seconds)
        return
    if list(conn.notifies(timeout=seconds, stop_after=1)):
        list(conn.notifies(timeout=0))  # and any others already received
