"""One compiler from the catalog's meanings to Tantivy queries: the search's tree, and clauses.

**Text.** Each word of PostgreSQL's parse (``tsquery``) must be in the item's document: it is
looked for in the name, the description and the tags, each scored by BM25 and boosted so that
the name counts most (``BOOSTS``), a word in the name adding a bonus above any BM25 score
(``IN_NAME``): this both matches and ranks. A phrase must stand at its
offsets in the whole document (``all``, positions as PostgreSQL gave them; two adjacent words
are one ``pairs`` term), and its words rank as words do. ``!`` excludes, ``&`` requires, ``|``
offers alternatives; a query of exclusions only stands on every item (``kind`` = item).

**Clauses.** Visibility and the list filters come from ``items.conditions`` (a clause holds
when one of its terms does; every clause must hold) and are compiled here, term by term, into
queries that never change the score, at the text's own level (``restricted``). A term this
compiler does not know is ``Unsupported``: the search runs in SQL rather than guess.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import tantivy
from tantivy import FieldType, Occur, Query

from items.conditions import Clause, Term
from items.repository.search_engine.documents import ITEM, pair
from items.repository.search_engine.tsquery import And, Node, Not, Or, Phrase, Unsupported, Word

# How much a word counts in each part of an item: the name first, then the description, then
# the tags, as PostgreSQL's ranking weighs them (A, B, C).
BOOSTS = {"name": 4.0, "description": 1.0, "tags_text": 0.5}
# What a word found in the name adds besides: more than BM25 can give one word in every part
# (idf x (k1 + 1) x the boosts: under 210 up to 10,000,000 items), so an item holding the word
# of a one-word query in its name always outranks one holding it elsewhere only (as in
# PostgreSQL), and items holding more of a query's words in their name come first.
IN_NAME = 1000.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _all(queries: Iterable[Query], occur: Occur = Occur.Must) -> Query:
    return Query.boolean_query([(occur, query) for query in queries])


def _silent(query: Query) -> Query:
    """``query``'s matches, adding nothing to the score."""
    return Query.const_score_query(query, 0.0)


class Compiler:
    """Queries over one index's ``schema``."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self.schema = schema

    def kind(self, kind: str) -> Query:
        return Query.term_query(self.schema, "kind", kind)

    def delta(self) -> Query:
        """The documents written since the build (changed or new items), adding no score."""
        return _silent(Query.term_query(self.schema, "delta", True))

    def nothing(self) -> Query:
        return Query.empty_query()

    def items(self) -> Query:
        """Every item (not the index's snapshot document)."""
        return self.kind(ITEM)

    def _scored(self, lexeme: str) -> list[Query]:
        """What ``lexeme`` adds to an item's score, part by part (each also matches it)."""
        parts = [
            Query.boost_query(Query.term_query(self.schema, part, lexeme), boost)
            for part, boost in BOOSTS.items()
        ]
        in_name = Query.const_score_query(Query.term_query(self.schema, "name", lexeme), IN_NAME)
        return [in_name, *parts]

    def word(self, lexeme: str) -> Query:
        """An item holding ``lexeme`` anywhere, scored part by part."""
        return _all(self._scored(lexeme), Occur.Should)

    def phrase(self, node: Phrase) -> Query:
        """The items holding ``node``'s words at its offsets (not scored). Each two words one
        position apart are one ``pairs`` term: a phrase of two words is that term alone, and a
        longer one is compared position by position only in the items holding all its pairs."""
        words = node.words
        pairs = [
            Query.term_query(self.schema, "pairs", pair(first, second))
            for (at, first), (next_at, second) in itertools.pairwise(words)
            if next_at == at + 1
        ]
        if len(words) == 2 and len(pairs) == 1:
            return pairs[0]
        placed = Query.phrase_query(self.schema, "all", list(words))
        return _all([*pairs, placed])

    def text(self, node: Node) -> Query:
        """The items ``node`` matches, ranked by the words they hold."""
        if isinstance(node, Word):
            return self.word(node.lexeme)
        if isinstance(node, Phrase):  # its words' parts all at one level: a third cheaper
            ranked = [q for w in sorted({w for _, w in node.words}) for q in self._scored(w)]
            return Query.boolean_query(
                [(Occur.Must, _silent(self.phrase(node)))] + [(Occur.Should, q) for q in ranked]
            )
        if isinstance(node, Not):
            return self._but([], [node.operand])
        if isinstance(node, And):
            kept = [op for op in node.operands if not isinstance(op, Not)]
            left_out = [op.operand for op in node.operands if isinstance(op, Not)]
            return self._but(kept, left_out)
        if isinstance(node, Or):
            return _all((self.text(op) for op in node.operands), Occur.Should)
        raise Unsupported(f"unknown node {node!r}")

    def _but(self, kept: Sequence[Node], left_out: Sequence[Node]) -> Query:
        """Items every ``kept`` node matches (every item, when none) and no ``left_out`` one."""
        wanted = [(Occur.Must, self.text(n)) for n in kept] or [(Occur.Must, self.items())]
        return Query.boolean_query(wanted + [(Occur.MustNot, self.text(n)) for n in left_out])

    def restricted(self, query: Query, found: Iterable[Clause]) -> Query:
        """``query``'s matches that every clause admits, scored by ``query`` alone, the clauses
        at its own level (a nested query costs a level of scorers). "Active" is compiled as
        "not inactive": a required field, and the inactive items are the few to skip."""
        parts = []
        for clause in found:
            if clause.terms == (Term("is_active", "eq", True),):
                inactive = Query.term_query(self.schema, "is_active", False)
                parts.append((Occur.MustNot, inactive))
            else:
                parts.append((Occur.Must, _silent(self._clause(clause))))
        return Query.boolean_query([(Occur.Must, query), *parts]) if parts else query

    def _clause(self, clause: Clause) -> Query:
        terms = [self.term(term) for term in clause.terms]
        return terms[0] if len(terms) == 1 else _all(terms, Occur.Should)

    def term(self, term: Term) -> Query:
        """One term of a clause (``items.conditions.Term``)."""
        field, op, value = term.field, term.op, term.value
        if field in ("category", "is_active", "created_by_id") and op == "eq" and value is not None:
            return Query.term_query(self.schema, field, value)
        if field == "tags" and op in ("overlaps", "contains"):
            tags = [Query.term_query(self.schema, "tags", tag) for tag in value]
            if not tags:  # overlapping no tag admits nothing; containing none, everything
                return Query.empty_query() if op == "overlaps" else self.items()
            return _all(tags, Occur.Should if op == "overlaps" else Occur.Must)
        if field == "price" and op in ("gte", "lte", "lt"):
            return self._range("price", op, cents(value, op))
        if field == "created_at" and op in ("gte", "lt"):
            return self._range("created_at", op, microseconds(value))
        raise Unsupported(f"no compiled form for {term!r}")

    def _range(self, field: str, op: str, bound: int) -> Query:
        if op == "gte":
            return Query.range_query(self.schema, field, FieldType.Integer, lower_bound=bound)
        return Query.range_query(
            self.schema, field, FieldType.Integer, upper_bound=bound, include_upper=op == "lte"
        )

    def search(self, tree: Node, found: Iterable[Clause]) -> Query:
        """The items ``tree`` matches that every clause admits, ranked by the text alone."""
        return self.restricted(self.text(tree), found)


def cents(value: Decimal, op: str) -> int:
    """A price bound in whole cents, rounded so that the comparison keeps its meaning: at
    least 10.005 is at least 1001 cents, at most 10.005 at most 1000, under 10.005 under 1001."""
    rounding = ROUND_FLOOR if op == "lte" else ROUND_CEILING
    return int((Decimal(value) * 100).to_integral_value(rounding=rounding))


def microseconds(moment: datetime) -> int:
    """A moment as microseconds since 1970 (PostgreSQL's precision), as the index holds it."""
    if moment.tzinfo is None:
        raise Unsupported("a naive datetime")
    return (moment - _EPOCH) // timedelta(microseconds=1)
