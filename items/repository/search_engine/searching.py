"""A search answered by the engine, or by nobody here: fresh, translated, confirmed by PostgreSQL.

For each search, on the connection its rows will be read from (a replica's, with replicas):

1. one statement asks PostgreSQL for its parse of the text (``websearch_to_tsquery`` with the
   catalog's configuration) and whether the index is fresh for this read (``changes``); if it
   is not, the view is refreshed until it is, for at most ``SEARCH_WAIT_MS``;
2. the parse and the filter's clauses are compiled and searched: the window in rank order,
   ties by (created_at, id), and the exact number of matches (``ranking``);
3. the window's rows are read from PostgreSQL with the filter's clauses (visibility included)
   applied again, so a hidden item can never leak even if the index were wrong; a row the
   database does not confirm gives the search back to SQL.

Whatever stops the engine raises ``Fallback`` with its reason; the caller runs SQL and the
fallback is counted (``metrics``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import connections, router

from items.conditions import Clause, as_q
from items.models import Item
from items.records import RECORD_FIELDS, ItemRecord
from items.repository.search_engine import tsquery
from items.repository.search_engine.changes import FRESH_SQL, SCHEMA, Made
from items.repository.search_engine.reader import Reader, Unavailable, View


class Fallback(RuntimeError):
    """The engine does not answer this one; ``reason`` says why (see ``metrics``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


_PARSED_AND_FRESH = f"SELECT {SCHEMA}.parsed(%(q)s), {FRESH_SQL}"
_FRESH = f"SELECT {FRESH_SQL}"
_POLL_SECONDS = 0.005


def read_alias() -> str:
    """The database this read's rows come from (the router's choice: a replica, maybe)."""
    return router.db_for_read(Item)


def _ask(alias: str, sql: str, made: Made, **params: str) -> tuple:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, {**made.params(), **params})
        return cursor.fetchone()


def fresh_view(reader: Reader, alias: str, text: str) -> tuple[tsquery.Node | None, View]:
    """PostgreSQL's parse of ``text``, and a view holding every change this read can see."""
    try:
        view = reader.view()
        parsed, fresh = _ask(alias, _PARSED_AND_FRESH, view.made, q=text)
        deadline = time.monotonic() + settings.SEARCH_WAIT_MS / 1000
        while not fresh:
            if time.monotonic() >= deadline:
                raise Fallback("stale")
            time.sleep(_POLL_SECONDS)
            newer = reader.refresh()
            if newer.made != view.made:
                view = newer
                (fresh,) = _ask(alias, _FRESH, view.made)
    except Unavailable as error:
        raise Fallback(error.reason, str(error)) from error
    try:
        return tsquery.parse(parsed), view
    except tsquery.Unsupported as error:
        raise Fallback("query", str(error)) from error


def confirmed(alias: str, ids: list[uuid.UUID], found: Iterable[Clause]) -> list[ItemRecord]:
    """The rows of ``ids``, in that order, read with the clauses applied; ``Fallback`` when the
    database does not confirm every one (the index and the rows disagree)."""
    if not ids:
        return []
    rows = Item.objects.using(alias).filter(as_q(found), pk__in=ids).values(*RECORD_FIELDS)
    by_id = {row["id"]: row for row in rows}
    if len(by_id) != len(ids):
        raise Fallback("disagreement", f"{len(ids) - len(by_id)} of {len(ids)} rows")
    return [ItemRecord(**{**by_id[i], "tags": tuple(by_id[i]["tags"] or ())}) for i in ids]
