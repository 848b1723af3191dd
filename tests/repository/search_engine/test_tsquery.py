"""PostgreSQL's parse of a search, read back into a tree: precedence, phrases, escapes."""

from __future__ import annotations

import pytest

from items.repository.search_engine.tsquery import (
    And,
    Not,
    Or,
    Phrase,
    Unsupported,
    Word,
    parse,
    positive_words,
)


def test_words_exclusions_and_alternatives_keep_postgresqls_precedence():
    tree = parse("'casqu' & !'bose' | 'lamp' & 'bois'")
    assert tree == Or((And((Word("casqu"), Not(Word("bose")))), And((Word("lamp"), Word("bois")))))


def test_a_phrase_keeps_its_words_offsets_stop_words_included():
    # "30 heures d'autonomie": "d" is a stop word, hence <2>.
    assert parse("'30' <-> 'heur' <2> 'autonom'") == Phrase(
        ((0, "30"), (1, "heur"), (3, "autonom"))
    )
    assert parse("'t-shirt' <2> 'shirt' & 'bio'") == And(
        (Phrase(((0, "t-shirt"), (2, "shirt"))), Word("bio"))
    )


def test_an_excluded_phrase_and_parentheses():
    assert parse("'a' & !( 'coton' <-> 'bio' )") == And(
        (Word("a"), Not(Phrase(((0, "coton"), (1, "bio")))))
    )


def test_quotes_and_backslashes_are_unescaped():
    assert parse("'l''eau' & 'a\\\\b'") == And((Word("l'eau"), Word("a\\b")))


def test_the_empty_query_matches_nothing():
    assert parse("") is None


@pytest.mark.parametrize("text", ["'casqu':*", "'casqu':AB", "'a' <-> ( 'b' | 'c' )", "'a' &"])
def test_what_websearch_never_writes_is_left_to_sql(text):
    with pytest.raises(Unsupported):
        parse(text)


def test_the_words_that_rank_are_those_not_excluded():
    tree = parse("'casqu' & !'bose' | 'coton' <-> 'bio'")
    assert positive_words(tree) == {"casqu", "coton", "bio"}
