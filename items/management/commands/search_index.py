"""``manage.py search_index build|rebuild|status|follow``: the search engine's index, by hand.

A thin wrapper around ``items.repository.search_engine``:

- ``build``: make the index current (built from one snapshot if it is missing, damaged, of
  another database or too far behind; else the changes applied), then exit;
- ``rebuild``: build a new generation from one snapshot whatever there is, then exit;
- ``status``: what the index holds and how far behind it is (JSON);
- ``follow``: be the indexer in the foreground until interrupted (Ctrl-C, SIGTERM).

``build``, ``rebuild`` and ``follow`` index only once elected: while a serving process (or
another command) indexes the same directory, ``build`` and ``rebuild`` refuse and ``follow``
waits its turn. A progress bar shows on a terminal.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from items.repository.search_engine import Election, Indexer, IndexerThread, Storage
from items.repository.search_engine.status import status


class Command(BaseCommand):
    """Build, rebuild, inspect or follow the search engine's index."""

    help = "The search engine's index: build, rebuild, status or follow."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["build", "rebuild", "status", "follow"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        root = settings.SEARCH_INDEX_DIR
        if action == "status":
            self.stdout.write(json.dumps(status(root), indent=2))
            return
        if action == "follow":
            follower = IndexerThread(root)
            signal.signal(signal.SIGTERM, lambda *_: follower.stop_soon())
            with contextlib.suppress(KeyboardInterrupt):
                follower.run()  # in the foreground, until stopped
            return
        self.stdout.write(self._build(root, rebuild=action == "rebuild"))

    def _build(self, root: Any, *, rebuild: bool) -> str:
        election = Election(root)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        bar = tqdm(unit=" items", disable=not sys.stderr.isatty(), file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        indexer = Indexer(Storage(root), progress=progress)
        try:
            if not election.held():
                raise CommandError(f"Another process indexes {root}; stop it first.")
            if rebuild:
                indexer.rebuild("asked for", stop.is_set)
            indexer.step(stop.is_set)
            made = indexer.made
            held = made.snapshot if made is not None else "nothing"
            return f"Index {indexer.generation} holds snapshot {held}."
        finally:
            bar.close()
            indexer.close()
            election.release()
