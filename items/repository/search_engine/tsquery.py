"""PostgreSQL's own parse of a search, read back: the text of a ``tsquery`` as a small tree.

The engine never parses what a user typed: PostgreSQL does (``websearch_to_tsquery`` with the
catalog's configuration: its stop words, stems and accents), and this module reads the text of
the ``tsquery`` it returns, such as ``'casqu' & !'bose' | 'coton' <-> 'biolog'``, into
``Word``, ``Not``, ``And``, ``Or`` and ``Phrase`` nodes. Precedence is PostgreSQL's: ``!``
binds tightest, then the phrase operators (``<->``, ``<N>``), then ``&``, then ``|``.

A phrase is kept as its words and their offsets (``'30' <-> 'heur' <2> 'autonom'``: 0, 1, 3),
which is what PostgreSQL's phrase operator means for a chain of words. What websearch never
writes (a phrase over an alternative, a prefix ``:*``, a weight ``:A``) is ``Unsupported``: the
search then runs in SQL, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class Unsupported(ValueError):
    """A query the engine does not translate (the search falls back to SQL)."""


@dataclass(frozen=True, slots=True)
class Word:
    lexeme: str


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words at fixed offsets from the first: ``(0, 'coton'), (1, 'biolog')``."""

    words: tuple[tuple[int, str], ...]


Node = Word | Not | And | Or | Phrase

_TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|''|\\.)*)'(:[*A-Da-d]+)?|(<->|<\d+>|[&|!()]))")
# Inside quotes PostgreSQL doubles a quote and escapes a backslash.
_ESCAPED = re.compile(r"''|\\(.)")


def unescaped(quoted: str) -> str:
    """A lexeme as PostgreSQL wrote it between quotes, read back."""
    return _ESCAPED.sub(lambda m: m[1] if m[1] is not None else "'", quoted)


def _tokens(text: str) -> list[str | Word]:
    found: list[str | Word] = []
    position, end = 0, len(text.rstrip())
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None:
            raise Unsupported(f"cannot read tsquery {text!r} at {position}")
        lexeme, suffix, operator = match.groups()
        if suffix:
            raise Unsupported(f"prefix or weight in {text!r}")
        found.append(Word(unescaped(lexeme)) if operator is None else operator)
        position = match.end()
    return found


class _Reader:
    def __init__(self, tokens: list[str | Word]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | Word | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str | Word:
        token = self.peek()
        if token is None:
            raise Unsupported("tsquery ends too soon")
        self.at += 1
        return token

    def alternatives(self) -> Node:
        operands = [self.conjunction()]
        while self.peek() == "|":
            self.take()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def conjunction(self) -> Node:
        operands = [self.phrase()]
        while self.peek() == "&":
            self.take()
            operands.append(self.phrase())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def phrase(self) -> Node:
        first = self.unary()
        if not _is_distance(self.peek()):
            return first
        words = list(_phrase_words(first, 0))
        offset = words[-1][0]
        while _is_distance(self.peek()):
            operator = str(self.take())  # a distance: ``_is_distance`` looked
            distance = 1 if operator == "<->" else int(operator[1:-1])
            if distance < 1:
                raise Unsupported("a phrase distance of 0")
            following = list(_phrase_words(self.unary(), offset + distance))
            words += following
            offset = following[-1][0]
        return Phrase(tuple(words))

    def unary(self) -> Node:
        token = self.take()
        if token == "!":
            return Not(self.unary())
        if token == "(":
            inside = self.alternatives()
            if self.take() != ")":
                raise Unsupported("unbalanced parentheses")
            return inside
        if isinstance(token, Word):
            return token
        raise Unsupported(f"unexpected {token!r}")


def _is_distance(token: str | Word | None) -> bool:
    return isinstance(token, str) and token.startswith("<")


def _phrase_words(node: Node, offset: int) -> tuple[tuple[int, str], ...]:
    """The words of a phrase operand placed from ``offset`` (a word, or a phrase itself)."""
    if isinstance(node, Word):
        return ((offset, node.lexeme),)
    if isinstance(node, Phrase):
        return tuple((offset + at, lexeme) for at, lexeme in node.words)
    raise Unsupported("a phrase over something else than words")


def parse(text: str) -> Node | None:
    """The tree of a ``tsquery``'s text; None for the empty query (stop words only), which
    matches nothing."""
    tokens = _tokens(text)
    if not tokens:
        return None
    reader = _Reader(tokens)
    tree = reader.alternatives()
    if reader.peek() is not None:
        raise Unsupported(f"cannot read tsquery {text!r}")
    return tree


def positive_words(node: Node | None) -> set[str]:
    """The lexemes a match may hold (every word not under a ``!``): what ranks it."""
    if node is None or isinstance(node, Not):
        return set()
    if isinstance(node, Word):
        return {node.lexeme}
    if isinstance(node, Phrase):
        return {lexeme for _, lexeme in node.words}
    return set().union(*(positive_words(operand) for operand in node.operands))
