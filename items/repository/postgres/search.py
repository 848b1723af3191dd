"""Search on PostgreSQL: ranked French full-text search, with trigrams to forgive typos.

The stored ``search_document`` (name A, description B, tags C, French stemming, accents
ignored) answers web-search syntax: words, "exact phrase", -exclude, or. When it finds fewer
than ``FUZZY_BELOW`` items, items whose name or tags hold a word close in spelling to every
wanted word (``pg_trgm`` word similarity on ``search_words``) join the results after the
full-text matches.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import uuid

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat

from items.models import Item
from items.repository.highlights import MARK_START, MARK_STOP, marked_html

CONFIG = "public.catalog_fr"
FUZZY_BELOW = 3
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _fuzzy_text(text: str) -> str:
    """The query's wanted words, lower-cased and unaccented (no quotes, -exclusions or 'or').

    Words under four letters are left out: their trigrams say too little to forgive a typo.
    """
    wanted = [w for w in text.split() if not w.startswith("-") and w.lower() != "or"]
    plain = unicodedata.normalize("NFKD", " ".join(wanted).lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(word for word in _WORD.findall(plain) if len(word) >= 4)


@functools.lru_cache(maxsize=1024)  # depends on the words only: a search's page and count share it
def _without_stop_words(words: str) -> str:
    """Drop the words French full-text search ignores ("le", "de", ...): no typo to forgive."""
    if not words:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM unnest(string_to_array(%s, ' ')) AS word "
            "WHERE pg_catalog.to_tsvector(%s::regconfig, word) <> ''",
            [words, CONFIG],
        )
        return " ".join(row[0] for row in cursor.fetchall())


def matching(items: QuerySet, text: str) -> QuerySet:
    """``items`` that match ``text``, best first, with ``id`` as the tie-break."""
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    full_text = Q(search_document=query)
    fuzzy = ""
    if items.filter(full_text)[:FUZZY_BELOW].count() < FUZZY_BELOW:
        fuzzy = _without_stop_words(_fuzzy_text(text))
    use_fuzzy = bool(fuzzy)
    if not use_fuzzy:
        return (
            items.filter(full_text)
            .annotate(rank=SearchRank(F("search_document"), query))
            .order_by("-rank", "id")
        )
    # Every wanted word must be close to a word of the item, as every word must match in
    # full-text search; one trigram condition per word also lets the index narrow far more.
    words = fuzzy.split()
    close_to_all = Q()
    for word in words:
        close_to_all &= Q(search_words__trigram_word_similar=word)
    closeness = sum(
        (TrigramWordSimilarity(Value(word), "search_words") for word in words[1:]),
        TrigramWordSimilarity(Value(words[0]), "search_words"),
    )
    return (
        items.filter(full_text | close_to_all)
        .annotate(
            exact=ExpressionWrapper(full_text, output_field=BooleanField()),
            rank=SearchRank(F("search_document"), query),
            closeness=closeness,
        )
        .order_by("-exact", "-rank", "-closeness", "id")
    )


def highlights(text: str, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """For each item, a snippet of its name and description with the matched words in <mark>.

    The snippet is HTML-escaped and well-formed, so it is safe to insert as HTML.
    """
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    # The item's own text loses the marker characters, so only the headline's marks remain.
    document = Func(
        Concat("name", Value(" — "), "description"),
        Value(MARK_START + MARK_STOP),
        Value(""),
        function="translate",
        output_field=TextField(),
    )
    snippets = Item.objects.filter(pk__in=item_ids).annotate(
        snippet=SearchHeadline(
            document,
            query,
            config=CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
    )
    return {
        item_id: marked_html(snippet) for item_id, snippet in snippets.values_list("id", "snippet")
    }
