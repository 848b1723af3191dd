"""Search-as-you-type on PostgreSQL: names and words that start with a prefix, accents and
case aside.

The prefix is folded by the same immutable function as the index ``item_name_prefix_idx``
(``catalog_unaccent(lower(name))`` in the "C" collation, which serves ``LIKE 'prefix%'``), and
distinct names are read by a loose index scan: each step jumps to the next folded name after
the last one found, so ten suggestions cost ten index probes however many items share a name,
even for a one-letter prefix. Only names the viewer may see are suggested. Words come from the
search vocabulary, by its unaccented spelling (index ``search_vocabulary_plain_prefix``).
"""

from __future__ import annotations

from django.db import connection

from items.conditions import visibility
from items.models import Item
from items.records import Suggestion, Viewer
from items.repository.postgres.queries import sql_of
from items.repository.suggestions import merged

TABLE = Item._meta.db_table
VOCABULARY = "public.items_search_vocabulary"  # the search's (migration 0006), read only here
FOLDED = 'public.catalog_unaccent(pg_catalog.lower({column})) COLLATE "C"'


def folded_prefix(prefix: str) -> str:
    """``prefix`` folded as the index folds names (one round trip: the same function)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.catalog_unaccent(pg_catalog.lower(%s))", [prefix])
        return cursor.fetchone()[0]


def like_pattern(folded: str) -> str:
    """A ``LIKE`` pattern for values starting with ``folded`` (its wildcards escaped)."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _step(alias: str, visible: str, after: str) -> str:
    folded = FOLDED.format(column=f"{alias}.name")
    return (
        f"SELECT {folded} AS folded, {alias}.name FROM {TABLE} AS {alias} "
        f"WHERE {folded} LIKE %s {after} AND {visible} "
        f"ORDER BY {folded}, {alias}.name LIMIT 1"
    )


def names_starting_with(folded: str, *, viewer: Viewer, limit: int) -> list[str]:
    """Up to ``limit`` distinct item names (by folded spelling) starting with ``folded``."""
    pattern = like_pattern(folded)
    if pattern == "%" or limit <= 0:
        return []
    first_visible, first_params = sql_of(visibility(viewer), alias="first_item")
    next_visible, next_params = sql_of(visibility(viewer), alias="next_item")
    first = _step("first_item", first_visible, "")
    step = _step(
        "next_item",
        next_visible,
        "AND " + FOLDED.format(column="next_item.name") + " > found.folded",
    )
    sql = (
        f"WITH RECURSIVE found(folded, name, rank) AS ("
        f"  (SELECT folded, name, 1 FROM ({first}) AS first_name)"
        f"  UNION ALL"
        f"  SELECT following.folded, following.name, found.rank + 1"
        f"  FROM found, LATERAL ({step}) AS following WHERE found.rank < %s"
        f") SELECT name FROM found ORDER BY rank"
    )
    params = [pattern, *first_params, pattern, *next_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def words_starting_with(folded: str, *, limit: int) -> list[str]:
    """Up to ``limit`` words of the search vocabulary whose unaccented spelling starts with
    ``folded``, most frequent first: a range of the prefix index, then the top ``limit``.
    Only active items lend words, so none reveals a hidden item."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT word FROM {VOCABULARY} WHERE plain COLLATE "C" LIKE %s '
            "ORDER BY items DESC, word LIMIT %s",
            [like_pattern(folded), limit],
        )
        return [row[0] for row in cursor.fetchall()]


def suggestions(prefix: str, *, viewer: Viewer, limit: int) -> list[Suggestion]:
    """Vocabulary words and item names starting with ``prefix``, merged."""
    folded = folded_prefix(prefix)
    if not folded.strip() or limit <= 0:
        return []
    names = names_starting_with(folded, viewer=viewer, limit=limit)
    words = words_starting_with(folded, limit=limit)
    return merged(words=words, names=names, limit=limit)
