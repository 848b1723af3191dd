"""A common word's search answered from its name matches: the same window as the full ranking.

For a one-word query, every item holding the word in its name outranks every item holding it
only in its description or tags, however many times (``postgres/search.names_first``). So when
enough items hold it in their name, the window is found among them, through their own index,
without ranking every match; the total is then how many match at least (the vocabulary's
count), and the API says "more than" its cap or counts up to it.

The catalog here is small, so the threshold of a "common" word is lowered to 1; what is
compared is always the shortcut against the full ranking of the same items.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from items.api.pagination import ItemPagination
from items.records import ItemFilter, Viewer
from items.repository.postgres import PostgresItemRepository
from items.repository.postgres import search as postgres_search
from items.repository.postgres.queries import filtered
from tests.support.factories import make_item

pytestmark = pytest.mark.django_db

ANONYMOUS = ItemFilter(viewer=Viewer())
STAFF = ItemFilter(viewer=Viewer(user_id=1, is_staff=True))
SEARCH = "/api/items/search/"


@pytest.fixture
def common(monkeypatch):
    monkeypatch.setattr(postgres_search, "COMMON_WORD_ITEMS", 1)


@pytest.fixture
def novels(user):
    """8 active items with "roman" in their name, 2 hidden ones, and 6 that hold it only in
    their description or tags, some of them many times over (their rank still stays below)."""
    for n in range(8):
        extra = " roman" * n  # more occurrences: a higher rank among the name matches
        make_item(name=f"Roman {n}", description=f"Histoire{extra}", category="livre")
    make_item(name="Roman caché", description="roman roman roman", is_active=False)
    make_item(name="Roman brouillon", is_active=False, created_by=user)
    for n in range(6):
        make_item(
            name=f"Recueil {n}",
            description=("roman " * 80).strip() if n % 2 else "Un roman court",
            tags=["roman", "poche"],
        )


def _ranked(filter: ItemFilter, text: str, limit: int, offset: int) -> list:
    ids, _ = postgres_search.ranked_window(filtered(filter), text, limit, offset)
    return ids


@pytest.mark.parametrize("viewer", [ANONYMOUS, STAFF], ids=["anonymous", "staff"])
@pytest.mark.parametrize(("limit", "offset"), [(5, 0), (3, 5), (1, 7), (8, 0)])
def test_the_window_is_the_full_rankings(common, novels, viewer, limit, offset):
    found = postgres_search.names_first(filtered(viewer), "roman", limit, offset)
    assert found is not None, "the shortcut was taken"
    window, _ = found
    assert window == _ranked(viewer, "roman", limit, offset)
    assert len(window) == limit


def test_hidden_name_matches_are_the_staffs_and_their_owners_alone(common, novels, user):
    def names(filter: ItemFilter, limit: int) -> set[str]:  # every name match the viewer sees
        page = PostgresItemRepository().search_page("roman", limit=limit, filter=filter)
        assert not page.total_exact, "the shortcut was taken"
        return {r.name for r in page.records}

    hidden = {"Roman caché", "Roman brouillon"}
    assert hidden <= names(STAFF, 10)
    assert hidden & names(ItemFilter(viewer=Viewer(user_id=user.pk)), 9) == {"Roman brouillon"}
    assert not hidden & names(ANONYMOUS, 8)


def test_a_window_past_the_name_matches_is_ranked_in_full(common, novels):
    """8 active name matches: a window reaching the 9th is not provably theirs."""
    assert postgres_search.names_first(filtered(ANONYMOUS), "roman", 5, 4) is None
    page = PostgresItemRepository().search_page("roman", limit=5, offset=4, filter=ANONYMOUS)
    assert page.total_exact and page.total == 14
    assert [r.id for r in page.records] == _ranked(ANONYMOUS, "roman", 5, 4)
    # The description-only matches come after every name match.
    assert all(r.name.startswith("Recueil") for r in page.records[4:])


@pytest.mark.parametrize(
    "text", ["roman -poche", '"roman policier"', "roman histoire", "roman or lampe", "-roman"]
)
def test_only_a_query_of_one_word_takes_the_shortcut(common, novels, text):
    assert postgres_search.names_first(filtered(ANONYMOUS), text, 3, 0) is None


def test_a_word_fewer_items_hold_is_ranked_in_full(novels, monkeypatch):
    monkeypatch.setattr(postgres_search, "COMMON_WORD_ITEMS", 15)  # 14 active items hold it
    assert postgres_search.names_first(filtered(ANONYMOUS), "roman", 3, 0) is None
    monkeypatch.setattr(postgres_search, "COMMON_WORD_ITEMS", 14)
    assert postgres_search.names_first(filtered(ANONYMOUS), "roman", 3, 0) is not None


def test_the_page_says_how_many_match_at_least(common, novels):
    repository = PostgresItemRepository()
    page = repository.search_page("Romans", limit=3, filter=ANONYMOUS)  # the same lexeme
    assert not page.total_exact
    assert page.total == 14 == repository.count(ANONYMOUS, query="roman")
    staff = repository.search_page("roman", limit=3, filter=STAFF)
    assert not staff.total_exact and staff.total <= repository.count(STAFF, query="roman") == 16


def test_a_filter_beyond_visibility_is_ranked_in_full(common, novels):
    books = ItemFilter(viewer=Viewer(), category="livre")
    page = PostgresItemRepository().search_page("roman", limit=3, filter=books)
    assert page.total_exact and page.total == 8
    assert [r.id for r in page.records] == _ranked(books, "roman", 3, 0)


def test_the_shortcut_neither_ranks_nor_counts_every_match(common, novels):
    with CaptureQueriesContext(connection) as queries:
        PostgresItemRepository().search_page("roman", limit=3, filter=ANONYMOUS)
    statements = " ".join(q["sql"] for q in queries.captured_queries)
    assert "ts_filter" in statements
    assert "OVER ()" not in statements and "COUNT(" not in statements.upper()


def test_the_api_counts_up_to_its_cap_or_says_more(common, novels, anon_client, monkeypatch):
    full = _ranked(ANONYMOUS, "roman", 20, 0)
    body = anon_client.get(SEARCH, {"q": "roman"}).json()
    assert (body["count"], body["count_exact"]) == (14, True)  # 14 <= 10,000: counted
    assert [r["id"] for r in body["results"]] == [str(i) for i in full]

    monkeypatch.setattr(ItemPagination, "count_cap", 10)
    body = anon_client.get(SEARCH, {"q": "roman", "page_size": 5}).json()
    assert (body["count"], body["count_exact"]) == (10, False)  # more than 10 match
    assert [r["id"] for r in body["results"]] == [str(i) for i in full[:5]]
    assert body["next"] is not None
