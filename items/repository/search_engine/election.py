"""Who indexes a directory: the process holding its lock; and the thread that does it.

Every serving process (every gunicorn worker) and ``manage.py search_index`` may be the
indexer; one is, per index directory: the holder of an exclusive lock on ``indexer.lock`` at
the directory's root, the same kind of lock (``flock``) Tantivy's writer takes on each
generation, which the kernel releases when its process dies, however it dies. The others try
again every ``SEARCH_ELECTION_SECONDS``, so a killed indexer is replaced within that time. A
holder whose lock file is deleted (the directory removed while serving) gives it up and runs
again, so two processes never index one directory for long.

``IndexerThread`` runs the elected indexer in the background of a serving process; it stops
with the process (``stop``, registered at exit; the lock goes with the process anyway).
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
from pathlib import Path
from typing import TextIO

from django.conf import settings

from items.repository.search_engine.building import Stopped
from items.repository.search_engine.indexer import Indexer, wait_for_changes
from items.repository.search_engine.storage import Storage

log = logging.getLogger("catalog.search")
LOCK = "indexer.lock"


class Election:
    """The lock electing the indexer of ``root``."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / LOCK
        self._handle: TextIO | None = None

    def held(self) -> bool:
        """Whether this holds the lock, taking it if it is free."""
        if self._handle is not None and self._still_ours():
            return True
        self.release()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a")  # noqa: SIM115  (kept open while held)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def _still_ours(self) -> bool:
        if self._handle is None:
            return False
        try:
            return os.stat(self.path).st_ino == os.fstat(self._handle.fileno()).st_ino
        except OSError:
            return False

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class IndexerThread(threading.Thread):
    """The indexer of ``SEARCH_INDEX_DIR`` in the background, while this process is elected."""

    def __init__(self, root: Path) -> None:
        super().__init__(name="search-indexer", daemon=True)
        self.election = Election(root)
        self.indexer = Indexer(Storage(root))
        self._stopping = threading.Event()

    def run(self) -> None:
        elected = False
        while not self._stopping.is_set():
            if not self.election.held():
                if elected:
                    log.warning("search indexer: lost the lock of %s", self.election.path)
                self.indexer.close()
                elected = False
                self._stopping.wait(settings.SEARCH_ELECTION_SECONDS)
                continue
            if not elected:
                log.info("search indexer: elected for %s", self.election.path.parent)
                elected = True
            try:
                self.indexer.step(self._stopping.is_set)
            except Stopped:
                break
            except Exception:
                log.exception("search indexer failed; trying again")
                self.indexer.close()
                self._stopping.wait(settings.SEARCH_ELECTION_SECONDS)
                continue
            wait_for_changes(self.indexer, settings.SEARCH_POLL_SECONDS)
        self.indexer.close()
        self.election.release()

    def stop_soon(self) -> None:
        self._stopping.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)


def start_thread(root: Path) -> IndexerThread:
    """Start the background indexer of ``root`` in this process; it stops at exit."""
    thread = IndexerThread(root)
    thread.start()
    atexit.register(thread.stop)
    return thread
