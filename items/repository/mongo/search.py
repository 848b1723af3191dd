"""Search on MongoDB: the ``$text`` query, and highlights made here, as MongoDB makes none.

``$text`` uses the collection's weighted French text index: case and accents are ignored and
words are stemmed; bare words match items having any of them, ``"phrases"`` must all appear and
``-words`` exclude. Highlights mark, in the item's name and description, every word that is a
searched word, or shares its start with one (a rough stand-in for the stemmer: "livre" marks
"livres"), ignoring case and accents.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from items.repository.highlights import MARK_START, MARK_STOP, marked_html, without_markers
from items.repository.mongo.schema import TEXT_LANGUAGE

_WORD = re.compile(r"[^\W_]+")
_SHARED_START = 4  # letters two words must share to count as one stem


def text_query(query: str) -> dict[str, Any]:
    """The ``$text`` condition for ``query``."""
    return {"$text": {"$search": query, "$language": TEXT_LANGUAGE}}


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def searched_words(query: str) -> set[str]:
    """The words ``query`` looks for, folded: its ``-excluded`` words left out."""
    wanted = (part for part in query.split() if not part.startswith("-"))
    return {_fold(word) for part in wanted for word in _WORD.findall(part)}


def _is_searched(word: str, searched: set[str]) -> bool:
    folded = _fold(word)
    return any(
        folded == term
        or (
            min(len(folded), len(term)) >= _SHARED_START
            and (folded.startswith(term) or term.startswith(folded))
        )
        for term in searched
    )


def highlight(text: str, searched: set[str]) -> str:
    """``text`` HTML-escaped, with its searched words in ``<mark>``."""

    def mark(word: re.Match) -> str:
        found = _is_searched(word[0], searched)
        return f"{MARK_START}{word[0]}{MARK_STOP}" if found else word[0]

    return marked_html(_WORD.sub(mark, without_markers(text)))


def snippet(document: Mapping[str, Any], searched: set[str]) -> str:
    """The item's name and description, as PostgreSQL's headline joins them, highlighted."""
    return highlight(f"{document['name']} — {document['description']}", searched)
