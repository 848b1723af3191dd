"""Where search differs between the backends, pinned: each difference is listed in the README.

The query language is PostgreSQL's web-search syntax; MongoDB's ``$text`` follows it where it
can. Each test states what both must do, and where one differs, what it does and why. The
``test_search_*`` tests need ``$text`` and skip on mongomock (they run on a real server).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from items.records import ItemData, ItemFilter, Viewer

ANONYMOUS = ItemFilter(viewer=Viewer())


@pytest.fixture
def backend(request) -> str:
    return request.node.callspec.params["repository"]


@pytest.fixture
def shelf(repository):
    def item(name: str, description: str = "", **extra) -> None:
        repository.create(ItemData(name, Decimal("20"), "autre", description, **extra))

    item("Casque de vélo", "Léger et ventilé", tags=("sport",))
    item("Lampe de chevet", "Lumière douce")
    item("Lampe casque de mineur", "Frontale")
    return repository


def _names(rows) -> set[str]:
    return {row.name for row in rows}


def test_search_corrects_typos_only_with_a_vocabulary(shelf, backend):
    """PostgreSQL corrects "casqe" against its vocabulary; ``$text`` has none to correct
    against, so MongoDB searches the words as written and says it corrected nothing."""
    expected = {"postgres": "casque -lampe", "mongodb": None}[backend]
    assert shelf.search_page("casqe -lampe", limit=5, filter=ANONYMOUS).corrected == expected
    assert shelf.search_page("casque -lampe", limit=5, filter=ANONYMOUS).corrected is None


def test_search_page_says_what_it_corrected(shelf, backend):
    """A page of results carries the correction, found once with the page."""
    expected = {"postgres": "casque -lampe", "mongodb": None}[backend]
    page = shelf.search_page("casqe -lampe", limit=5, filter=ANONYMOUS)
    assert page.corrected == expected
    assert shelf.search_page("casque -lampe", limit=5, filter=ANONYMOUS).corrected is None


@pytest.mark.parametrize("query", ["casque", "lampe -casque", "vélo or chevet", "casqe", ""])
@pytest.mark.parametrize(("limit", "offset"), [(1, 0), (1, 1), (10, 0), (2, 5)])
def test_search_page_is_search_and_count_at_once(shelf, query, limit, offset):
    """The total is exact, or (PostgreSQL, for a word many items hold in their name) how many
    match at least, said so by ``total_exact``."""
    page = shelf.search_page(query, limit=limit, offset=offset, filter=ANONYMOUS)
    assert page.records == shelf.search(query, limit=limit, offset=offset, filter=ANONYMOUS)
    counted = shelf.count(ANONYMOUS, query=query)
    assert page.total == counted if page.total_exact else 0 < page.total <= counted


def test_search_misspelt_words(shelf, backend):
    """Without correction, MongoDB finds nothing for a misspelt word."""
    expected = {"postgres": {"Casque de vélo"}, "mongodb": set()}[backend]
    assert _names(shelf.search("casqe -lampe", limit=10)) == expected


def test_search_bare_words(shelf, backend):
    """PostgreSQL wants every bare word; ``$text`` wants any of them (best matches first)."""
    found = _names(shelf.search("casque vélo", limit=10))
    expected = {
        "postgres": {"Casque de vélo"},
        "mongodb": {"Casque de vélo", "Lampe casque de mineur"},
    }[backend]
    assert found == expected


def test_search_phrases_and_exclusions_agree(shelf):
    """A phrase must appear and an excluded word must not, on both backends."""
    assert _names(shelf.search('"casque de vélo"', limit=10)) == {"Casque de vélo"}
    assert _names(shelf.search("casque -lampe", limit=10)) == {"Casque de vélo"}
    assert _names(shelf.search("lampe -casque", limit=10)) == {"Lampe de chevet"}


def test_search_or(shelf, backend):
    """``or`` is PostgreSQL's alternative; ``$text`` reads it as a word, and as any bare words
    are alternatives there, "vélo or chevet" finds the same items on both."""
    assert _names(shelf.search("vélo or chevet", limit=10)) == {
        "Casque de vélo",
        "Lampe de chevet",
    }
