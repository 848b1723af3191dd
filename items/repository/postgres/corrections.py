"""Typo correction on PostgreSQL: each unknown word of a query replaced by the closest known word.

A query word is *known* when its lexeme is in the search vocabulary (``items_search_vocabulary``,
the words of the active catalog, kept by the database: migration ``0007_search_vocabulary``).
An unknown word is replaced, where it stands in the query, by the vocabulary word closest in
spelling: at most one edit for words of up to four letters, two for longer ones (Levenshtein,
accents ignored), found through the vocabulary's trigram index; ties go to the more similar,
then the more common word. Only the words change: quotes, ``-`` and ``or`` stay where they
were, so phrases, exclusions, alternatives and every filter mean what they meant.

Left as they are: words of fewer than three letters, words with digits (``s23``, ``16``: model
numbers and quantities are not misspellings), stop words, and words with no close match.
Viewers who may see hidden items (staff, owners) also keep a word that one of those items holds.
The vocabulary holds only active items' words, so a correction never reveals a hidden item.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import QuerySet

CONFIG = "public.catalog_fr"
# A word of a query, as corrections and the one-word shortcut (``search.names_first``) see it.
WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MIN_LENGTH = 3

_CLOSEST_SQL = """
SELECT asked.word, (
    SELECT known.word FROM public.items_search_vocabulary AS known
    WHERE known.plain OPERATOR(public.%%) asked.plain
      AND public.levenshtein(known.plain, asked.plain) <= asked.edits
    ORDER BY public.levenshtein(known.plain, asked.plain),
             public.similarity(known.plain, asked.plain) DESC, known.items DESC, known.word
    LIMIT 1
)
FROM (
    SELECT word, public.catalog_unaccent(pg_catalog.lower(word)) AS plain,
           CASE WHEN pg_catalog.char_length(word) <= 4 THEN 1 ELSE 2 END AS edits,
           public.catalog_stem(word) AS stem
    FROM pg_catalog.unnest(%s::text[]) AS word
) AS asked
WHERE asked.stem IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM public.items_search_vocabulary AS same WHERE same.stem = asked.stem
  )
"""


def _may_be_misspelt(word: str) -> bool:
    return len(word) >= _MIN_LENGTH and not any(ch.isdigit() for ch in word)


def _closest(words: list[str]) -> dict[str, str]:
    """For each unknown word, the closest known one (words without one are left out)."""
    with connection.cursor() as cursor:
        cursor.execute(_CLOSEST_SQL, [words])
        return {word: closest for word, closest in cursor.fetchall() if closest is not None}


def _held_by_any(items: QuerySet, word: str) -> bool:
    return items.filter(search_document=SearchQuery(word, config=CONFIG)).exists()


def corrected(text: str, *, hidden_visible: QuerySet | None = None) -> str | None:
    """``text`` with its unknown words replaced by the closest known ones; None if unchanged.

    ``hidden_visible``: the items the viewer may see, when that includes hidden ones; a word
    one of them holds is kept.
    """
    words = sorted({m[0] for m in WORD.finditer(text) if _may_be_misspelt(m[0])})
    if not words:
        return None
    fixes = _closest(words)
    if hidden_visible is not None:
        fixes = {w: fix for w, fix in fixes.items() if not _held_by_any(hidden_visible, w)}
    if not fixes:
        return None
    return WORD.sub(lambda m: fixes.get(m[0], m[0]), text)
