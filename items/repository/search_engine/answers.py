"""What the PostgreSQL backend asks the engine: a search's window, its count, its facets.

Each answer is the engine's, or None: then the caller runs today's SQL, and the reason is
counted (``metrics``): the engine is off (not counted), has no sound index, is not fresh for
this read after ``SEARCH_WAIT_MS``, cannot translate the query or the filter, or the database
does not confirm the page. An unexpected error is logged and counted, never raised: the
engine only ever makes a search faster.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings

from items.conditions import Clause, clauses
from items.records import Facets, ItemFilter, ItemRecord
from items.repository.search_engine import facets as engine_facets
from items.repository.search_engine import metrics, ranking, searching, tsquery
from items.repository.search_engine.reader import Reader, Unavailable, View
from items.repository.search_engine.searching import Fallback
from items.repository.search_engine.storage import Storage
from items.repository.search_engine.tsquery import Unsupported

log = logging.getLogger("catalog.search")
T = TypeVar("T")


def enabled() -> bool:
    return settings.SEARCH_ENGINE == "tantivy"


@cache
def reader_of(root: str) -> Reader:
    """This process's reader of the index directory ``root``."""
    return Reader(Storage(Path(root)))


def warm_reader() -> None:
    """Open this process's view of the index now, if there is one to open."""
    with contextlib.suppress(Unavailable):
        reader_of(str(settings.SEARCH_INDEX_DIR)).view()


def _answered(kind: str, answer: Callable[[], T]) -> T | None:
    if not enabled():
        return None
    try:
        found = answer()
    except Fallback as refused:
        metrics.fell_back(kind, refused.reason)
        return None
    except Unsupported as refused:
        metrics.fell_back(kind, "filter")
        log.info("search engine: %s", refused)
        return None
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # a panic inside Tantivy is a BaseException (pyo3's PanicException)
        log.exception("search engine failed; answering from SQL")
        metrics.fell_back(kind, "error")
        return None
    metrics.answered(kind)
    return found


def _prepared(
    text: str, filter: ItemFilter
) -> tuple[str, View, tuple[Clause, ...], Any, tsquery.Node | None]:
    reader = reader_of(str(settings.SEARCH_INDEX_DIR))
    alias = searching.read_alias()
    tree, view = searching.fresh_view(reader, alias, text)
    found = clauses(filter)
    query = None if tree is None else view.compiler.search(tree, found)
    return alias, view, found, query, tree


def window(
    text: str, *, filter: ItemFilter, limit: int, offset: int
) -> tuple[list[ItemRecord], int] | None:
    """The records of one window of the search for ``text`` (as given: corrected already),
    rank order, and how many items match in all; None when the engine does not answer."""

    def answer() -> tuple[list[ItemRecord], int]:
        alias, view, found, query, tree = _prepared(text, filter)
        if query is None:  # stop words only: nothing matches, as in PostgreSQL
            return [], 0
        ranked = bool(tsquery.positive_words(tree))
        ids, total = ranking.window(view, query, limit, offset, ranked=ranked)
        return searching.confirmed(alias, ids, found), total

    return _answered("page", answer)


def count(text: str, *, filter: ItemFilter) -> int | None:
    """How many items the search for ``text`` finds under ``filter``; None: ask SQL."""

    def answer() -> int:
        _, view, _, query, _ = _prepared(text, filter)
        return 0 if query is None else view.searcher.search(query, limit=1, count=True).count

    return _answered("count", answer)


def facets(names: Sequence[str], *, filter: ItemFilter, text: str) -> Facets | None:
    """The facets in ``names`` over what the search for ``text`` finds; None: ask SQL."""

    def answer() -> Facets:
        _, view, _, _, tree = _prepared(text, filter)
        match = view.compiler.text(tree) if tree is not None else view.compiler.nothing()
        return engine_facets.facet_counts(view.searcher, view.compiler, match, names, filter)

    return _answered("facets", answer)
