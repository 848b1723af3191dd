"""The index's schema, and an item's row made into its document.

Words are PostgreSQL's own: the item's stored ``search_document`` (its French tsvector, name
weighted A, description B, tags C) is read as text and its lexemes are indexed pre-tokenised,
at the positions PostgreSQL gave them. ``all`` holds every lexeme at its position in the whole
document, so a word or a phrase matches exactly where ``@@`` would (a phrase may even run from
the name into the description, as in PostgreSQL); ``name``, ``description`` and ``tags_text``
hold each part's lexemes again, counted but without positions, for BM25 to weigh each part on
its own; ``pairs`` holds each two lexemes at consecutive positions as one token, so that a
phrase of two words (the most common) is one term to look up rather than two position lists
to compare. The filters' fields (category, activity, price in cents, creation time in
microseconds, owner, tags) are indexed, and fast where facets count them or ties are broken.

The id is indexed whole (to replace or delete a document) and kept as two 64-bit fast values,
read for a page's hits without touching stored documents. A build writes every item in
(created_at, id) order into one segment; documents written after it (changed or new items)
are marked ``delta``. One more document, of kind
``snapshot``, holds the PostgreSQL snapshot the index was made from (``snapshots``): it is
replaced in every commit, so a searcher always knows exactly what it holds.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence

import tantivy

from items.repository.search_engine.tsquery import unescaped

# Bump when the fields or the way rows become documents change: an index of another version is
# rebuilt, never read.
VERSION = 3
ITEM, SNAPSHOT = "item", "snapshot"
PARTS = {"A": "name", "B": "description", "C": "tags_text"}
# The row an index document is made of, in this order (``document``).
COLUMNS = (
    "id, category, (price * 100)::bigint, is_active, "
    "(EXTRACT(epoch FROM created_at) * 1000000)::bigint, created_by_id, tags, "
    "search_document::text"
)
_MASK = (1 << 64) - 1
_LEXEME = re.compile(r"'((?:[^'\\]|''|\\.)*)':([0-9A-D,]+)")
# The text fields' analyzer: lexemes separated by spaces, and the filler of a position no
# lexeme holds (a stop word's, in PostgreSQL) dropped without closing the gap. PostgreSQL's
# text holds no NUL, so neither a lexeme nor a pair's join can be mistaken for it.
LEXEMES = "lexemes"
FILLER = "\x00"
_JOIN = "\x00"


def register(index: tantivy.Index) -> tantivy.Index:
    """Teach ``index`` the ``LEXEMES`` analyzer (needed by whoever writes it)."""
    analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).filter(
        tantivy.Filter.custom_stopword([FILLER])
    )
    index.register_tokenizer(LEXEMES, analyzer.build())
    return index


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("id", tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("id_high", fast=True)
    builder.add_unsigned_field("id_low", fast=True)
    builder.add_text_field("category", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_integer_field("price", indexed=True, fast=True)
    builder.add_boolean_field("is_active", indexed=True)
    builder.add_integer_field("created_at", indexed=True, fast=True)
    builder.add_integer_field("created_by_id", indexed=True)
    builder.add_text_field("tags", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_text_field("all", tokenizer_name=LEXEMES, index_option="position")
    builder.add_text_field("pairs", tokenizer_name=LEXEMES, index_option="basic")
    for part in PARTS.values():
        builder.add_text_field(part, tokenizer_name=LEXEMES, index_option="freq")
    builder.add_boolean_field("delta", indexed=True)
    builder.add_text_field("snapshot", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def _places(places: str, lexeme: str, found: dict[str, list[tuple[int, str]]]) -> None:
    for place in places.split(","):
        if place[-1].isdigit():
            found["D"].append((int(place), lexeme))
        else:
            found[place[-1]].append((int(place[:-1]), lexeme))


def lexemes(tsvector: str) -> dict[str, list[tuple[int, str]]]:
    """A tsvector's text as each weight's (position, lexeme) pairs, in position order."""
    found: dict[str, list[tuple[int, str]]] = {"A": [], "B": [], "C": [], "D": []}
    entries = tsvector.split(" ") if tsvector else []
    # Entries are 'lexeme':1A,5B and a lexeme holds no space; else read it the long way.
    if all(e[:1] == "'" and "':" in e for e in entries):
        for entry in entries:
            quoted, _, places = entry.rpartition(":")
            lexeme = quoted[1:-1]
            _places(places, unescaped(lexeme) if "'" in lexeme or "\\" in lexeme else lexeme, found)
    else:
        for match in _LEXEME.finditer(tsvector):
            _places(match[2], unescaped(match[1]), found)
    for pairs in found.values():
        pairs.sort()
    return found


def pair(first: str, second: str) -> str:
    """The token of two lexemes at consecutive positions."""
    return f"{first}{_JOIN}{second}"


def _texts(placed: list[tuple[int, str]]) -> tuple[str, str] | None:
    """The ``all`` text (lexemes in position order, a ``FILLER`` in each gap) and the ``pairs``
    text; None when two lexemes share a position (then given pre-tokenised)."""
    words, pairs, last = [], [], None
    for position, lexeme in placed:
        if position == last:
            return None
        if last is not None:
            if position == last + 1:
                pairs.append(pair(words[-1], lexeme))
            else:
                words.extend([FILLER] * (position - last - 1))
        words.append(lexeme)
        last = position
    return " ".join(words), " ".join(pairs)


def _tokens(pairs: Iterable[tuple[int, str]]) -> tantivy.PreTokenizedString:
    tokens = [tantivy.Token(lexeme, position, 0, 0) for position, lexeme in pairs]
    return tantivy.PreTokenizedString("", tokens)


def _pretokenised(doc: tantivy.Document, placed: list[tuple[int, str]]) -> None:
    at: dict[int, list[str]] = {}
    for position, lexeme in placed:
        at.setdefault(position, []).append(lexeme)
    pairs = [
        (position, pair(first, second))
        for position, firsts in at.items()
        for first in firsts
        for second in at.get(position + 1, ())
    ]
    doc.add_pre_tokenized_text("all", _tokens(placed))
    doc.add_pre_tokenized_text("pairs", _tokens(pairs))


def document(row: Sequence, *, delta: bool = False) -> tantivy.Document:
    """The index document of one row of ``COLUMNS``; ``delta`` for one written after the
    build (a changed or new item), outside the build's ordered segment."""
    item_id, category, cents, is_active, created_us, owner, tags, tsvector = row
    number = item_id.int
    doc = tantivy.Document()
    doc.add_text("kind", ITEM)
    if delta:
        doc.add_boolean("delta", True)
    doc.add_text("id", str(item_id))
    doc.add_unsigned("id_high", number >> 64)
    doc.add_unsigned("id_low", number & _MASK)
    doc.add_text("category", category)
    doc.add_integer("price", cents)
    doc.add_boolean("is_active", is_active)
    doc.add_integer("created_at", created_us)
    if owner is not None:
        doc.add_integer("created_by_id", owner)
    for tag in tags or ():
        doc.add_text("tags", tag)
    parts = lexemes(tsvector)
    placed = sorted(p for pairs in parts.values() for p in pairs)
    # White space other than the entries' separators would split a lexeme in a text.
    texts = _texts(placed) if len(tsvector.split()) == tsvector.count(" ") + 1 else None
    if texts is None:
        _pretokenised(doc, placed)
        for weight, field in PARTS.items():
            doc.add_pre_tokenized_text(field, _tokens(parts[weight]))
        return doc
    doc.add_text("all", texts[0])
    doc.add_text("pairs", texts[1])
    for weight, field in PARTS.items():
        doc.add_text(field, " ".join(lexeme for _, lexeme in parts[weight]))
    return doc


def snapshot_document(text: str) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("kind", SNAPSHOT)
    doc.add_text("snapshot", text)
    return doc


def item_id(high: int, low: int) -> uuid.UUID:
    """The id of a hit, from its two fast values."""
    return uuid.UUID(int=(high << 64) | low)
