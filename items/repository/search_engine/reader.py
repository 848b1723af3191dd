"""This process's view of the index: a searcher, and what the index it searches was made from.

One ``Reader`` per process and index directory, shared by the request threads. Its ``View``
is a searcher on the current generation's last commit (as proved whole by ``storage``), with
the ``Made`` its snapshot document records: the searcher and the snapshot come from the same
commit, so a request knows exactly which changes the answer holds. Nothing reloads on its own
(Tantivy's reload policy is manual): a request that finds the view stale asks for a
``refresh``, which reloads the last commit, or opens the generation ``CURRENT`` now names.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import tantivy

from items.repository.search_engine.changes import Made
from items.repository.search_engine.compiler import Compiler
from items.repository.search_engine.documents import SNAPSHOT
from items.repository.search_engine.storage import Damaged, Storage


@dataclass(frozen=True, slots=True)
class View:
    """A searcher, the snapshot its commit was made from, and a compiler for its schema."""

    generation: str
    searcher: tantivy.Searcher
    made: Made
    compiler: Compiler
    deltas: int  # documents written since the build


class Unavailable(RuntimeError):
    """No index to search: none built yet, its directory gone, or damaged (``reason``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def made_of(searcher: tantivy.Searcher, compiler: Compiler) -> Made | None:
    """What the commit ``searcher`` holds was made from (its snapshot document)."""
    found = searcher.search(compiler.kind(SNAPSHOT), limit=1, count=False).hits
    if not found:
        return None
    return Made.decode(searcher.doc(found[0][1]).get_first("snapshot"))


class Reader:
    """The current generation, searched; refreshed on demand, safe across threads."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._view: View | None = None

    def view(self) -> View:
        """The view to answer from (opened on first use); ``Unavailable`` when there is none."""
        view = self._view
        if view is not None:
            return view
        return self.refresh()

    def refresh(self) -> View:
        """Reload the last commit (or move to the generation now current); the new view."""
        with self._lock:
            try:
                self._view = self._load()
            except Damaged as error:
                self._index, self._view = None, None
                raise Unavailable("damaged", str(error)) from error
            except Unavailable:
                self._index, self._view = None, None
                raise
            return self._view

    def _load(self) -> View:
        name = self.storage.current()
        if name is None:
            raise Unavailable("unavailable", "no index built")
        if self._view is None or self._view.generation != name:
            self._index = self.storage.open(name)
            self._index.config_reader(reload_policy="Manual")
        index = self._index
        assert index is not None  # opened with its view, kept while the generation stays
        for _ in range(5):
            meta = self.storage.verify(name)
            try:
                index.reload()
                searcher = index.searcher()
            except ValueError as error:  # a file gone under it: another commit, or damage
                if self.storage.meta(name) == meta:
                    self.storage.mark_damaged(name)
                    raise Damaged(f"{name}: {error}") from error
                continue
            if self.storage.meta(name) == meta:  # the searcher holds the commit just verified
                break
        else:
            raise Unavailable("stale", "the index kept changing while it was opened")
        compiler = Compiler(index.schema)
        made = made_of(searcher, compiler)
        if made is None:
            raise Unavailable("unavailable", "the index holds no snapshot")
        deltas = searcher.search(compiler.delta(), limit=1, count=True).count
        return View(name, searcher, made, compiler, deltas)
