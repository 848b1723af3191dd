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
read for a page's hits without touching stored documents. One more document, of kind
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
VERSION = 1
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
    builder.add_text_field("all", tokenizer_name="raw", index_option="position")
    builder.add_text_field("pairs", tokenizer_name="raw", index_option="basic")
    for part in PARTS.values():
        builder.add_text_field(part, tokenizer_name="raw", index_option="freq")
    builder.add_text_field("snapshot", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def lexemes(tsvector: str) -> dict[str, list[tuple[int, str]]]:
    """A tsvector's text as each weight's (position, lexeme) pairs, in position order."""
    found: dict[str, list[tuple[int, str]]] = {"A": [], "B": [], "C": [], "D": []}
    for match in _LEXEME.finditer(tsvector):
        lexeme = unescaped(match[1])
        for place in match[2].split(","):
            weight = place[-1] if place[-1].isalpha() else "D"
            found[weight].append((int(place.rstrip("ABCD")), lexeme))
    for pairs in found.values():
        pairs.sort()
    return found


def pair(first: str, second: str) -> str:
    """The token of two lexemes at consecutive positions (a lexeme holds no space)."""
    return f"{first} {second}"


def _pairs(placed: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Each two lexemes at consecutive positions, as one token at the first one's position."""
    at: dict[int, list[str]] = {}
    for position, lexeme in placed:
        at.setdefault(position, []).append(lexeme)
    return [
        (position, pair(first, second))
        for position, firsts in at.items()
        for first in firsts
        for second in at.get(position + 1, ())
    ]


def _tokens(pairs: Iterable[tuple[int, str]]) -> tantivy.PreTokenizedString:
    tokens = [tantivy.Token(lexeme, position, 0, 0) for position, lexeme in pairs]
    return tantivy.PreTokenizedString("", tokens)


def document(row: Sequence) -> tantivy.Document:
    """The index document of one row of ``COLUMNS``."""
    item_id, category, cents, is_active, created_us, owner, tags, tsvector = row
    number = item_id.int
    doc = tantivy.Document()
    doc.add_text("kind", ITEM)
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
    doc.add_pre_tokenized_text("all", _tokens(placed))
    doc.add_pre_tokenized_text("pairs", _tokens(_pairs(placed)))
    for weight, field in PARTS.items():
        if parts[weight]:
            doc.add_pre_tokenized_text(field, _tokens(parts[weight]))
    return doc


def snapshot_document(text: str) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("kind", SNAPSHOT)
    doc.add_text("snapshot", text)
    return doc


def item_id(high: int, low: int) -> uuid.UUID:
    """The id of a hit, from its two fast values."""
    return uuid.UUID(int=(high << 64) | low)
